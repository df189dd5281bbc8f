// The reimbursement ticket over HTTP (docs/api.md "Reimbursement tickets"), on SQLite and a real
// PostgreSQL server: a window prints it once as a PDF, a reprint needs a station manager's
// password, and the holder's tickets are listed for collection by ID at a window or a
// self-service machine.
#include <gtest/gtest.h>

#include "demo_node_test.h"

namespace keyun::http {
namespace {

using nlohmann::json;
using testing::TestEngine;

class ReimbursementApiTest : public DemoNodeTest {
 protected:
  void SetUp() override {
    clock_.Set(core::Instant::FromShanghai(*core::LocalDate::Parse("2026-11-23"),
                                           *core::TimeOfDay::Parse("05:00")));
    StartNode(/*fake_clock=*/true);
  }
  httplib::Result Print(const httplib::Headers& auth, const std::string& key,
                        const json& body = json::object()) {
    httplib::Headers headers = auth;
    headers.emplace("Idempotency-Key", key);
    return client_->Post(("/api/v1/tickets/" + ticket_ + "/reimbursement").c_str(), headers,
                         body.dump(), "application/json");
  }
};

// The supervisor's password of a reprint is a login: guessing it locks the manager's account
// like guessing at POST /session, and the right password is refused until the lock ends.
TEST_P(ReimbursementApiTest, GuessingTheSupervisorsPasswordLocksTheAccount) {
  SellTicket("370102001", 8);
  ASSERT_FALSE(ticket_.empty());
  const httplib::Headers clerk = Bearer(Login("clerk"));
  auto first = Print(clerk, "p-1");
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 200) << first->body;
  const json guess = {{"supervisor", {{"username", "manager"}, {"password", "guessing"}}}};
  for (int i = 0; i < 5; ++i) {
    auto wrong = Print(clerk, "p-guess-" + std::to_string(i), guess);
    ASSERT_TRUE(wrong);
    EXPECT_EQ(wrong->status, 403) << "guess " << i << ": " << wrong->body;
  }
  const json right = {{"supervisor", {{"username", "manager"}, {"password", "keyun-demo"}}}};
  auto locked = Print(clerk, "p-2", right);
  ASSERT_TRUE(locked);
  EXPECT_EQ(locked->status, 429) << locked->body;
  EXPECT_FALSE(locked->get_header_value("Retry-After").empty());
  auto session = client_->Post("/api/v1/session",
                               json{{"username", "manager"}, {"password", "keyun-demo"}}.dump(),
                               "application/json");
  ASSERT_TRUE(session);
  EXPECT_EQ(session->status, 429) << "the same account, locked for logins too: " << session->body;

  clock_.Set(clock_.Now() + std::chrono::seconds(2));
  auto approved = Print(clerk, "p-3", right);
  ASSERT_TRUE(approved);
  EXPECT_EQ(approved->status, 200) << approved->body;
  EXPECT_EQ(approved->get_header_value("X-Reprint"), "1");
}

TEST_P(ReimbursementApiTest, PrintOnceReprintWithAManagerAndCollectById) {
  SellTicket("370102001", 7);
  ASSERT_FALSE(ticket_.empty());
  const httplib::Headers clerk = Bearer(Login("clerk"));

  auto first = Print(clerk, "w-1");
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 200) << first->body;
  EXPECT_EQ(first->get_header_value("Content-Type"), "application/pdf");
  EXPECT_EQ(first->body.substr(0, 5), "%PDF-");
  EXPECT_EQ(first->get_header_value("X-Print-Sequence"), "1");
  EXPECT_EQ(first->get_header_value("X-Reprint"), "0");

  auto retried = Print(clerk, "w-1");
  ASSERT_TRUE(retried);
  EXPECT_EQ(retried->status, 200);
  EXPECT_EQ(retried->get_header_value("X-Print-Sequence"), "1");

  auto second = Print(clerk, "w-2");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 409) << second->body;
  auto wrong_password =
      Print(clerk, "w-2", {{"supervisor", {{"username", "manager"}, {"password", "guessing"}}}});
  ASSERT_TRUE(wrong_password);
  EXPECT_EQ(wrong_password->status, 403) << wrong_password->body;
  auto approved =
      Print(clerk, "w-2", {{"supervisor", {{"username", "manager"}, {"password", "keyun-demo"}}}});
  ASSERT_TRUE(approved);
  ASSERT_EQ(approved->status, 200) << approved->body;
  EXPECT_EQ(approved->get_header_value("X-Print-Sequence"), "2");
  EXPECT_EQ(approved->get_header_value("X-Reprint"), "1");

  // The gate operator does not print (a machine's print: kiosk_api_test.cc).
  auto gate = Print(Bearer(Login("gate")), "g-1");
  ASSERT_TRUE(gate);
  EXPECT_EQ(gate->status, 403) << gate->body;

  // Looking a person's trips up by ID takes a station's ticket staff (the machine's account).
  const std::string lookup = json{{"id_number", testing::TestResidentId(7)}}.dump();
  auto anonymous = client_->Post("/api/v1/tickets/lookup", lookup, "application/json");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401) << anonymous->body;
  auto by_gate = client_->Post("/api/v1/tickets/lookup", Bearer(Login("gate")), lookup,
                               "application/json");
  ASSERT_TRUE(by_gate);
  EXPECT_EQ(by_gate->status, 403) << by_gate->body;
  const auto kiosk = Bearer(Login("kiosk"));
  auto listed = client_->Post("/api/v1/tickets/lookup", kiosk, lookup, "application/json");
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->status, 200) << listed->body;
  ASSERT_EQ(Body(listed)["items"].size(), 1u);
  EXPECT_EQ(Body(listed)["items"][0]["ticket_number"], ticket_);
  EXPECT_EQ(Body(listed)["items"][0]["reimbursement_prints"], 2);
  auto bad = client_->Post("/api/v1/tickets/lookup", kiosk, json{{"id_number", "12345"}}.dump(),
                           "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400) << bad->body;
}

INSTANTIATE_TEST_SUITE_P(Engines, ReimbursementApiTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& info) { return testing::TestEngineName(info.param); });

}  // namespace
}  // namespace keyun::http
