// SalesService::Change (改签) on SQLite and a real PostgreSQL server: the seat moves between
// runs, fare differences, a change that cannot get a seat changes nothing (store and memory),
// the policy's limits, idempotency, and races with changes, refunds and opposite changes.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <thread>

#include "sales/sandbox_payment.h"
#include "sales_fixture.h"
#include "store/outbox.h"
#include "support/outbox_events.h"

namespace keyun::sales {
namespace {

using store::Value;
using testing::TestEngine;

class ChangeTest : public SalesTest {
 protected:
  void SetUp() override {
    SalesTest::SetUp();
    if (HasFatalFailure()) return;
    // Two runs of tomorrow on one route with the same vehicle class, the one with most stops.
    auto runs = network_->ListRuns(clock_.Now().ShanghaiDate().AddDays(1));
    ASSERT_TRUE(runs);
    std::map<std::pair<std::string, int>, std::vector<network::RunSummary>> groups;
    for (const auto& r : *runs) {
      if (r.run.status != network::RunStatus::kOpen) continue;
      groups[{r.run.route_code, static_cast<int>(r.run.vehicle_class)}].push_back(r);
    }
    std::size_t best_stops = 0;
    for (auto& [key, group] : groups) {
      if (group.size() < 2) continue;
      auto route = network_->GetRoute(key.first);
      ASSERT_TRUE(route);
      if (route->stops.size() <= best_stops) continue;
      std::sort(group.begin(), group.end(),
                [](const auto& a, const auto& b) { return a.run.departs_at < b.run.departs_at; });
      best_stops = route->stops.size();
      run_ = group[0];
      run2_ = group[1];
      route_ = *route;
    }
    ASSERT_TRUE(run2_.has_value()) << "the demo has a route with two runs of one class a day";
    clock_.Set(run_->run.departs_at - std::chrono::hours(5));  // on sale on every channel
  }

  Order Sold(std::vector<PassengerInput> passengers, const std::string& key,
             const std::string& run_id = "") {
    OrderRequest request = Request(std::move(passengers), key);
    if (!run_id.empty()) request.run_id = run_id;
    auto order = sales_->CreateOrder(request);
    EXPECT_TRUE(order) << order.error().ToString();
    if (!order) return {};
    auto paid = sales_->Pay(order->order_id, PaymentMethod::kCash);
    EXPECT_TRUE(paid) << paid.error().ToString();
    return paid.value_or(Order{});
  }

