// 停班 and 停班有售 (SalesService::StopRun) on SQLite and PostgreSQL: a stopped run sells no more
// and takes no more money at the window, its holders are listed and refund without fee.
#include <gtest/gtest.h>

#include "sales/sales_fixture.h"
#include "store/outbox.h"
#include "support/outbox_events.h"

namespace keyun::sales {
namespace {

class RunStopTest : public SalesTest {
 protected:
  Seller ManagerOf(const core::StationCode& station) {
    return Seller{.staff_username = "manager", .station = station, .province_wide = false};
  }
};

TEST_P(RunStopTest, StoppedWithTicketsSoldListsHoldersAndRefundsWithoutFee) {
  auto paid_order = sales_->CreateOrder(Request({Adult(1), Adult(2)}, "stop-1"));
  ASSERT_TRUE(paid_order) << paid_order.error().ToString();
  auto paid = sales_->Pay(paid_order->order_id, PaymentMethod::kCash);
  ASSERT_TRUE(paid) << paid.error().ToString();
  auto held = sales_->CreateOrder(Request({Adult(3)}, "stop-2"));
  ASSERT_TRUE(held) << held.error().ToString();

  const std::string run = run_->run.id.str();
  auto foreign = sales_->StopRun(run, ManagerOf(route_->stops.back().station));
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code, ErrorCode::kPermissionDenied);

  auto stopped = sales_->StopRun(run, ManagerOf(run_->run.station()));
  ASSERT_TRUE(stopped) << stopped.error().ToString();
  EXPECT_EQ(stopped->status, "stopped_sold");
  ASSERT_EQ(stopped->holders.size(), 2u);
  EXPECT_EQ(stopped->holders[0].ticket_number, paid->tickets[0].ticket_number);

  // No more sales, and the held seat is not paid for at the window.
  auto late = sales_->CreateOrder(Request({Adult(4)}, "stop-3"));
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::kFailedPrecondition);
  auto pay_held = sales_->Pay(held->order_id, PaymentMethod::kCash);
  ASSERT_FALSE(pay_held);
  EXPECT_NE(pay_held.error().message.find("stopped_sold"), std::string::npos);
  auto offers = sales_->Search(route_->stops.front().station, route_->stops.back().station,
                               run_->run.date(), Channel::kMobile);
  ASSERT_TRUE(offers);
  for (const auto& o : *offers) EXPECT_NE(o.run.run.id.str(), run);

  // The holder asks for an ordinary refund: no fee, the run was stopped.
  auto refund = sales_->Refund(RefundRequest{.ticket_number = paid->tickets[0].ticket_number,
                                             .idempotency_key = "stop-refund",
                                             .channel = Channel::kMobile,
                                             .staff = {},
                                             .access_token = sales_->OrderAccessToken(paid_order->order_id)});
  ASSERT_TRUE(refund) << refund.error().ToString();
  EXPECT_EQ(refund->ticket.fee.fen(), 0);
  EXPECT_EQ(refund->ticket.refunded, refund->ticket.fare);

  auto events = testing::OutboxEvents(*store_, "run_stopped");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].subject, run);
}

TEST_P(RunStopTest, ARunWithoutSalesIsSimplyStopped) {
  auto stopped = sales_->StopRun(run_->run.id.str(), ManagerOf(run_->run.station()));
  ASSERT_TRUE(stopped) << stopped.error().ToString();
  EXPECT_EQ(stopped->status, "stopped");
  EXPECT_TRUE(stopped->holders.empty());
  auto none = sales_->StopRun("370102001-20261124-K9999", ManagerOf(run_->run.station()));
  ASSERT_FALSE(none);
}

INSTANTIATE_TEST_SUITE_P(Engines, RunStopTest,
                         ::testing::Values(testing::TestEngine::kSqlite,
                                           testing::TestEngine::kPostgres),
                         [](const auto& info) { return testing::TestEngineName(info.param); });

}  // namespace
}  // namespace keyun::sales
