// SalesService on a seeded demo province, on SQLite and on a real PostgreSQL server.
#include "sales/sales_service.h"

#include <gtest/gtest.h>

#include <map>
#include <thread>
#include <vector>

#include "core/ids.h"
#include "sales_fixture.h"
#include "support/outbox_events.h"

namespace keyun::sales {
namespace {

using testing::TestEngine;
using testing::TestResidentId;

TEST_P(SalesTest, SearchFindsTheRunWithFaresAndSeats) {
  auto offers = sales_->Search(route_->stops[1].station, route_->stops.back().station,
                               run_->run.date(), Channel::kMobile);
  ASSERT_TRUE(offers) << offers.error().ToString();
  auto it = std::find_if(offers->begin(), offers->end(),
                         [&](const RunOffer& o) { return o.run.run.id == run_->run.id; });
  ASSERT_NE(it, offers->end()) << "boarding at an intermediate stop finds the run";
  EXPECT_EQ(it->from_index, 1);
  EXPECT_EQ(it->seats_left, run_->run.seats);
  EXPECT_GT(it->adult.fen(), 0);
  EXPECT_GE(it->cap.fen(), it->adult.fen());
  auto backwards = sales_->Search(route_->stops.back().station, route_->stops[0].station,
                                  run_->run.date(), Channel::kMobile);
  ASSERT_TRUE(backwards);
  for (const RunOffer& o : *backwards) EXPECT_NE(o.run.run.id, run_->run.id) << "wrong direction";
}

TEST_P(SalesTest, HoldPayIssueWithNumbersAndAmounts) {
  auto order = sales_->CreateOrder(Request({Adult(1), Adult(2)}, "k1"));
  ASSERT_TRUE(order) << order.error().ToString();
  EXPECT_EQ(order->status, OrderStatus::kHeld);
  ASSERT_EQ(order->tickets.size(), 2u);
  EXPECT_NE(order->tickets[0].seat, order->tickets[1].seat);
  EXPECT_EQ(order->amount.fen(), 2 * (order->tickets[0].fare.fen() +
                                      order->tickets[0].station_fee.fen()));
  EXPECT_EQ(order->tickets[0].id_masked.find(TestResidentId(1)), std::string::npos);

  auto paid = sales_->Pay(order->order_id, PaymentMethod::kCash);
  ASSERT_TRUE(paid) << paid.error().ToString();
  EXPECT_EQ(paid->status, OrderStatus::kIssued);
  for (const Ticket& t : paid->tickets) {
    ASSERT_TRUE(core::TicketNumber::Parse(t.ticket_number)) << t.ticket_number;
    EXPECT_TRUE(t.ticket_number.starts_with("37"));
    auto fetched = sales_->GetTicket(t.ticket_number);
    ASSERT_TRUE(fetched);
    EXPECT_EQ(fetched->seat, t.seat);
    EXPECT_EQ(fetched->status, "issued");
  }
  EXPECT_NE(paid->tickets[0].ticket_number, paid->tickets[1].ticket_number);
  auto again = sales_->Pay(order->order_id, PaymentMethod::kCash);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->tickets[0].ticket_number, paid->tickets[0].ticket_number);

  // One `sold` event per ticket rode in the payment's commit (paying again added none), with
  // the passenger only as the keyed hash of the ID: the hub holds no plain personal data.
  auto sold = testing::OutboxEvents(*store_, "sold");
  ASSERT_EQ(sold.size(), 2u);
  for (std::size_t i = 0; i < sold.size(); ++i) {
    const Ticket& t = paid->tickets[i];
    EXPECT_EQ(sold[i].subject, t.ticket_number);
    std::map<std::string, std::string> fields(sold[i].fields.begin(), sold[i].fields.end());
    EXPECT_EQ(fields["run_id"], t.run_id);
    EXPECT_EQ(fields["seat"], std::to_string(t.seat));
    EXPECT_EQ(fields["fare_fen"], std::to_string(t.fare.fen()));
    EXPECT_EQ(fields["payment_method"], "cash");
    EXPECT_EQ(fields["id_hash"].size(), 64u);
    const std::string body = store::OutboxBodyJson(sold[i].fields);
    EXPECT_EQ(body.find(TestResidentId(static_cast<int>(i) + 1)), std::string::npos) << body;
  }
}

TEST_P(SalesTest, IdempotencyKeyNeverSellsTwice) {
  auto first = sales_->CreateOrder(Request({Adult(3)}, "same-key"));
  ASSERT_TRUE(first);
  auto retry = sales_->CreateOrder(Request({Adult(3)}, "same-key"));
  ASSERT_TRUE(retry) << retry.error().ToString();
  EXPECT_EQ(retry->order_id, first->order_id);
  auto other = sales_->CreateOrder(Request({Adult(4)}, "same-key"));
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::kAlreadyExists);
  auto missing = sales_->CreateOrder(Request({Adult(5)}, ""));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().field, "idempotency_key");
  auto occupancy = sales_->StoredOccupancy(run_->run.id.str());
  ASSERT_TRUE(occupancy);
  EXPECT_EQ(occupancy->size(), 1u);
}