  // The passenger changes ticket i of `order` (sold on mobile) to `run_id`.
  ChangeRequest Passenger(const Order& order, std::size_t i, const std::string& run_id,
                          std::string key) {
    return ChangeRequest{.ticket_number = order.tickets.at(i).ticket_number,
                         .run_id = run_id,
                         .idempotency_key = std::move(key),
                         .channel = Channel::kMobile,
                         .staff = {},
                         .access_token = sales_->OrderAccessToken(order.order_id),
                         .payment_method = std::nullopt};
  }
  ChangeRequest AtWindow(const Order& order, const std::string& run_id, std::string key,
                         std::optional<PaymentMethod> method) {
    return ChangeRequest{.ticket_number = order.tickets.at(0).ticket_number,
                         .run_id = run_id,
                         .idempotency_key = std::move(key),
                         .channel = Channel::kWindow,
                         .staff = Seller{.staff_username = "li.na",
                                         .station = route_->stops[0].station,
                                         .province_wide = false},
                         .access_token = {},
                         .payment_method = method};
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
  std::int64_t Events(const std::string& kind) {
    return static_cast<std::int64_t>(testing::OutboxEvents(*store_, kind).size());
  }

  // Seats left for the whole route on `run_id` on the mobile channel, straight from memory.
  int SeatsLeft(const std::string& run_id) {
    auto offers = sales_->Search(route_->stops.front().station, route_->stops.back().station,
                                 run_->run.date(), Channel::kMobile);
    EXPECT_TRUE(offers) << offers.error().ToString();
    if (!offers) return -1;
    for (const auto& o : *offers) {
      if (o.run.run.id.str() == run_id) return o.seats_left;
    }
    ADD_FAILURE() << "run " << run_id << " not offered";
    return -1;
  }

  // Sets the route's whole-trip fare to `adult` (the runs not yet in memory sell at it).
  void SetWholeTripAdultFare(core::Money adult) {
    auto fares = network_->ListFares(route_->code);
    ASSERT_TRUE(fares);
    for (auto f : *fares) {
      if (f.from_index != 0 || f.to_index != static_cast<int>(route_->stops.size()) - 1) continue;
      f.adult = adult;
      f.cap = std::max(f.cap, adult);
      f.child = std::min(f.child, adult);
      f.discount = std::min(f.discount, adult);
      auto ok = network_->UpsertFare(f);
      ASSERT_TRUE(ok) << ok.error().ToString();
      return;
    }
    FAIL() << "no whole-trip fare";
  }

  std::string R1() const { return run_->run.id.str(); }
  std::string R2() const { return run2_->run.id.str(); }

  // The sandbox wallet, delivering payment and refund notifications straight to the service.
  SandboxPaymentProvider& Sandbox() {
    if (!sandbox_) sandbox_ = ConnectedSandbox();
    return *sandbox_;
  }
  void TearDown() override {
    if (sandbox_) {
      sandbox_->SetDelivery(nullptr);
      sandbox_->SetRefundDelivery(nullptr);
    }
    SalesTest::TearDown();
  }

  // Pays held order `order_id` in the sandbox wallet and waits until the node acknowledged the
  // notification: the wallet shows it "notified" only once ApplyPaymentNotification returned,
  // after its commit and the in-memory seat release that follows it. (The order leaving
  // "held" is not enough: the commit comes before the release.) Returns the payment.
  SalesService::Payment PayOnline(const std::string& order_id, const std::string& key) {
    auto started = sales_->StartPayment(order_id, "sandbox", key);
    EXPECT_TRUE(started) << started.error().ToString();
    if (!started || !started->payment) return {};
    const std::string payment_id = started->payment->payment_id;
    auto approved = Sandbox().Approve(payment_id);
    EXPECT_TRUE(approved) << approved.error().ToString();
    for (int i = 0; i < 500 && Sandbox().Status(payment_id).value_or("") != "notified"; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(Sandbox().Status(payment_id).value_or(""), "notified");
    return *started->payment;
  }

  // A ticket sold on the phone and paid in the sandbox wallet.
  Order SoldOnline(std::vector<PassengerInput> passengers, const std::string& key) {
    (void)Sandbox();
    auto held = sales_->CreateOrder(Request(std::move(passengers), key));
    EXPECT_TRUE(held) << held.error().ToString();
    if (!held) return {};
    (void)PayOnline(held->order_id, key + "-pay");
    auto order = sales_->GetOrder(held->order_id);
    EXPECT_TRUE(order && order->status == OrderStatus::kIssued);
    return order.value_or(Order{});
  }

  std::string Text(const std::string& sql, const std::string& param) {
    auto text = store_->Transact<std::string>([&](store::Transaction& tx) -> Result<std::string> {
      auto row = tx.QueryOne(sql, {Value{param}});
      if (!row) return Propagate(row);
      return row->IsNull(0) ? std::string("NULL") : row->Text(0);
    });
    EXPECT_TRUE(text) << text.error().ToString();
    return text.value_or("");
  }

  std::optional<network::RunSummary> run2_;
  std::unique_ptr<SandboxPaymentProvider> sandbox_;
};

TEST_P(ChangeTest, MovesTheSeatToALaterRunAndRevokesTheOldTicket) {
  PassengerInput a = Adult(1);
  a.seat = 7;
  Order order = Sold({a}, "move");
  const Ticket& old = order.tickets.at(0);
  ASSERT_EQ(old.seat, 7);
  const int left1 = SeatsLeft(R1()), left2 = SeatsLeft(R2());

  auto quote = sales_->QuoteTicketChange(Passenger(order, 0, R2(), ""));
  ASSERT_TRUE(quote) << quote.error().ToString();
  EXPECT_EQ(quote->change.money_status, "quote");
  EXPECT_EQ(sales_->GetTicket(old.ticket_number)->status, "issued");

  auto changed = sales_->Change(Passenger(order, 0, R2(), "c-move"));
  ASSERT_TRUE(changed) << changed.error().ToString();
  const ChangeRecord& c = changed->change;
  EXPECT_FALSE(c.change_id.empty());
  EXPECT_EQ(c.old_ticket_number, old.ticket_number);
  EXPECT_EQ(c.change_number, 1);
  EXPECT_EQ(c.fee.fen(), 0);
  EXPECT_EQ(c.charge.fen(), 0);
  EXPECT_EQ(c.refund.fen(), 0);
  EXPECT_EQ(c.money, "none");
  EXPECT_EQ(c.money_status, "done");
  EXPECT_EQ(c.old_fare, old.fare + old.station_fee);
  EXPECT_EQ(c.new_fare, quote->change.new_fare);
  const Ticket& fresh = changed->ticket;
  EXPECT_EQ(fresh.ticket_number.size(), 20u);
  EXPECT_NE(fresh.ticket_number, old.ticket_number);
  EXPECT_EQ(fresh.run_id, R2());
  EXPECT_EQ(fresh.status, "issued");
  EXPECT_EQ(fresh.changed_from, old.ticket_number);
  EXPECT_EQ(fresh.from, old.from);
  EXPECT_EQ(fresh.to, old.to);
  EXPECT_EQ(fresh.id_hash, old.id_hash);
  EXPECT_EQ(fresh.channel, "mobile");
  EXPECT_GT(fresh.seat, 0);
  EXPECT_EQ(fresh.departs_at, run2_->run.departs_at);
  auto stored = sales_->GetTicket(fresh.ticket_number);
  ASSERT_TRUE(stored) << stored.error().ToString();
  EXPECT_EQ(stored->changed_from, old.ticket_number);
  EXPECT_EQ(stored->order_id, fresh.order_id);
  EXPECT_EQ(sales_->GetTicket(old.ticket_number)->status, "changed");

  // The seat moved: store and memory.
  auto occupancy1 = sales_->StoredOccupancy(R1());
  ASSERT_TRUE(occupancy1);
  EXPECT_TRUE(occupancy1->empty());
  auto occupancy2 = sales_->StoredOccupancy(R2());
  ASSERT_TRUE(occupancy2);
  ASSERT_EQ(occupancy2->size(), 1u);
  EXPECT_EQ(occupancy2->at(0).seat, fresh.seat);
  EXPECT_EQ(SeatsLeft(R1()), left1 + 1);
  EXPECT_EQ(SeatsLeft(R2()), left2 - 1);

  // Revoked as changed, one "changed" event, one changes row.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM revocations WHERE ticket_number = $1 AND reason = "
                  "'changed'",
                  old.ticket_number),
            1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM revocations WHERE ticket_number = $1",
                  fresh.ticket_number),
            0);
  auto events = testing::OutboxEvents(*store_, "changed");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events.at(0).kind, "changed");
  EXPECT_EQ(events.at(0).subject, old.ticket_number);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM changes WHERE new_ticket = $1", fresh.ticket_number), 1);

