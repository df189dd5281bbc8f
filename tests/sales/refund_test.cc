// SalesService::Refund (退票) on SQLite and a real PostgreSQL server: fees at the tier
// boundaries on the fake clock, seats back for exactly the ticket's segments, partial refunds,
// free children, who may refund where, idempotency and concurrent requests.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "eticket/revocations.h"
#include "sales_fixture.h"
#include "store/outbox.h"
#include "support/outbox_events.h"

namespace keyun::sales {
namespace {

using store::Value;
using testing::TestEngine;

class RefundTest : public SalesTest {
 protected:
  void SetUp() override {
    SalesTest::SetUp();
    if (HasFatalFailure()) return;
    departs_ = run_->run.departs_at;
    clock_.Set(departs_ - std::chrono::hours(5));  // on sale on every channel
  }

  // An order sold on the mobile channel and paid in cash, issued.
  Order Sold(std::vector<PassengerInput> passengers, const std::string& key, int from = 0,
             int to = -1) {
    auto order = sales_->CreateOrder(Request(std::move(passengers), key, from, to));
    EXPECT_TRUE(order) << order.error().ToString();
    if (!order) return {};
    auto paid = sales_->Pay(order->order_id, PaymentMethod::kCash);
    EXPECT_TRUE(paid) << paid.error().ToString();
    return paid.value_or(Order{});
  }

  RefundRequest Passenger(const Order& order, std::size_t i, std::string key) {
    return RefundRequest{.ticket_number = order.tickets.at(i).ticket_number,
                         .idempotency_key = std::move(key),
                         .channel = Channel::kMobile,
                         .staff = {},
                         .access_token = sales_->OrderAccessToken(order.order_id),
                         .cause = core::RefundCause::kPassenger};
  }

  std::int64_t Count(const std::string& sql, const std::string& param) {
    auto n = store_->Transact<std::int64_t>([&](store::Transaction& tx) -> Result<std::int64_t> {
      auto row = tx.QueryOne(sql, {Value{param}});
      if (!row) return Propagate(row);
      return row->Int(0);
    });
    EXPECT_TRUE(n) << n.error().ToString();
    return n.value_or(-1);
  }