// A client that retries while its first attempt is still running (a timeout, a double tap on
// a phone) gets the one order from every attempt, never an error and never a second order.
TEST_P(SalesTest, RetriesSentWhileTheFirstAttemptRunsAllGetTheOneOrder) {
  constexpr int kAttempts = 8;
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE(round);
    const std::string key = "retried-" + std::to_string(round);
    std::vector<Result<Order>> results(kAttempts, tl::unexpected(Error{}));
    std::vector<std::thread> threads;
    for (int i = 0; i < kAttempts; ++i) {
      threads.emplace_back([&, i] { results[i] = sales_->CreateOrder(Request({Adult(40 + round)}, key)); });
    }
    for (auto& t : threads) t.join();
    for (const auto& r : results) {
      ASSERT_TRUE(r) << r.error().ToString();
      EXPECT_EQ(r->order_id, results[0]->order_id);
    }
  }
  auto occupancy = sales_->StoredOccupancy(run_->run.id.str());
  ASSERT_TRUE(occupancy);
  EXPECT_EQ(occupancy->size(), 5u) << "one seat per round";
}

TEST_P(SalesTest, OneSeatPerIdPerRunNamingThePassenger) {
  ASSERT_TRUE(sales_->CreateOrder(Request({Adult(6)}, "a")));
  auto twice = sales_->CreateOrder(Request({Adult(6)}, "b"));
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(twice.error().message.find("passenger 1"), std::string::npos) << twice.error().message;
  auto dup = sales_->CreateOrder(Request({Adult(7), Adult(7)}, "c"));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().field, "passengers[1].id_number");
}

TEST_P(SalesTest, BadDocumentsAndTooManyPassengers) {
  PassengerInput bad = Adult(8);
  bad.id_number[17] = bad.id_number[17] == '0' ? '1' : '0';
  auto refused = sales_->CreateOrder(Request({Adult(9), bad}, "d"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.error().field, "passengers[1].id_number");
  std::vector<PassengerInput> six;
  for (int i = 0; i < 6; ++i) six.push_back(Adult(20 + i));
  auto many = sales_->CreateOrder(Request(six, "e"));
  ASSERT_FALSE(many);
  EXPECT_EQ(many.error().field, "passengers");
  auto occupancy = sales_->StoredOccupancy(run_->run.id.str());
  EXPECT_TRUE(occupancy->empty()) << "a refused order holds nothing";
}

TEST_P(SalesTest, FreeChildRidesWithAnAdultWithoutASeat) {
  PassengerInput child = Adult(30);
  child.fare_type = FareType::kFreeChild;
  auto alone = sales_->CreateOrder(Request({child}, "f"));
  ASSERT_FALSE(alone);
  auto order = sales_->CreateOrder(Request({Adult(31), child}, "g"));
  ASSERT_TRUE(order) << order.error().ToString();
  EXPECT_EQ(order->tickets[1].seat, 0);
  EXPECT_EQ(order->tickets[1].fare.fen(), 0);
  EXPECT_EQ(order->tickets[1].attached_to, order->tickets[0].ticket_id);
  PassengerInput half = Adult(32);
  half.fare_type = FareType::kChild;
  auto with_half = sales_->CreateOrder(Request({Adult(33), half}, "h"));
  ASSERT_TRUE(with_half);
  EXPECT_GT(with_half->tickets[1].seat, 0);
  EXPECT_LT(with_half->tickets[1].fare.fen(), with_half->tickets[0].fare.fen());
}

TEST_P(SalesTest, HoldsExpireAndReturnTheirSeats) {
  auto order = sales_->CreateOrder(Request({Adult(40)}, "i"));
  ASSERT_TRUE(order);
  clock_.Advance(std::chrono::minutes(16));
  auto late = sales_->Pay(order->order_id, PaymentMethod::kCash);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::kFailedPrecondition);
  auto expired = sales_->ExpireHolds();
  ASSERT_TRUE(expired);
  EXPECT_EQ(*expired, 1);
  EXPECT_EQ(sales_->GetOrder(order->order_id)->status, OrderStatus::kExpired);
  EXPECT_TRUE(sales_->StoredOccupancy(run_->run.id.str())->empty());
  // The same passenger may buy again once the hold is gone.
  EXPECT_TRUE(sales_->CreateOrder(Request({Adult(40)}, "j")));
}