  // Seat 7 of the old run sells again, and the passenger may buy on the old run again.
  PassengerInput b = Adult(2);
  b.seat = 7;
  Order resold = Sold({b}, "move-resold");
  EXPECT_EQ(resold.tickets.at(0).seat, 7);
  Order back = Sold({Adult(1)}, "move-back");
  EXPECT_EQ(back.status, OrderStatus::kIssued);
}

TEST_P(ChangeTest, ADearerRunChargesTheDifferenceInCashOrByCardAtAWindow) {
  Order order = Sold({Adult(3)}, "dearer");
  const core::Money paid = order.tickets[0].fare + order.tickets[0].station_fee;
  // The fare table rose after the sale (run 2 is not in memory yet, so it sells at the new one).
  SetWholeTripAdultFare(order.tickets[0].fare + core::Money::Fen(750));

  auto unpaid = sales_->Change(AtWindow(order, R2(), "c-dearer-0", std::nullopt));
  ASSERT_FALSE(unpaid);
  EXPECT_EQ(unpaid.error().field, "payment_method");

  auto changed = sales_->Change(AtWindow(order, R2(), "c-dearer", PaymentMethod::kCard));
  ASSERT_TRUE(changed) << changed.error().ToString();
  EXPECT_EQ(changed->change.old_fare, paid);
  EXPECT_EQ(changed->change.new_fare, paid + core::Money::Fen(750));
  EXPECT_EQ(changed->change.fee.fen(), 0);
  EXPECT_EQ(changed->change.charge.fen(), 750);
  EXPECT_EQ(changed->change.refund.fen(), 0);
  EXPECT_EQ(changed->change.money, "card");
  EXPECT_EQ(changed->change.money_status, "done");
  EXPECT_EQ(changed->ticket.fare, order.tickets[0].fare + core::Money::Fen(750));
}

TEST_P(ChangeTest, ACheaperRunPaysTheDifferenceBack) {
  Order order = Sold({Adult(4)}, "cheaper");
  ASSERT_GT(order.tickets[0].fare.fen(), 800);
  SetWholeTripAdultFare(order.tickets[0].fare - core::Money::Fen(800));
  auto quote = sales_->QuoteTicketChange(Passenger(order, 0, R2(), ""));
  ASSERT_TRUE(quote) << quote.error().ToString();
  EXPECT_EQ(quote->change.refund.fen(), 800);
  auto changed = sales_->Change(Passenger(order, 0, R2(), "c-cheaper"));
  ASSERT_TRUE(changed) << changed.error().ToString();
  EXPECT_EQ(changed->change.refund.fen(), 800);
  EXPECT_EQ(changed->change.charge.fen(), 0);
  EXPECT_EQ(changed->change.money, "cash");  // the order was paid in cash
  EXPECT_EQ(changed->change.money_status, "done");
  EXPECT_EQ(changed->ticket.fare, order.tickets[0].fare - core::Money::Fen(800));
}

TEST_P(ChangeTest, NoSeatOnTheNewRunChangesNothing) {
  PassengerInput a = Adult(5);
  a.seat = 9;
  Order order = Sold({a}, "noseat");
  const std::string number = order.tickets[0].ticket_number;
  auto unchanged = [&](const char* when) {
    SCOPED_TRACE(when);
    EXPECT_EQ(sales_->GetTicket(number)->status, "issued");
    EXPECT_EQ(Count("SELECT COUNT(*) FROM revocations WHERE ticket_number = $1", number), 0);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM changes WHERE old_ticket = $1", number), 0);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM tickets WHERE changed_from = $1", number), 0);
    EXPECT_EQ(Events("changed"), 0);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM seat_segments WHERE ticket_id = $1",
                    order.tickets[0].ticket_id),
              static_cast<std::int64_t>(route_->stops.size()) - 1);
  };

  // The passenger's ID is already on run 2.
  Order there = Sold({Adult(5)}, "noseat-there", R2());
  const int left2 = SeatsLeft(R2());
  auto twice = sales_->Change(Passenger(order, 0, R2(), "c-noseat-1"));
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(twice.error().message.find("already has a ticket"), std::string::npos);
  unchanged("ID on the run");
  EXPECT_EQ(SeatsLeft(R2()), left2);

  // Run 2 sold out for the trip.
  for (int serial = 100; SeatsLeft(R2()) > 0; serial += 5) {
    int n = std::min(5, SeatsLeft(R2()));
    std::vector<PassengerInput> party;
    for (int k = 0; k < n; ++k) party.push_back(Adult(serial + k));
    Sold(std::move(party), "fill-" + std::to_string(serial), R2());
    ASSERT_LT(serial, 500);
  }
  auto full = sales_->Change(Passenger(order, 0, R2(), "c-noseat-2"));
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().code, ErrorCode::kFailedPrecondition);
  unchanged("sold out");
  EXPECT_EQ(SeatsLeft(R2()), 0);

  // Memory still holds the old seat (seat 9 cannot be sold again) …
  PassengerInput b = Adult(6);
  b.seat = 9;
  auto taken = sales_->CreateOrder(Request({b}, "noseat-seat9"));
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code, ErrorCode::kFailedPrecondition);
  // … and gave nothing away on run 2: a refund there frees exactly one seat, which the change
  // then takes.
  RefundRequest refund{.ticket_number = there.tickets[0].ticket_number,
                       .idempotency_key = "r-noseat",
                       .channel = Channel::kMobile,
                       .staff = {},
                       .access_token = sales_->OrderAccessToken(there.order_id),
                       .cause = core::RefundCause::kPassenger};
  ASSERT_TRUE(sales_->Refund(refund));
  EXPECT_EQ(SeatsLeft(R2()), 1);
  auto now_ok = sales_->Change(Passenger(order, 0, R2(), "c-noseat-3"));
  ASSERT_TRUE(now_ok) << now_ok.error().ToString();
  EXPECT_EQ(SeatsLeft(R2()), 0);
  auto occupancy = sales_->StoredOccupancy(R2());
  ASSERT_TRUE(occupancy);
  EXPECT_EQ(static_cast<int>(occupancy->size()), run2_->run.seats);
}

