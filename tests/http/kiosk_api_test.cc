// A self-service machine's account (role kiosk) over HTTP, on SQLite and a real PostgreSQL
// server: it acts on channel kiosk only (and a clerk never does); nobody at a machine sees the
// passenger's papers, so every print, refund and change there needs the holder's ID card, or,
// for a refund or change, the ticket's order id; a fee-free operator refund stays at a window.
#include <gtest/gtest.h>

#include <string>

#include "demo_node_test.h"

namespace keyun::http {
namespace {

using nlohmann::json;
using testing::TestEngine;

class KioskApiTest : public DemoNodeTest {
 protected:
  void SetUp() override {
    clock_.Set(core::Instant::FromShanghai(*core::LocalDate::Parse("2026-11-23"),
                                           *core::TimeOfDay::Parse("05:00")));
    StartNode(/*fake_clock=*/true);
    if (HasFatalFailure()) return;
    kiosk_ = Bearer(Login("kiosk"));
    station_ = Body(client_->Get("/api/v1/session", kiosk_))["station"];
  }

  // POST `path` as the machine (or `auth`) with an Idempotency-Key.
  httplib::Result Post(const std::string& path, const std::string& key, const json& body,
                       const httplib::Headers& auth) {
    httplib::Headers headers = auth;
    headers.emplace("Idempotency-Key", key);
    return client_->Post(path.c_str(), headers, body.dump(), "application/json");
  }
  // The order a ticket was sold in.
  std::string OrderOf(const std::string& ticket) {
    auto got = node_->sales().GetTicket(ticket);
    EXPECT_TRUE(got) << got.error().ToString();
    return got ? got->order_id : "";
  }