TEST_P(SalesTest, CancelReleasesExactlyTheSegments) {
  auto order = sales_->CreateOrder(Request({Adult(50)}, "k", 0, 2));
  ASSERT_TRUE(order);
  auto cancelled = sales_->Cancel(order->order_id);
  ASSERT_TRUE(cancelled) << cancelled.error().ToString();
  EXPECT_EQ(cancelled->status, OrderStatus::kCancelled);
  EXPECT_TRUE(sales_->StoredOccupancy(run_->run.id.str())->empty());
  auto paid = sales_->Pay(order->order_id, PaymentMethod::kCash);
  EXPECT_FALSE(paid);
}

TEST_P(SalesTest, SellsUntilFullAndNeverTwice) {
  int seats = run_->run.seats;
  for (int i = 0; i < seats; ++i) {
    auto order = sales_->CreateOrder(Request({Adult(100 + i)}, "full-" + std::to_string(i)));
    ASSERT_TRUE(order) << i << ": " << order.error().ToString();
  }
  auto none = sales_->CreateOrder(Request({Adult(999)}, "full-x"));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kFailedPrecondition);
  auto occupancy = sales_->StoredOccupancy(run_->run.id.str());
  std::set<int> used;
  for (const auto& o : *occupancy) EXPECT_TRUE(used.insert(o.seat).second);
  EXPECT_EQ(static_cast<int>(used.size()), seats);
}

TEST_P(SalesTest, OnlineCutoffStopsMobileSalesButNotTheWindow) {
  clock_.Set(run_->run.departs_at - std::chrono::minutes(60));
  auto mobile = sales_->CreateOrder(Request({Adult(60)}, "m"));
  ASSERT_FALSE(mobile);
  EXPECT_EQ(mobile.error().code, ErrorCode::kFailedPrecondition);
  OrderRequest window = Request({Adult(61)}, "n");
  window.channel = Channel::kWindow;
  window.seller = Seller{.staff_username = "clerk", .station = route_->stops[0].station};
  EXPECT_TRUE(sales_->CreateOrder(window));
  window.seller = Seller{};
  window.idempotency_key = "o";
  EXPECT_EQ(sales_->CreateOrder(window).error().code, ErrorCode::kPermissionDenied);
}

// A counter's sale (pay_now): hold and cash in one transaction, committed issued; no held
// order is ever visible, and a refused payment leaves no hold behind.
TEST_P(SalesTest, ACounterSaleCommitsIssuedInOneTransaction) {
  OrderRequest window = Request({Adult(70), Adult(71)}, "counter-1");
  window.channel = Channel::kWindow;
  window.seller = Seller{.staff_username = "clerk", .station = route_->stops[0].station};
  window.pay_now = PaymentMethod::kCash;
  auto sold = sales_->CreateOrder(window);
  ASSERT_TRUE(sold) << sold.error().ToString();
  EXPECT_EQ(sold->status, OrderStatus::kIssued);
  EXPECT_EQ(sold->payment_method, "cash");
  auto stored = sales_->GetOrder(sold->order_id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->status, OrderStatus::kIssued);
  for (std::size_t i = 0; i < sold->tickets.size(); ++i) {
    EXPECT_TRUE(core::TicketNumber::Parse(sold->tickets[i].ticket_number));
    EXPECT_EQ(stored->tickets[i].ticket_number, sold->tickets[i].ticket_number);
  }
  EXPECT_EQ(testing::OutboxEvents(*store_, "sold").size(), 2u);

  // The same key again: the same issued order, nothing sold twice.
  auto again = sales_->CreateOrder(window);
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_EQ(again->order_id, sold->order_id);
  EXPECT_EQ(again->tickets[0].ticket_number, sold->tickets[0].ticket_number);
  EXPECT_EQ(testing::OutboxEvents(*store_, "sold").size(), 2u);

  // Online money is never taken this way, and a passenger channel has no counter.
  OrderRequest sandbox = window;
  sandbox.idempotency_key = "counter-2";
  sandbox.passengers = {Adult(72)};
  sandbox.pay_now = PaymentMethod::kSandbox;
  auto refused = sales_->CreateOrder(sandbox);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().field, "pay");
  EXPECT_FALSE(refused.error().message_zh.empty());
  OrderRequest mobile = Request({Adult(72)}, "counter-3");
  mobile.pay_now = PaymentMethod::kCash;
  auto no_counter = sales_->CreateOrder(mobile);
  ASSERT_FALSE(no_counter);
  EXPECT_EQ(no_counter.error().field, "pay");
  // Neither refusal kept the seat or the passenger: the same passenger buys at once.
  OrderRequest after = window;
  after.idempotency_key = "counter-4";
  after.passengers = {Adult(72)};
  auto bought = sales_->CreateOrder(after);
  ASSERT_TRUE(bought) << bought.error().ToString();
  EXPECT_EQ(bought->status, OrderStatus::kIssued);
}

INSTANTIATE_TEST_SUITE_P(Engines, SalesTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& info) { return testing::TestEngineName(info.param); });

}  // namespace
}  // namespace keyun::sales