TEST_P(ChangeTest, OneChangeByDefaultAndAChangedTicketIsNotRefunded) {
  Order order = Sold({Adult(7)}, "once");
  auto changed = sales_->Change(Passenger(order, 0, R2(), "c-once"));
  ASSERT_TRUE(changed) << changed.error().ToString();
  const Ticket fresh = changed->ticket;

  ChangeRequest again{.ticket_number = fresh.ticket_number,
                      .run_id = R1(),
                      .idempotency_key = "c-once-2",
                      .channel = Channel::kMobile,
                      .staff = {},
                      .access_token = sales_->OrderAccessToken(fresh.order_id),
                      .payment_method = std::nullopt};
  auto second = sales_->Change(again);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(second.error().message.find("1"), std::string::npos) << second.error().message;

  auto from_old = sales_->Change(Passenger(order, 0, R1() == R2() ? R1() : R2(), "c-once-3"));
  ASSERT_FALSE(from_old);
  EXPECT_EQ(from_old.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(from_old.error().message.find("already changed"), std::string::npos)
      << from_old.error().message;

  RefundRequest refund{.ticket_number = fresh.ticket_number,
                       .idempotency_key = "r-once",
                       .channel = Channel::kMobile,
                       .staff = {},
                       .access_token = sales_->OrderAccessToken(fresh.order_id),
                       .cause = core::RefundCause::kPassenger};
  auto refused = sales_->Refund(refund);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  refund.ticket_number = order.tickets[0].ticket_number;
  refund.access_token = sales_->OrderAccessToken(order.order_id);
  auto old_refused = sales_->Refund(refund);
  ASSERT_FALSE(old_refused);
  EXPECT_EQ(old_refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(sales_->GetTicket(fresh.ticket_number)->status, "issued");
}

TEST_P(ChangeTest, AStoppedRunsHoldersTransferFreeBeyondThePolicysChanges) {
  Order order = Sold({Adult(8)}, "transfer");
  auto changed = sales_->Change(Passenger(order, 0, R2(), "t-1"));
  ASSERT_TRUE(changed) << changed.error().ToString();
  const Ticket fresh = changed->ticket;
  ChangeRequest back{.ticket_number = fresh.ticket_number,
                     .run_id = R1(),
                     .idempotency_key = "t-2",
                     .channel = Channel::kMobile,
                     .staff = {},
                     .access_token = sales_->OrderAccessToken(fresh.order_id),
                     .payment_method = std::nullopt};
  ASSERT_FALSE(sales_->Change(back)) << "the one change the policy allows is used";

  // The station stops the new run (停班有售): its holder may move again, without fee.
  auto stopped = sales_->StopRun(
      R2(), Seller{.staff_username = "manager", .station = run2_->run.station(),
                   .province_wide = false});
  ASSERT_TRUE(stopped) << stopped.error().ToString();
  EXPECT_EQ(stopped->status, "stopped_sold");
  back.idempotency_key = "t-3";
  auto transferred = sales_->Change(back);
  ASSERT_TRUE(transferred) << transferred.error().ToString();
  EXPECT_EQ(transferred->change.fee.fen(), 0);
  EXPECT_EQ(transferred->change.change_number, 2);
  EXPECT_EQ(transferred->ticket.run_id, R1());
  EXPECT_EQ(sales_->GetTicket(fresh.ticket_number)->status, "changed");
}

TEST_P(ChangeTest, RefusedFromTheOldRunsDeparture) {
  Order order = Sold({Adult(8)}, "late");
  clock_.Set(run_->run.departs_at);
  auto late = sales_->Change(AtWindow(order, R2(), "c-late", PaymentMethod::kCash));
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(sales_->GetTicket(order.tickets[0].ticket_number)->status, "issued");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM changes WHERE old_ticket = $1",
                  order.tickets[0].ticket_number),
            0);
}

TEST_P(ChangeTest, WhoMayChangeIsWhoMayRefund) {
  Order order = Sold({Adult(9)}, "who");
  ChangeRequest r = Passenger(order, 0, R2(), "c-who");
  r.access_token = sales_->OrderAccessToken("O-someone-else");
  auto wrong = sales_->Change(r);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kPermissionDenied);
  r = AtWindow(order, R2(), "c-who", PaymentMethod::kCash);
  r.staff.station = route_->stops.back().station;
  auto foreign = sales_->Change(r);
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code, ErrorCode::kPermissionDenied);
  auto no_key = sales_->Change(Passenger(order, 0, R2(), ""));
  ASSERT_FALSE(no_key);
  EXPECT_EQ(no_key.error().code, ErrorCode::kInvalidArgument);
}

