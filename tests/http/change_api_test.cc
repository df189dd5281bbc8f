// Change (改签) over HTTP (docs/api.md, "Change"): a real Node with a fake clock on SQLite and a
// real PostgreSQL server. The quote, the change and its retry, the errors, and at the gate: the
// old voucher refused as changed, the new ticket's voucher admitted.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "demo_node_test.h"
#include "http/node.h"
#include "support/test_data.h"

namespace keyun::http {
namespace {

using nlohmann::json;
using testing::TestEngine;

class ChangeApiTest : public DemoNodeTest {
 protected:
  void SetUp() override {
    clock_.Set(core::Instant::FromShanghai(*core::LocalDate::Parse("2026-11-23"),
                                           *core::TimeOfDay::Parse("05:00")));
    StartNode(/*fake_clock=*/true);
  }
};

TEST_P(ChangeApiTest, QuoteChangeRetryAndTheGates) {
  std::string gate = Login("gate");
  std::string station = Body(client_->Get("/api/v1/session", Bearer(gate)))["station"];
  FindTwoRuns(station);
  if (IsSkipped() || HasFatalFailure()) return;
  auto paid = SellAndPay(*run1_, *route_, 77);
  ASSERT_TRUE(paid);
  const std::string number = paid->tickets.at(0).ticket_number;
  const std::string base = "/api/v1/tickets/" + number;
  const std::string r2 = run2_->run.id.str();
  auto old_voucher = client_->Get((base + "/voucher").c_str(), Holder(paid->order_id));
  ASSERT_TRUE(old_voucher);
  ASSERT_EQ(old_voucher->status, 200) << old_voucher->body;

  // The quote changes nothing.
  auto quote = client_->Get((base + "/change-quote?run_id=" + r2).c_str(),
                            Holder(paid->order_id));
  ASSERT_TRUE(quote);
  ASSERT_EQ(quote->status, 200) << quote->body;
  json q = Body(quote);
  EXPECT_EQ(q["status"], "quote");
  EXPECT_EQ(q["old_ticket_number"], number);
  EXPECT_EQ(q["fee"], 0);
  EXPECT_EQ(q["change_number"], 1);
  EXPECT_EQ(q["charge"].get<std::int64_t>() - q["refund"].get<std::int64_t>(),
            q["new_fare"].get<std::int64_t>() - q["old_fare"].get<std::int64_t>());
  EXPECT_EQ(Body(client_->Get(base.c_str(), Holder(paid->order_id)))["status"], "issued");

  // Errors, each with what to do.
  const std::string change = base + "/change";
  json body = {{"run_id", r2}, {"access_token", Token(paid->order_id)}};
  auto no_key = client_->Post(change.c_str(), body.dump(), "application/json");
  ASSERT_TRUE(no_key);
  EXPECT_EQ(no_key->status, 400) << no_key->body;
  auto no_run = client_->Post(change.c_str(), {{"Idempotency-Key", "ch-1"}},
                              json{{"access_token", Token(paid->order_id)}}.dump(), "application/json");
  ASSERT_TRUE(no_run);
  EXPECT_EQ(no_run->status, 400);
  EXPECT_EQ(Body(no_run)["error"]["field"], "run_id");
  auto not_yours = client_->Post(change.c_str(), {{"Idempotency-Key", "ch-1"}},
                                 json{{"run_id", r2}, {"access_token", std::string(32, 'f')}}.dump(),
                                 "application/json");
  ASSERT_TRUE(not_yours);
  EXPECT_EQ(not_yours->status, 403) << not_yours->body;
  auto unknown = client_->Post("/api/v1/tickets/37261123000000000099/change",
                               {{"Idempotency-Key", "ch-x"}}, body.dump(), "application/json");
  ASSERT_TRUE(unknown);
  EXPECT_TRUE(unknown->status == 404 || unknown->status == 400) << unknown->status;
  auto same_run = client_->Post(change.c_str(), {{"Idempotency-Key", "ch-1"}},
                                json{{"run_id", run1_->run.id.str()},
                                     {"access_token", Token(paid->order_id)}}.dump(),
                                "application/json");
  ASSERT_TRUE(same_run);
  EXPECT_EQ(same_run->status, 409) << same_run->body;

  // The change, and its retry.
  auto done = client_->Post(change.c_str(), {{"Idempotency-Key", "ch-1"}}, body.dump(),
                            "application/json");
  ASSERT_TRUE(done);
  ASSERT_EQ(done->status, 200) << done->body;
  json c = Body(done);
  EXPECT_EQ(c["status"], "changed");
  EXPECT_EQ(c["old_ticket_number"], number);
  EXPECT_EQ(c["fee"], q["fee"]);
  EXPECT_EQ(c["charge"], q["charge"]);
  EXPECT_EQ(c["refund"], q["refund"]);
  EXPECT_EQ(c["change_number"], 1);
  EXPECT_FALSE(c["rule"].get<std::string>().empty());
  json ticket = c["ticket"];
  const std::string fresh = ticket["ticket_number"];
  EXPECT_EQ(fresh.size(), 20u);
  EXPECT_EQ(ticket["run_id"], r2);
  EXPECT_EQ(ticket["status"], "issued");
  EXPECT_EQ(ticket["changed_from"], number);
  // The new ticket is in a new order, whose token comes with the answer (and only there).
  EXPECT_EQ(c["access_token"], Token(ticket["order_id"]));
  EXPECT_EQ(Body(client_->Get(("/api/v1/tickets/" + fresh).c_str(), Holder(ticket["order_id"]))),
            ticket);
  EXPECT_EQ(Body(client_->Get(base.c_str(), Holder(paid->order_id)))["status"], "changed");
  auto retried = client_->Post(change.c_str(), {{"Idempotency-Key", "ch-1"}}, body.dump(),
                               "application/json");
  ASSERT_TRUE(retried);
  ASSERT_EQ(retried->status, 200);
  EXPECT_EQ(Body(retried)["ticket"]["ticket_number"], fresh);
  EXPECT_EQ(Body(retried)["change_id"], c["change_id"]);
  auto twice = client_->Post(change.c_str(), {{"Idempotency-Key", "ch-2"}}, body.dump(),
                             "application/json");
  ASSERT_TRUE(twice);
  EXPECT_EQ(twice->status, 409);
  EXPECT_NE(Body(twice)["error"]["message"].get<std::string>().find("already changed"),
            std::string::npos);

  // At the gate: the old voucher is refused as changed, the new one admitted.
  auto new_voucher = client_->Get(("/api/v1/tickets/" + fresh + "/voucher").c_str(),
                                  Holder(ticket["order_id"]));
  ASSERT_TRUE(new_voucher);
  ASSERT_EQ(new_voucher->status, 200) << new_voucher->body;
  clock_.Set(run1_->run.departs_at - std::chrono::minutes(30));
  gate = Login("gate");
  json scan = {{"gate", "3"}, {"method", "qr_code"}, {"voucher", old_voucher->body}};
  auto old_scan = client_->Post("/api/v1/checkins", Bearer(gate), scan.dump(), "application/json");
  ASSERT_TRUE(old_scan);
  EXPECT_EQ(old_scan->status, 409) << old_scan->body;
  EXPECT_EQ(Body(old_scan)["refusal"]["reason"], "changed") << old_scan->body;

  clock_.Set(run2_->run.departs_at - std::chrono::minutes(30));
  gate = Login("gate");
  scan["voucher"] = new_voucher->body;
  auto new_scan = client_->Post("/api/v1/checkins", Bearer(gate), scan.dump(), "application/json");
  ASSERT_TRUE(new_scan);
  ASSERT_EQ(new_scan->status, 200) << new_scan->body;
  EXPECT_EQ(Body(new_scan)["accepted"], true);
  EXPECT_EQ(Body(new_scan)["ticket_number"], fresh);

  // Gates learn of it from the revocation list.
  auto list = client_->Get("/api/v1/revocations?since=0", Bearer(gate));
  ASSERT_TRUE(list);
  ASSERT_EQ(list->status, 200) << list->body;
  json items = Body(list)["items"];
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["ticket_number"], number);
  EXPECT_EQ(items[0]["reason"], "changed");
}

TEST_P(ChangeApiTest, ADearerChangeOnThePhoneIsPaidInTheWallet) {
  std::string gate = Login("gate");
  std::string station = Body(client_->Get("/api/v1/session", Bearer(gate)))["station"];
  FindTwoRuns(station);
  if (IsSkipped() || HasFatalFailure()) return;
  // Bought on the phone and paid in the sandbox wallet.
  json sale = {{"run_id", run1_->run.id.str()},
               {"from", route_->stops.front().station.str()},
               {"to", route_->stops.back().station.str()},
               {"channel", "mobile"},
               {"passengers", {{{"name", "司马光"}, {"id_number", testing::TestResidentId(78)}}}}};
  auto held = client_->Post("/api/v1/orders", {{"Idempotency-Key", "sell-dear"}}, sale.dump(),
                            "application/json");
  ASSERT_TRUE(held);
  ASSERT_EQ(held->status, 201) << held->body;
  const std::string order_id = Body(held)["order_id"];
  json order = PayInSandbox(order_id);
  ASSERT_EQ(order["status"], "issued") << order.dump();
  const std::string number = order["tickets"][0]["ticket_number"];
  const std::int64_t paid = order["amount"];

  // The fare rises before run 2 is first sold: the change costs ¥7.50 more.
  auto fares = node_->network().ListFares(route_->code);
  ASSERT_TRUE(fares);
  for (auto f : *fares) {
    if (f.from_index != 0 || f.to_index != static_cast<int>(route_->stops.size()) - 1) continue;
    f.adult = f.adult + core::Money::Fen(750);
    f.cap = std::max(f.cap, f.adult);
    ASSERT_TRUE(node_->network().UpsertFare(f));
  }

  // Held: 202, with what to pay and where.
  const std::string change = "/api/v1/tickets/" + number + "/change";
  json body = {{"run_id", run2_->run.id.str()}, {"access_token", Token(order_id)}};
  auto hold = client_->Post(change.c_str(), {{"Idempotency-Key", "ch-dear"}}, body.dump(),
                            "application/json");
  ASSERT_TRUE(hold);
  ASSERT_EQ(hold->status, 202) << hold->body;
  json h = Body(hold);
  EXPECT_EQ(h["status"], "awaiting_payment");
  EXPECT_EQ(h["money"], "provider");
  EXPECT_EQ(h["charge"], 750);
  EXPECT_EQ(h["change_id"], nullptr);
  EXPECT_EQ(h["ticket"]["status"], "held");
  EXPECT_EQ(h["to_pay"], paid + 750);
  EXPECT_EQ(h["old_fare_back"], paid);
  const std::string new_order = h["new_order_id"];
  EXPECT_EQ(h["pay_path"], "/api/v1/orders/" + new_order + "/pay");
  EXPECT_EQ(Body(client_->Get(("/api/v1/tickets/" + number).c_str(), Holder(order_id)))["status"], "issued");
  auto again = client_->Post(change.c_str(), {{"Idempotency-Key", "ch-dear"}}, body.dump(),
                             "application/json");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 202) << again->body;
  EXPECT_EQ(Body(again)["new_order_id"], new_order);