  httplib::Headers kiosk_;
  std::string station_;
};

TEST_P(KioskApiTest, MachinesAndClerksKeepToTheirOwnChannels) {
  ASSERT_EQ(Body(client_->Get("/api/v1/session", kiosk_))["role"], "kiosk");
  SellTicket(station_, 31);
  ASSERT_FALSE(ticket_.empty());
  const std::string quote = "/api/v1/tickets/" + ticket_ + "/refund-quote";
  auto by_machine = client_->Get(quote.c_str(), kiosk_);  // channel kiosk by default
  ASSERT_TRUE(by_machine);
  EXPECT_EQ(by_machine->status, 200) << by_machine->body;
  auto machine_at_window = client_->Get((quote + "?channel=window").c_str(), kiosk_);
  ASSERT_TRUE(machine_at_window);
  EXPECT_EQ(machine_at_window->status, 403) << machine_at_window->body;
  EXPECT_NE(machine_at_window->body.find("channel kiosk only"), std::string::npos);
  auto clerk_as_machine =
      client_->Get((quote + "?channel=kiosk").c_str(), Bearer(Login("clerk")));
  ASSERT_TRUE(clerk_as_machine);
  EXPECT_EQ(clerk_as_machine->status, 403) << clerk_as_machine->body;
  EXPECT_NE(clerk_as_machine->body.find("use channel window"), std::string::npos);
}

TEST_P(KioskApiTest, ARefundAtTheMachineNeedsTheHoldersCardOrOrder) {
  SellTicket(station_, 32);
  ASSERT_FALSE(ticket_.empty());
  const std::string refund = "/api/v1/tickets/" + ticket_ + "/refund";

  auto no_proof = Post(refund, "rk-1", json::object(), kiosk_);
  ASSERT_TRUE(no_proof);
  EXPECT_EQ(no_proof->status, 400) << no_proof->body;
  EXPECT_EQ(Body(no_proof)["error"]["field"], "id_number");
  auto bad_card = Post(refund, "rk-1", {{"id_number", "12345"}}, kiosk_);
  ASSERT_TRUE(bad_card);
  EXPECT_EQ(bad_card->status, 400) << bad_card->body;
  auto someone_else = Post(refund, "rk-1", {{"id_number", testing::TestResidentId(33)}}, kiosk_);
  ASSERT_TRUE(someone_else);
  EXPECT_EQ(someone_else->status, 403) << someone_else->body;
  auto other_order = Post(refund, "rk-1", {{"access_token", std::string(32, 'f')}}, kiosk_);
  ASSERT_TRUE(other_order);
  EXPECT_EQ(other_order->status, 403) << other_order->body;
  // An order id typed at a public machine proves nothing: it is printed on receipts.
  auto order_id_only = Post(refund, "rk-1", {{"access_token", OrderOf(ticket_)}}, kiosk_);
  ASSERT_TRUE(order_id_only);
  EXPECT_EQ(order_id_only->status, 403) << order_id_only->body;
  auto operator_cause = Post(refund, "rk-1",
                             {{"cause", "run_delayed"},
                              {"id_number", testing::TestResidentId(32)}},
                             kiosk_);
  ASSERT_TRUE(operator_cause);
  EXPECT_EQ(operator_cause->status, 403) << operator_cause->body;
  EXPECT_EQ(Body(client_->Get(("/api/v1/tickets/" + ticket_).c_str(), kiosk_))["status"], "issued")
      << "nothing refused changed the ticket";

  auto done = Post(refund, "rk-1", {{"id_number", testing::TestResidentId(32)}}, kiosk_);
  ASSERT_TRUE(done);
  ASSERT_EQ(done->status, 200) << done->body;
  EXPECT_EQ(Body(done)["status"], "refunded");
  // Without the proof a machine learns nothing of the ticket's state, not even "refunded".
  auto stranger = Post(refund, "rk-3", json::object(), kiosk_);
  ASSERT_TRUE(stranger);
  EXPECT_EQ(stranger->status, 400) << stranger->body;
  EXPECT_EQ(Body(stranger)["error"]["field"], "id_number");

  // The order's access token from the passenger's phone proves the holder as well.
  SellTicket(station_, 34);
  auto by_order = Post("/api/v1/tickets/" + ticket_ + "/refund", "rk-2",
                       {{"access_token", Token(OrderOf(ticket_))}}, kiosk_);
  ASSERT_TRUE(by_order);
  ASSERT_EQ(by_order->status, 200) << by_order->body;
  EXPECT_EQ(Body(by_order)["status"], "refunded");
}

TEST_P(KioskApiTest, AChangeAtTheMachineNeedsTheHoldersCard) {
  FindTwoRuns(station_);
  if (IsSkipped() || HasFatalFailure()) return;
  auto paid = SellAndPay(*run1_, *route_, 35);
  ASSERT_TRUE(paid);
  const std::string number = paid->tickets.at(0).ticket_number;
  const std::string change = "/api/v1/tickets/" + number + "/change";
  json body = {{"run_id", run2_->run.id.str()}, {"payment_method", "card"}};

  auto no_proof = Post(change, "ck-1", body, kiosk_);
  ASSERT_TRUE(no_proof);
  EXPECT_EQ(no_proof->status, 400) << no_proof->body;
  EXPECT_EQ(Body(no_proof)["error"]["field"], "id_number");
  body["id_number"] = testing::TestResidentId(36);
  auto someone_else = Post(change, "ck-1", body, kiosk_);
  ASSERT_TRUE(someone_else);
  EXPECT_EQ(someone_else->status, 403) << someone_else->body;
  EXPECT_EQ(Body(client_->Get(("/api/v1/tickets/" + number).c_str(), kiosk_))["status"], "issued");

  body["id_number"] = testing::TestResidentId(35);
  auto done = Post(change, "ck-1", body, kiosk_);
  ASSERT_TRUE(done);
  ASSERT_EQ(done->status, 200) << done->body;
  EXPECT_EQ(Body(done)["status"], "changed");
  EXPECT_EQ(Body(client_->Get(("/api/v1/tickets/" + number).c_str(), kiosk_))["status"], "changed");
}

TEST_P(KioskApiTest, TheMachinePrintsTheReimbursementTicketAtItsStationForTheHolder) {
  SellTicket(station_, 37);
  ASSERT_FALSE(ticket_.empty());
  const std::string print = "/api/v1/tickets/" + ticket_ + "/reimbursement";

  auto no_session = Post(print, "pk-1", {{"id_number", testing::TestResidentId(37)}}, {});
  ASSERT_TRUE(no_session);
  EXPECT_EQ(no_session->status, 401) << no_session->body;
  auto no_card = Post(print, "pk-1", json::object(), kiosk_);
  ASSERT_TRUE(no_card);
  EXPECT_EQ(no_card->status, 400) << no_card->body;
  auto someone_else = Post(print, "pk-1", {{"id_number", testing::TestResidentId(38)}}, kiosk_);
  ASSERT_TRUE(someone_else);
  EXPECT_EQ(someone_else->status, 403) << someone_else->body;
  auto other_station = Post(print, "pk-1",
                            {{"station", "110101001"}, {"id_number", testing::TestResidentId(37)}},
                            kiosk_);
  ASSERT_TRUE(other_station);
  EXPECT_EQ(other_station->status, 400) << other_station->body;
  EXPECT_EQ(Body(other_station)["error"]["field"], "station");

  auto printed = Post(print, "pk-1", {{"id_number", testing::TestResidentId(37)}}, kiosk_);
  ASSERT_TRUE(printed);
  ASSERT_EQ(printed->status, 200) << printed->body;
  EXPECT_EQ(printed->body.substr(0, 5), "%PDF-");
  EXPECT_EQ(printed->get_header_value("X-Print-Sequence"), "1");
  auto again = Post(print, "pk-2", {{"id_number", testing::TestResidentId(37)}}, kiosk_);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 409) << again->body;
}

INSTANTIATE_TEST_SUITE_P(Engines, KioskApiTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& info) { return testing::TestEngineName(info.param); });

}  // namespace
}  // namespace keyun::http