  core::Instant departs_;
};

TEST_P(RefundTest, FeeFollowsTheTiersToTheMicrosecondAndStopsAtDeparture) {
  Order order = Sold({Adult(1), Adult(2), Adult(3)}, "tiers");
  ASSERT_EQ(order.tickets.size(), 3u);
  const core::Money paid = order.tickets[0].fare + order.tickets[0].station_fee;
  ASSERT_GT(paid.fen(), 0);
  // The documented defaults: 10 % (at least ¥0.50) from 2 h ahead, 20 % (at least ¥1) within.
  const core::Money ten = std::max(paid.PercentOf(1000, core::Rounding::kToHalfYuan),
                                   core::Money::Fen(50));
  const core::Money twenty = std::max(paid.PercentOf(2000, core::Rounding::kToHalfYuan),
                                      core::Money::Fen(100));
  ASSERT_NE(ten, twenty);

  clock_.Set(departs_ - std::chrono::hours(2));  // exactly 2 h before: the 10 % tier
  auto early = sales_->Refund(Passenger(order, 0, "r-tier-1"));
  ASSERT_TRUE(early) << early.error().ToString();
  EXPECT_EQ(early->ticket.fare, paid);
  EXPECT_EQ(early->ticket.fee, std::min(ten, paid));
  EXPECT_EQ(early->ticket.refunded, paid - std::min(ten, paid));
  EXPECT_EQ(early->ticket.money_back, "cash");
  EXPECT_EQ(early->ticket.status, "done");
  EXPECT_NE(early->ticket.rule.find("2 h"), std::string::npos) << early->ticket.rule;

  clock_.Set(departs_ - std::chrono::hours(2) + std::chrono::microseconds(1));  // 1 µs less left
  auto late = sales_->Refund(Passenger(order, 1, "r-tier-2"));
  ASSERT_TRUE(late) << late.error().ToString();
  EXPECT_EQ(late->ticket.fee, std::min(twenty, paid));
  EXPECT_EQ(late->ticket.refunded, paid - std::min(twenty, paid));

  clock_.Set(departs_);  // the departure instant is after departure
  auto departed = sales_->Refund(Passenger(order, 2, "r-tier-3"));
  ASSERT_FALSE(departed);
  EXPECT_EQ(departed.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(sales_->GetTicket(order.tickets[2].ticket_number)->status, "issued");
  // …but the operator's fault refunds in full at a window of the boarding station, any time.
  RefundRequest missed = Passenger(order, 2, "r-tier-4");
  missed.channel = Channel::kWindow;
  missed.staff = Seller{.staff_username = "li.na", .station = route_->stops[0].station};
  missed.cause = core::RefundCause::kMissedByOperator;
  auto full = sales_->Refund(missed);
  ASSERT_TRUE(full) << full.error().ToString();
  EXPECT_EQ(full->ticket.fee.fen(), 0);
  EXPECT_EQ(full->ticket.refunded, paid);
}

TEST_P(RefundTest, QuoteChangesNothingAndMatchesTheRefund) {
  Order order = Sold({Adult(4)}, "quote");
  auto quote = sales_->QuoteTicketRefund(Passenger(order, 0, ""));
  ASSERT_TRUE(quote) << quote.error().ToString();
  EXPECT_EQ(quote->ticket.status, "quote");
  EXPECT_TRUE(quote->ticket.refund_id.empty());
  EXPECT_EQ(sales_->GetTicket(order.tickets[0].ticket_number)->status, "issued");
  auto done = sales_->Refund(Passenger(order, 0, "r-quote"));
  ASSERT_TRUE(done) << done.error().ToString();
  EXPECT_EQ(done->ticket.fee, quote->ticket.fee);
  EXPECT_EQ(done->ticket.refunded, quote->ticket.refunded);
  auto again = sales_->QuoteTicketRefund(Passenger(order, 0, ""));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
}

TEST_P(RefundTest, TheSeatReturnsForExactlyItsSegments) {
  ASSERT_GE(route_->stops.size(), 4u);
  PassengerInput a = Adult(10);
  a.seat = 7;
  PassengerInput b = Adult(11);
  b.seat = 7;
  Order ac = Sold({a}, "seg-ac", 0, 2);  // stops 0→2: segments 0, 1 of seat 7
  Order cd = Sold({b}, "seg-cd", 2, 3);  // stops 2→3: segment 2 of the same seat
  ASSERT_EQ(ac.tickets.at(0).seat, 7);
  ASSERT_EQ(cd.tickets.at(0).seat, 7);
  const std::string seat7 = "SELECT COUNT(*) FROM seat_segments WHERE run_id = $1 AND seat = 7";
  EXPECT_EQ(Count(seat7, run_->run.id.str()), 3);

  auto refunded = sales_->Refund(Passenger(ac, 0, "r-seg"));
  ASSERT_TRUE(refunded) << refunded.error().ToString();
  EXPECT_EQ(Count(seat7, run_->run.id.str()), 1) << "only the 0→2 segments are released";
  EXPECT_EQ(Count("SELECT COUNT(*) FROM seat_segments WHERE ticket_id = $1",
                  cd.tickets[0].ticket_id),
            1);
  auto occupancy = sales_->StoredOccupancy(run_->run.id.str());
  ASSERT_TRUE(occupancy);
  ASSERT_EQ(occupancy->size(), 1u);
  EXPECT_EQ(occupancy->at(0).seat, 7);
  EXPECT_EQ(occupancy->at(0).from, 2);
  EXPECT_EQ(occupancy->at(0).to, 3);
  EXPECT_EQ(sales_->GetTicket(cd.tickets[0].ticket_number)->status, "issued");

  // Seat 7 sells 0→2 again (memory and store agree), but not 0→3: segment 2 is still taken.
  PassengerInput again = Adult(12);
  again.seat = 7;
  Order resold = Sold({again}, "seg-again", 0, 2);
  EXPECT_EQ(resold.tickets.at(0).seat, 7);
  PassengerInput through = Adult(13);
  through.seat = 7;
  auto refused = sales_->CreateOrder(Request({through}, "seg-through", 0, 3));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  // The refunded passenger may buy on this run again: their ID is free.
  Order back = Sold({Adult(10)}, "seg-back", 0, 1);
  EXPECT_EQ(back.status, OrderStatus::kIssued);
}

TEST_P(RefundTest, OneTicketOfATwoPassengerOrderIsRefundedAlone) {
  Order order = Sold({Adult(20), Adult(21)}, "pair");
  auto refunded = sales_->Refund(Passenger(order, 1, "r-pair"));
  ASSERT_TRUE(refunded) << refunded.error().ToString();
  EXPECT_EQ(refunded->ticket.ticket_number, order.tickets[1].ticket_number);
  EXPECT_TRUE(refunded->free_children.empty());
  auto now = sales_->GetOrder(order.order_id);
  ASSERT_TRUE(now);
  EXPECT_EQ(now->status, OrderStatus::kIssued);
  EXPECT_EQ(now->tickets[0].status, "issued");
  EXPECT_EQ(now->tickets[1].status, "refunded");
  auto occupancy = sales_->StoredOccupancy(run_->run.id.str());
  ASSERT_TRUE(occupancy);
  ASSERT_EQ(occupancy->size(), 1u);
  EXPECT_EQ(occupancy->at(0).seat, order.tickets[0].seat);

  // In the same transaction: revoked, and a "refunded" event in the outbox.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM revocations WHERE ticket_number = $1 AND reason = "
                  "'refunded'",
                  order.tickets[1].ticket_number),
            1);
  auto events = testing::OutboxEvents(*store_, "refunded");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events.at(0).kind, "refunded");
  EXPECT_EQ(events.at(0).subject, order.tickets[1].ticket_number);
}