TEST_P(ChangeTest, AFreeChildMovesWithItsAdult) {
  PassengerInput child = Adult(11);
  child.fare_type = FareType::kFreeChild;
  Order order = Sold({Adult(10), child}, "family");
  auto changed = sales_->Change(Passenger(order, 0, R2(), "c-family"));
  ASSERT_TRUE(changed) << changed.error().ToString();
  ASSERT_EQ(changed->free_children.size(), 1u);
  ASSERT_EQ(changed->free_child_tickets.size(), 1u);
  const Ticket& c = changed->free_child_tickets[0];
  EXPECT_EQ(c.run_id, R2());
  EXPECT_EQ(c.seat, 0);
  EXPECT_EQ(c.fare.fen(), 0);
  EXPECT_EQ(c.attached_to, changed->ticket.ticket_id);
  EXPECT_EQ(c.changed_from, order.tickets[1].ticket_number);
  EXPECT_EQ(sales_->GetTicket(order.tickets[1].ticket_number)->status, "changed");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM revocations WHERE reason = 'changed' AND ticket_number "
                  "= $1",
                  order.tickets[1].ticket_number),
            1);
  auto retried = sales_->Change(Passenger(order, 0, R2(), "c-family"));
  ASSERT_TRUE(retried) << retried.error().ToString();
  ASSERT_EQ(retried->free_child_tickets.size(), 1u);
  EXPECT_EQ(retried->free_child_tickets[0].ticket_number, c.ticket_number);
}

TEST_P(ChangeTest, RetriesAreIdempotent) {
  Order order = Sold({Adult(12)}, "idem");
  auto first = sales_->Change(Passenger(order, 0, R2(), "c-idem"));
  ASSERT_TRUE(first) << first.error().ToString();
  clock_.Advance(std::chrono::minutes(2));
  auto retried = sales_->Change(Passenger(order, 0, R2(), "c-idem"));
  ASSERT_TRUE(retried) << retried.error().ToString();
  EXPECT_EQ(retried->change.change_id, first->change.change_id);
  EXPECT_EQ(retried->ticket.ticket_number, first->ticket.ticket_number);
  EXPECT_EQ(retried->ticket.seat, first->ticket.seat);
  EXPECT_EQ(retried->change.at, first->change.at);
  Order other = Sold({Adult(13)}, "idem-2");
  auto reused = sales_->Change(Passenger(other, 0, R2(), "c-idem"));
  ASSERT_FALSE(reused);
  EXPECT_EQ(reused.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(sales_->GetTicket(other.tickets[0].ticket_number)->status, "issued");
}

TEST_P(ChangeTest, EightConcurrentChangesMakeOne) {
  Order order = Sold({Adult(14)}, "conc");
  const int left2 = SeatsLeft(R2());
  std::atomic<int> ok{0}, refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto r = sales_->Change(Passenger(order, 0, R2(), "c-conc-" + std::to_string(i)));
      if (r) {
        ++ok;
      } else if (r.error().code == ErrorCode::kFailedPrecondition) {
        ++refused;
      } else {
        ADD_FAILURE() << r.error().ToString();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(refused.load(), 7);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM changes WHERE old_ticket = $1",
                  order.tickets[0].ticket_number),
            1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM tickets WHERE run_id = $1 AND active = 1", R2()), 1);
  EXPECT_EQ(SeatsLeft(R2()), left2 - 1) << "the losers gave their seats back";
}

// A retry sent while the first attempt of a change is still running gets that change, never a
// 409 because its own first attempt holds the passenger's new seat.
TEST_P(ChangeTest, RetriesSentWhileTheFirstAttemptRunsAllGetTheOneChange) {
  constexpr int kAttempts = 8;
  for (int round = 0; round < 4; ++round) {
    SCOPED_TRACE(round);
    Order order = Sold({Adult(30 + round)}, "retry-conc-" + std::to_string(round));
    const std::string key = "c-retry-" + std::to_string(round);
    std::vector<Result<ChangeResult>> results(kAttempts, tl::unexpected(Error{}));
    std::vector<std::thread> threads;
    for (int i = 0; i < kAttempts; ++i) {
      threads.emplace_back([&, i] { results[i] = sales_->Change(Passenger(order, 0, R2(), key)); });
    }
    for (auto& t : threads) t.join();
    for (const auto& r : results) {
      ASSERT_TRUE(r) << r.error().ToString();
      EXPECT_EQ(r->change.change_id, results[0]->change.change_id);
      EXPECT_EQ(r->ticket.ticket_number, results[0]->ticket.ticket_number);
    }
    EXPECT_EQ(Count("SELECT COUNT(*) FROM changes WHERE old_ticket = $1",
                    order.tickets[0].ticket_number),
              1);
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM tickets WHERE run_id = $1 AND active = 1", R2()), 4);
}

TEST_P(ChangeTest, AChangeRacingARefundHasOneWinner) {
  for (int round = 0; round < 6; ++round) {
    SCOPED_TRACE(round);
    Order order = Sold({Adult(20 + round)}, "race-" + std::to_string(round));
    const std::string number = order.tickets[0].ticket_number;
    Result<ChangeResult> changed = tl::unexpected(Error{});
    Result<RefundResult> refunded = tl::unexpected(Error{});
    std::thread a([&] {
      changed = sales_->Change(Passenger(order, 0, R2(), "c-race-" + std::to_string(round)));
    });
    std::thread b([&] {
      refunded = sales_->Refund(RefundRequest{.ticket_number = number,
                                              .idempotency_key = "r-race-" + std::to_string(round),
                                              .channel = Channel::kMobile,
                                              .staff = {},
                                              .access_token = sales_->OrderAccessToken(order.order_id),
                                              .cause = core::RefundCause::kPassenger});
    });
    a.join();
    b.join();
    ASSERT_NE(changed.has_value(), refunded.has_value())
        << (changed ? "" : changed.error().ToString()) << " / "
        << (refunded ? "" : refunded.error().ToString());
    const std::string loser_code =
        changed ? std::string(ErrorCodeName(refunded.error().code))
                : std::string(ErrorCodeName(changed.error().code));
    EXPECT_EQ(loser_code, ErrorCodeName(ErrorCode::kFailedPrecondition));
    EXPECT_EQ(sales_->GetTicket(number)->status, changed ? "changed" : "refunded");
    EXPECT_EQ(Count("SELECT COUNT(*) FROM revocations WHERE ticket_number = $1", number), 1);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM tickets WHERE run_id = $1 AND active = 1", R2()),
              changed ? 1 : 0);
    if (changed) {  // back to run 1 is not allowed (one change); refund nothing more here
      auto occupancy = sales_->StoredOccupancy(R2());
      ASSERT_TRUE(occupancy);
      ASSERT_EQ(occupancy->size(), 1u);
      // Clear run 2 for the next round: the operator stops nothing; refund it as the station.
      RefundRequest clear{.ticket_number = changed->ticket.ticket_number,
                          .idempotency_key = "r-clear-" + std::to_string(round),
                          .channel = Channel::kWindow,
                          .staff = Seller{.staff_username = "li.na",
                                          .station = route_->stops[0].station,
                                          .province_wide = false},
                          .access_token = {},
                          .cause = core::RefundCause::kMissedByOperator};
      auto cleared = sales_->Refund(clear);
      ASSERT_TRUE(cleared) << cleared.error().ToString();
    }
    EXPECT_EQ(SeatsLeft(R2()), run2_->run.seats);
  }
}

TEST_P(ChangeTest, OppositeChangesAtOnceDoNotDeadlock) {
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE(round);
    Order a = Sold({Adult(40 + round)}, "opp-a-" + std::to_string(round));
    Order b = Sold({Adult(60 + round)}, "opp-b-" + std::to_string(round), R2());
    Result<ChangeResult> ab = tl::unexpected(Error{}), ba = tl::unexpected(Error{});
    std::thread t1([&] { ab = sales_->Change(Passenger(a, 0, R2(), "c-ab-" + std::to_string(round))); });
    std::thread t2([&] { ba = sales_->Change(Passenger(b, 0, R1(), "c-ba-" + std::to_string(round))); });
    t1.join();
    t2.join();
    ASSERT_TRUE(ab) << ab.error().ToString();
    ASSERT_TRUE(ba) << ba.error().ToString();
    EXPECT_EQ(ab->ticket.run_id, R2());
    EXPECT_EQ(ba->ticket.run_id, R1());
  }
  auto o1 = sales_->StoredOccupancy(R1());
  auto o2 = sales_->StoredOccupancy(R2());
  ASSERT_TRUE(o1 && o2);
  EXPECT_EQ(o1->size(), 5u);
  EXPECT_EQ(o2->size(), 5u);
  EXPECT_EQ(SeatsLeft(R1()), run_->run.seats - 5);
  EXPECT_EQ(SeatsLeft(R2()), run2_->run.seats - 5);
}