  // Paid like any order; the provider's notification completes the change.
  json done = PayInSandbox(new_order);
  ASSERT_EQ(done["status"], "issued") << done.dump();
  EXPECT_EQ(done["amount"], paid + 750);
  const std::string fresh = done["tickets"][0]["ticket_number"];
  EXPECT_EQ(fresh.size(), 20u);
  EXPECT_EQ(done["tickets"][0]["changed_from"], number);
  EXPECT_EQ(Body(client_->Get(("/api/v1/tickets/" + number).c_str(), Holder(order_id)))["status"], "changed");
  auto retried = client_->Post(change.c_str(), {{"Idempotency-Key", "ch-dear"}}, body.dump(),
                               "application/json");
  ASSERT_TRUE(retried);
  ASSERT_EQ(retried->status, 200) << retried->body;
  json c = Body(retried);
  EXPECT_EQ(c["status"], "changed");
  EXPECT_NE(c["change_id"], nullptr);
  EXPECT_NE(c["payment_id"], nullptr);
  EXPECT_NE(c["refund_id"], nullptr);
  EXPECT_EQ(c["ticket"]["ticket_number"], fresh);
}

INSTANTIATE_TEST_SUITE_P(Engines, ChangeApiTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& info) { return testing::TestEngineName(info.param); });

}  // namespace
}  // namespace keyun::http