TEST_P(RefundTest, AFreeChildIsRefundedWithItsAdult) {
  PassengerInput child = Adult(31);
  child.fare_type = FareType::kFreeChild;
  Order order = Sold({Adult(30), child}, "family");
  auto refunded = sales_->Refund(Passenger(order, 0, "r-family"));
  ASSERT_TRUE(refunded) << refunded.error().ToString();
  ASSERT_EQ(refunded->free_children.size(), 1u);
  const RefundRecord& c = refunded->free_children[0];
  EXPECT_EQ(c.ticket_number, order.tickets[1].ticket_number);
  EXPECT_EQ(c.fee.fen(), 0);
  EXPECT_EQ(c.refunded.fen(), 0);
  EXPECT_EQ(c.money_back, "none");
  EXPECT_NE(c.refund_id, refunded->ticket.refund_id);
  EXPECT_EQ(sales_->GetTicket(order.tickets[1].ticket_number)->status, "refunded");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM refunds WHERE order_id = $1", order.order_id), 2);
  // Retried: the same two rows come back.
  auto retried = sales_->Refund(Passenger(order, 0, "r-family"));
  ASSERT_TRUE(retried) << retried.error().ToString();
  EXPECT_EQ(retried->ticket.refund_id, refunded->ticket.refund_id);
  ASSERT_EQ(retried->free_children.size(), 1u);
  EXPECT_EQ(retried->free_children[0].refund_id, c.refund_id);
}

TEST_P(RefundTest, WhoMayRefundWhere) {
  Order order = Sold({Adult(40)}, "where");
  RefundRequest r = Passenger(order, 0, "r-where");
  r.access_token = sales_->OrderAccessToken("O-someone-else");
  auto wrong_order = sales_->Refund(r);
  ASSERT_FALSE(wrong_order);
  EXPECT_EQ(wrong_order.error().code, ErrorCode::kPermissionDenied);
  // The order id is no proof: it is printed on receipts and shown to staff.
  r.access_token = order.order_id;
  auto by_order_id = sales_->Refund(r);
  ASSERT_FALSE(by_order_id);
  EXPECT_EQ(by_order_id.error().code, ErrorCode::kPermissionDenied);
  r.access_token.clear();
  auto no_proof = sales_->Refund(r);
  ASSERT_FALSE(no_proof);
  EXPECT_EQ(no_proof.error().field, "access_token");

  r = Passenger(order, 0, "r-where");
  r.cause = core::RefundCause::kRunStopped;
  auto not_staff = sales_->Refund(r);
  ASSERT_FALSE(not_staff);
  EXPECT_EQ(not_staff.error().code, ErrorCode::kPermissionDenied);

  r = Passenger(order, 0, "r-where");
  r.channel = Channel::kPlatform;
  auto other_channel = sales_->Refund(r);
  ASSERT_FALSE(other_channel);
  EXPECT_EQ(other_channel.error().code, ErrorCode::kPermissionDenied);

  // A clerk of another station (the route's last stop) may not; the boarding station's may.
  r = Passenger(order, 0, "r-where");
  r.channel = Channel::kWindow;
  r.access_token.clear();
  r.staff = Seller{.staff_username = "far.away", .station = route_->stops.back().station};
  auto foreign = sales_->Refund(r);
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code, ErrorCode::kPermissionDenied);
  r.staff = Seller{.staff_username = "li.na", .station = route_->stops[0].station};
  auto here = sales_->Refund(r);
  ASSERT_TRUE(here) << here.error().ToString();
  EXPECT_EQ(here->ticket.money_back, "cash");

  auto no_key = sales_->Refund(Passenger(order, 0, ""));
  ASSERT_FALSE(no_key);
  EXPECT_EQ(no_key.error().code, ErrorCode::kInvalidArgument);
}