TEST_P(ChangeTest, PastTheNewRunsCutOffChangesNothing) {
  // A ticket on the later run, changed online to the earlier one inside its 120-minute online
  // cut-off: refused, nothing changes; at a window (5-minute cut-off) it goes through.
  Order order = Sold({Adult(15)}, "cutoff", R2());
  clock_.Set(run_->run.departs_at - std::chrono::minutes(60));
  auto online = sales_->Change(Passenger(order, 0, R1(), "c-cutoff"));
  ASSERT_FALSE(online);
  EXPECT_EQ(online.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(online.error().field, "run_id");
  EXPECT_NE(online.error().message.find("window"), std::string::npos) << online.error().message;
  EXPECT_EQ(sales_->GetTicket(order.tickets[0].ticket_number)->status, "issued");
  EXPECT_EQ(Events("changed"), 0);
  EXPECT_TRUE(sales_->StoredOccupancy(R1())->empty());
  ASSERT_EQ(sales_->StoredOccupancy(R2())->size(), 1u);
  ChangeRequest window = AtWindow(order, R1(), "c-cutoff-window", PaymentMethod::kCash);
  window.staff.station = route_->stops[0].station;
  auto at_window = sales_->Change(window);
  ASSERT_TRUE(at_window) << at_window.error().ToString();
  EXPECT_EQ(at_window->ticket.run_id, R1());
  EXPECT_EQ(sales_->StoredOccupancy(R1())->size(), 1u);
  EXPECT_TRUE(sales_->StoredOccupancy(R2())->empty());
}

TEST_P(ChangeTest, ACheaperRunOnAnOnlineOrderRefundsThroughTheProvider) {
  Order order = SoldOnline({Adult(16)}, "online");
  ASSERT_EQ(order.status, OrderStatus::kIssued);

  SetWholeTripAdultFare(order.tickets[0].fare - core::Money::Fen(800));
  auto changed = sales_->Change(Passenger(order, 0, R2(), "c-online"));
  ASSERT_TRUE(changed) << changed.error().ToString();
  EXPECT_EQ(changed->change.refund.fen(), 800);
  EXPECT_EQ(changed->change.money, "provider");
  ASSERT_TRUE(changed->change.refund_id.has_value());
  EXPECT_EQ(Count("SELECT refunded_fen FROM refunds WHERE refund_id = $1",
                  *changed->change.refund_id),
            800);
  // The provider's signed refund notification completes it; a retry of the change shows it.
  ChangeResult again = *changed;
  for (int i = 0; i < 500 && again.change.money_status != "done"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    auto retried = sales_->Change(Passenger(order, 0, R2(), "c-online"));
    ASSERT_TRUE(retried) << retried.error().ToString();
    again = *retried;
  }
  EXPECT_EQ(again.change.money_status, "done");
  EXPECT_EQ(again.change.change_id, changed->change.change_id);
}

TEST_P(ChangeTest, ADearerRunOnlineIsHeldUntilTheNewOrderIsPaidThenChanges) {
  Order order = SoldOnline({Adult(17)}, "dear-online");
  ASSERT_EQ(order.status, OrderStatus::kIssued);
  const Ticket old = order.tickets[0];
  const core::Money paid = old.fare + old.station_fee;
  const std::string first_payment =
      Text("SELECT payment_id FROM payments WHERE order_id = $1", order.order_id);
  SetWholeTripAdultFare(old.fare + core::Money::Fen(750));
  const int left1 = SeatsLeft(R1()), left2 = SeatsLeft(R2());

  auto quote = sales_->QuoteTicketChange(Passenger(order, 0, R2(), ""));
  ASSERT_TRUE(quote) << quote.error().ToString();
  EXPECT_EQ(quote->change.charge.fen(), 750);
  EXPECT_EQ(quote->change.money, "provider");

  // Held: the new seat is taken, the old ticket stays valid, nothing is recorded as changed.
  auto held = sales_->Change(Passenger(order, 0, R2(), "c-dear"));
  ASSERT_TRUE(held) << held.error().ToString();
  EXPECT_EQ(held->change.money_status, "awaiting_payment");
  EXPECT_EQ(held->change.charge.fen(), 750);
  EXPECT_TRUE(held->change.change_id.empty());
  EXPECT_EQ(held->ticket.status, "held");
  EXPECT_EQ(held->ticket.changed_from, old.ticket_number);
  const std::string new_order = held->change.new_order_id;
  ASSERT_FALSE(new_order.empty());
  EXPECT_EQ(sales_->GetTicket(old.ticket_number)->status, "issued");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM revocations WHERE ticket_number = $1", old.ticket_number),
            0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM changes WHERE old_ticket = $1", old.ticket_number), 0);
  EXPECT_EQ(Events("changed"), 0);
  EXPECT_EQ(SeatsLeft(R1()), left1);
  EXPECT_EQ(SeatsLeft(R2()), left2 - 1);
  EXPECT_EQ(sales_->StoredOccupancy(R2())->size(), 1u);

  // A retry answers with the same hold; a window cannot take cash for it.
  auto again = sales_->Change(Passenger(order, 0, R2(), "c-dear"));
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_EQ(again->change.new_order_id, new_order);
  EXPECT_EQ(again->change.money_status, "awaiting_payment");
  auto cash = sales_->Pay(new_order, PaymentMethod::kCash);
  ASSERT_FALSE(cash);
  EXPECT_EQ(cash.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(cash.error().message.find("online change"), std::string::npos)
      << cash.error().message;

  // The passenger pays the new order in full; the notification completes the change.
  SalesService::Payment payment = PayOnline(new_order, "c-dear-pay");
  EXPECT_EQ(payment.amount, paid + core::Money::Fen(750));
  auto issued = sales_->GetOrder(new_order);
  ASSERT_TRUE(issued);
  EXPECT_EQ(issued->status, OrderStatus::kIssued);
  EXPECT_EQ(issued->tickets[0].status, "issued");
  EXPECT_EQ(issued->tickets[0].ticket_number.size(), 20u);
  EXPECT_EQ(sales_->GetTicket(old.ticket_number)->status, "changed");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM revocations WHERE ticket_number = $1", old.ticket_number),
            1);
  EXPECT_EQ(Events("changed"), 1);
  EXPECT_EQ(Text("SELECT status FROM change_holds WHERE order_id = $1", new_order), "done");
  EXPECT_EQ(Text("SELECT payment_id FROM changes WHERE old_ticket = $1", old.ticket_number),
            payment.payment_id);
  EXPECT_EQ(SeatsLeft(R1()), left1 + 1);
  EXPECT_EQ(SeatsLeft(R2()), left2 - 1);
  EXPECT_TRUE(sales_->StoredOccupancy(R1())->empty());

  // The old fare (no fee on the first change) goes back through the first payment; the
  // retried request shows the change, done once the provider confirms.
  const std::string refund_id =
      Text("SELECT refund_id FROM changes WHERE old_ticket = $1", old.ticket_number);
  EXPECT_EQ(Text("SELECT payment_id FROM refunds WHERE refund_id = $1", refund_id), first_payment);
  EXPECT_EQ(Count("SELECT refunded_fen FROM refunds WHERE refund_id = $1", refund_id),
            paid.fen());
  ChangeResult done = *again;
  for (int i = 0; i < 500 && done.change.money_status != "done"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    auto retried = sales_->Change(Passenger(order, 0, R2(), "c-dear"));
    ASSERT_TRUE(retried) << retried.error().ToString();
    done = *retried;
  }
  EXPECT_EQ(done.change.money_status, "done");
  EXPECT_FALSE(done.change.change_id.empty());
  EXPECT_EQ(done.change.charge.fen(), 750);
  EXPECT_EQ(done.ticket.ticket_number, issued->tickets[0].ticket_number);

  // The new ticket is backed by its own payment: refunding it (free: its run is stopped, as a
  // changed ticket refunds only for the operator's fault) draws on that one.
  auto stopped = sales_->StopRun(R2(), Seller{.staff_username = "li.na",
                                              .station = route_->stops[0].station,
                                              .province_wide = false});
  ASSERT_TRUE(stopped) << stopped.error().ToString();
  auto refunded = sales_->Refund(RefundRequest{.ticket_number = done.ticket.ticket_number,
                                               .idempotency_key = "r-after-dear",
                                               .channel = Channel::kMobile,
                                               .staff = {},
                                               .access_token = sales_->OrderAccessToken(new_order),
                                               .cause = core::RefundCause::kPassenger});
  ASSERT_TRUE(refunded) << refunded.error().ToString();
  EXPECT_EQ(Text("SELECT payment_id FROM refunds WHERE refund_id = $1",
                 refunded->ticket.refund_id),
            payment.payment_id);
}

TEST_P(ChangeTest, AHeldChangeThatLapsesChangesNothing) {
  Order order = SoldOnline({Adult(18)}, "lapse");
  ASSERT_EQ(order.status, OrderStatus::kIssued);
  const std::string number = order.tickets[0].ticket_number;
  SetWholeTripAdultFare(order.tickets[0].fare + core::Money::Fen(300));
  const int left2 = SeatsLeft(R2());
  auto held = sales_->Change(Passenger(order, 0, R2(), "c-lapse"));
  ASSERT_TRUE(held) << held.error().ToString();
  ASSERT_EQ(held->change.money_status, "awaiting_payment");
  EXPECT_EQ(SeatsLeft(R2()), left2 - 1);

  clock_.Advance(sales_->policy().hold + std::chrono::seconds(1));
  auto expired = sales_->ExpireHolds();
  ASSERT_TRUE(expired) << expired.error().ToString();
  EXPECT_EQ(*expired, 1);
  EXPECT_EQ(Text("SELECT status FROM change_holds WHERE order_id = $1",
                 held->change.new_order_id),
            "expired");
  EXPECT_EQ(sales_->GetTicket(number)->status, "issued");
  EXPECT_EQ(SeatsLeft(R2()), left2);
  EXPECT_TRUE(sales_->StoredOccupancy(R2())->empty());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM changes WHERE old_ticket = $1", number), 0);

  // The lapsed key says so; a new key holds again.
  auto retried = sales_->Change(Passenger(order, 0, R2(), "c-lapse"));
  ASSERT_FALSE(retried);
  EXPECT_EQ(retried.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(retried.error().message.find("expired"), std::string::npos)
      << retried.error().message;
  auto fresh = sales_->Change(Passenger(order, 0, R2(), "c-lapse-2"));
  ASSERT_TRUE(fresh) << fresh.error().ToString();
  EXPECT_EQ(fresh->change.money_status, "awaiting_payment");
}

TEST_P(ChangeTest, AHeldChangeWhoseTicketWasRefundedMeanwhileFailsAndOwesTheMoneyBack) {
  Order order = SoldOnline({Adult(19)}, "race-hold");
  ASSERT_EQ(order.status, OrderStatus::kIssued);
  const std::string number = order.tickets[0].ticket_number;
  SetWholeTripAdultFare(order.tickets[0].fare + core::Money::Fen(500));
  const int left2 = SeatsLeft(R2());
  auto held = sales_->Change(Passenger(order, 0, R2(), "c-race-hold"));
  ASSERT_TRUE(held) << held.error().ToString();
  const std::string new_order = held->change.new_order_id;

  auto refunded = sales_->Refund(RefundRequest{.ticket_number = number,
                                               .idempotency_key = "r-race-hold",
                                               .channel = Channel::kMobile,
                                               .staff = {},
                                               .access_token = sales_->OrderAccessToken(order.order_id),
                                               .cause = core::RefundCause::kPassenger});
  ASSERT_TRUE(refunded) << refunded.error().ToString();

  SalesService::Payment payment = PayOnline(new_order, "c-race-hold-pay");
  auto after = sales_->GetOrder(new_order);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, OrderStatus::kCancelled);
  EXPECT_EQ(Text("SELECT status FROM payments WHERE payment_id = $1", payment.payment_id),
            "paid_after_close");
  // …and goes back whole through the provider.
  std::string returned;
  for (int i = 0; i < 500 && returned != "done"; ++i) {
    returned = Text("SELECT status FROM payment_returns WHERE payment_id = $1", payment.payment_id);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(returned, "done");
  EXPECT_EQ(Count("SELECT amount_fen FROM payment_returns WHERE payment_id = $1",
                  payment.payment_id),
            payment.amount.fen());
  EXPECT_EQ(Text("SELECT status FROM change_holds WHERE order_id = $1", new_order), "failed");
  EXPECT_NE(Text("SELECT reason FROM change_holds WHERE order_id = $1", new_order).find("refunded"),
            std::string::npos);
  EXPECT_EQ(sales_->GetTicket(number)->status, "refunded");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM changes WHERE old_ticket = $1", number), 0);
  EXPECT_TRUE(sales_->StoredOccupancy(R2())->empty());
  EXPECT_EQ(SeatsLeft(R2()), left2);
}

INSTANTIATE_TEST_SUITE_P(Engines, ChangeTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& info) { return testing::TestEngineName(info.param); });

}  // namespace
}  // namespace keyun::sales