TEST_P(RefundTest, RetriesAreIdempotentAndASecondRefundIsRefused) {
  Order order = Sold({Adult(50)}, "idem");
  auto first = sales_->Refund(Passenger(order, 0, "r-idem"));
  ASSERT_TRUE(first) << first.error().ToString();
  clock_.Advance(std::chrono::minutes(3));
  auto retried = sales_->Refund(Passenger(order, 0, "r-idem"));
  ASSERT_TRUE(retried) << retried.error().ToString();
  EXPECT_EQ(retried->ticket.refund_id, first->ticket.refund_id);
  EXPECT_EQ(retried->ticket.fee, first->ticket.fee);
  EXPECT_EQ(retried->ticket.at, first->ticket.at);
  auto other = sales_->Refund(Passenger(order, 0, "r-idem-2"));
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(other.error().message.find("already refunded at " + first->ticket.at.ToIso8601()),
            std::string::npos)
      << other.error().message;

  Order second = Sold({Adult(51)}, "idem-2");
  auto reused = sales_->Refund(Passenger(second, 0, "r-idem"));
  ASSERT_FALSE(reused);
  EXPECT_EQ(reused.error().code, ErrorCode::kAlreadyExists);
}

TEST_P(RefundTest, EightConcurrentRequestsMakeOneRefund) {
  for (bool same_key : {true, false}) {
    Order order = Sold({Adult(same_key ? 60 : 61)}, same_key ? "conc-1" : "conc-2");
    std::atomic<int> ok{0}, refused{0};
    std::vector<std::string> ids(8);
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
      threads.emplace_back([&, i] {
        std::string key = same_key ? "r-conc" : "r-conc-" + std::to_string(i);
        auto r = sales_->Refund(Passenger(order, 0, key));
        if (r) {
          ++ok;
          ids[i] = r->ticket.refund_id;
        } else if (r.error().code == ErrorCode::kFailedPrecondition) {
          ++refused;
        } else {
          ADD_FAILURE() << r.error().ToString();
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(Count("SELECT COUNT(*) FROM refunds WHERE ticket_number = $1",
                    order.tickets[0].ticket_number),
              1);
    if (same_key) {
      EXPECT_EQ(ok.load(), 8) << "every retry gets the one refund";
      for (const auto& id : ids) EXPECT_EQ(id, ids[0]);
    } else {
      EXPECT_EQ(ok.load(), 1);
      EXPECT_EQ(refused.load(), 7);
    }
    EXPECT_EQ(Count("SELECT COUNT(*) FROM revocations WHERE ticket_number = $1",
                    order.tickets[0].ticket_number),
              1);
  }
}

TEST_P(RefundTest, OneKeyRacingForTwoTicketsRefundsOneAndNamesTheOther) {
  Order order = Sold({Adult(70), Adult(71)}, "key-race");
  ASSERT_EQ(order.tickets.size(), 2u);
  std::vector<Result<RefundResult>> results(2, Result<RefundResult>(RefundResult{}));
  {
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < 2; ++i) {
      threads.emplace_back([&, i] { results[i] = sales_->Refund(Passenger(order, i, "r-race")); });
    }
    for (auto& t : threads) t.join();
  }
  int ok = 0;
  for (const auto& r : results) {
    if (r) {
      ++ok;
    } else {
      EXPECT_EQ(r.error().code, ErrorCode::kAlreadyExists) << r.error().ToString();
      EXPECT_EQ(r.error().field, "idempotency_key");
      EXPECT_NE(r.error().message.find("use a new key"), std::string::npos) << r.error().message;
    }
  }
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM refunds WHERE order_id = $1", order.order_id), 1);
}

INSTANTIATE_TEST_SUITE_P(Engines, RefundTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& info) { return testing::TestEngineName(info.param); });

}  // namespace
}  // namespace keyun::sales
