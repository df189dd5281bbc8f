// Online payment: the sandbox provider's signed, asynchronous notification, verified, checked
// against the order and applied exactly once. On SQLite and a real PostgreSQL server.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "sales/sandbox_payment.h"
#include "sales_fixture.h"

namespace keyun::sales {
namespace {

using testing::TestEngine;

class PaymentTest : public SalesTest {
 protected:
  void SetUp() override {
    SalesTest::SetUp();
    if (HasFatalFailure()) return;
    sandbox_ = ConnectedSandbox([this](bool refund, const std::string& body) {
      std::lock_guard lock(mu_);
      (refund ? refund_bodies_ : bodies_).push_back(body);
    });
  }
  void TearDown() override { sandbox_.reset(); }

  Order Held(int serial, const std::string& key) {
    auto order = sales_->CreateOrder(Request({Adult(serial)}, key));
    EXPECT_TRUE(order) << order.error().ToString();
    return *order;
  }

  // Waits (real time) until the order leaves `held` or 5 s pass.
  Order AwaitNotHeld(const std::string& order_id) {
    for (int i = 0; i < 500; ++i) {
      auto order = sales_->GetOrder(order_id);
      if (order && order->status != OrderStatus::kHeld) return *order;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return *sales_->GetOrder(order_id);
  }

  std::string LastBody() {
    std::lock_guard lock(mu_);
    return bodies_.empty() ? std::string() : bodies_.back();
  }

  store::Rows Query(const std::string& sql, const std::string& param) {
    auto rows = store_->Transact<store::Rows>(
        [&](store::Transaction& tx) { return tx.Query(sql, {store::Value{param}}); },
        {.read_only = true});
    EXPECT_TRUE(rows) << rows.error().ToString();
    return rows.value_or(store::Rows{});
  }

  std::unique_ptr<SandboxPaymentProvider> sandbox_;
  std::mutex mu_;
  std::vector<std::string> bodies_;         // guarded by mu_
  std::vector<std::string> refund_bodies_;  // guarded by mu_
};

TEST_P(PaymentTest, ApprovedPaymentIssuesTheOrderThroughTheSignedNotification) {
  Order order = Held(1, "o1");
  auto started = sales_->StartPayment(order.order_id, "sandbox", "p1");
  ASSERT_TRUE(started) << started.error().ToString();
  ASSERT_TRUE(started->payment);
  EXPECT_EQ(started->payment->status, "pending");
  EXPECT_EQ(started->payment->amount, order.amount);
  EXPECT_EQ(started->order.status, OrderStatus::kHeld) << "not paid until the provider says so";
  EXPECT_EQ(*sandbox_->Status(started->payment->payment_id), "pending");

  ASSERT_TRUE(sandbox_->Approve(started->payment->payment_id));
  Order issued = AwaitNotHeld(order.order_id);
  EXPECT_EQ(issued.status, OrderStatus::kIssued);
  EXPECT_EQ(issued.payment_method, "sandbox");
  EXPECT_EQ(issued.tickets[0].ticket_number.size(), 20u);
  EXPECT_FALSE(sandbox_->Approve(started->payment->payment_id)) << "approved once only";
}

TEST_P(PaymentTest, StartingAgainReturnsThePendingPaymentAndAKeyBelongsToOneOrder) {
  Order order = Held(2, "o2");
  auto first = sales_->StartPayment(order.order_id, "sandbox", "p2");
  ASSERT_TRUE(first);
  auto retried = sales_->StartPayment(order.order_id, "sandbox", "p2");
  ASSERT_TRUE(retried);
  EXPECT_EQ(retried->payment->payment_id, first->payment->payment_id);
  auto other_key = sales_->StartPayment(order.order_id, "sandbox", "p2-bis");
  ASSERT_TRUE(other_key);
  EXPECT_EQ(other_key->payment->payment_id, first->payment->payment_id)
      << "one payment in flight per order";

  Order second = Held(3, "o3");
  auto reused = sales_->StartPayment(second.order_id, "sandbox", "p2");
  ASSERT_FALSE(reused);
  EXPECT_EQ(reused.error().code, ErrorCode::kAlreadyExists);
  EXPECT_FALSE(sales_->StartPayment(second.order_id, "sandbox", ""));
  auto unknown = sales_->StartPayment(second.order_id, "alipay", "p3");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
}

TEST_P(PaymentTest, ARepeatedNotificationIsAppliedOnceEvenInParallel) {
  Order order = Held(4, "o4");
  auto started = sales_->StartPayment(order.order_id, "sandbox", "p4");
  ASSERT_TRUE(started);
  ASSERT_TRUE(sandbox_->Approve(started->payment->payment_id));
  Order issued = AwaitNotHeld(order.order_id);
  ASSERT_EQ(issued.status, OrderStatus::kIssued);
  std::string body = LastBody();
  ASSERT_FALSE(body.empty());

  // The provider retries (it did not see our answer): eight copies at once.
  std::atomic<int> applied{0}, acknowledged{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto outcome = sales_->ApplyPaymentNotification("sandbox", body);
      if (outcome) {
        ++acknowledged;
        if (outcome->applied) ++applied;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(acknowledged.load(), 8) << "every retry is acknowledged, so the provider stops";
  EXPECT_EQ(applied.load(), 0) << "it was applied already";
  auto after = sales_->GetOrder(order.order_id);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->tickets[0].ticket_number, issued.tickets[0].ticket_number)
      << "tickets are numbered once";
}

TEST_P(PaymentTest, AlteredOrForeignNotificationsAreRefusedAndChangeNothing) {
  Order order = Held(5, "o5");
  auto started = sales_->StartPayment(order.order_id, "sandbox", "p5");
  ASSERT_TRUE(started);
  const std::string payment_id = started->payment->payment_id;
  std::map<std::string, std::string> fields = {
      {"notify_id", "N1"},          {"payment_id", payment_id},
      {"order_id", order.order_id}, {"amount_fen", std::to_string(order.amount.fen())},
      {"trade_no", "SBX-T1"},       {"trade_status", "TRADE_SUCCESS"},
      {"paid_at", clock_.Now().ToIso8601()}};

  // Altered after signing: one fen less.
  std::string genuine = sandbox_->SignedBody(fields);
  std::string altered = genuine;
  std::string amount = "amount_fen=" + std::to_string(order.amount.fen());
  altered.replace(altered.find(amount), amount.size(),
                  "amount_fen=" + std::to_string(order.amount.fen() - 1));
  auto forged = sales_->ApplyPaymentNotification("sandbox", altered);
  ASSERT_FALSE(forged);
  EXPECT_EQ(forged.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(forged.error().message.find("signature"), std::string::npos) << forged.error().message;

  // Signed by another sandbox (another merchant's provider key).
  SandboxPaymentProvider stranger(clock_);
  auto foreign = sales_->ApplyPaymentNotification("sandbox", stranger.SignedBody(fields));
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code, ErrorCode::kFailedPrecondition);

  // Genuinely signed, but for a different amount than the node asked for.
  auto wrong_fields = fields;
  wrong_fields["amount_fen"] = "1";
  auto wrong = sales_->ApplyPaymentNotification("sandbox", sandbox_->SignedBody(wrong_fields));
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("0.01"), std::string::npos) << wrong.error().message;

  // Garbage.
  for (std::string_view junk : {"", "hello", "a=b&a=c", "%zz=1", "payment_id=x"}) {
    auto refused = sales_->ApplyPaymentNotification("sandbox", junk);
    ASSERT_FALSE(refused) << junk;
    EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument) << junk;
  }
  auto still = sales_->GetOrder(order.order_id);
  ASSERT_TRUE(still);
  EXPECT_EQ(still->status, OrderStatus::kHeld);

  // The genuine one applies.
  auto ok = sales_->ApplyPaymentNotification("sandbox", genuine);
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_TRUE(ok->applied);
  EXPECT_EQ(ok->order.status, OrderStatus::kIssued);
  // A second, genuinely signed notice with another trade for the same payment is refused.
  fields["trade_no"] = "SBX-T2";
  auto double_pay = sales_->ApplyPaymentNotification("sandbox", sandbox_->SignedBody(fields));
  ASSERT_FALSE(double_pay);
  EXPECT_EQ(double_pay.error().code, ErrorCode::kFailedPrecondition);
}

TEST_P(PaymentTest, MoneyForACancelledOrderGoesBackWholeEvenThroughAnOutage) {
  Order order = Held(6, "o6");
  auto started = sales_->StartPayment(order.order_id, "sandbox", "p6");
  ASSERT_TRUE(started);
  ASSERT_TRUE(sales_->Cancel(order.order_id));
  sandbox_->FailNextRefunds(1);  // the first ask for the money back does not get through
  ASSERT_TRUE(sandbox_->Approve(started->payment->payment_id));
  for (int i = 0; i < 500 && sandbox_->delivered() < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(sandbox_->delivered(), 1);
  auto after = sales_->GetOrder(order.order_id);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, OrderStatus::kCancelled);
  EXPECT_TRUE(after->tickets[0].ticket_number.empty());
  auto replay = sales_->ApplyPaymentNotification("sandbox", LastBody());
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->payment.status, "paid_after_close");

  // Owed back, whole, through the provider: pending while the provider cannot be reached.
  auto owed = Query("SELECT return_id, amount_fen, status FROM payment_returns "
                    "WHERE payment_id = $1",
                    started->payment->payment_id);
  ASSERT_EQ(owed.size(), 1u);
  const std::string return_id = owed[0].Text(0);
  EXPECT_EQ(owed[0].Int(1), started->payment->amount.fen());
  EXPECT_EQ(owed[0].Text(2), "pending");
  EXPECT_FALSE(sandbox_->RefundStatus(return_id));

  // The sweep asks again (only what has waited long enough), and the notification settles it.
  auto young = sales_->RetryProviderRefunds(std::chrono::seconds(60));
  ASSERT_TRUE(young) << young.error().ToString();
  EXPECT_EQ(*young, 0);
  clock_.Advance(std::chrono::seconds(61));
  auto asked = sales_->RetryProviderRefunds(std::chrono::seconds(60));
  ASSERT_TRUE(asked) << asked.error().ToString();
  EXPECT_EQ(*asked, 1);
  std::string status;
  for (int i = 0; i < 500 && status != "done"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    status = Query("SELECT status FROM payment_returns WHERE return_id = $1", return_id)[0].Text(0);
  }
  EXPECT_EQ(status, "done");
  EXPECT_EQ(*sandbox_->RefundStatus(return_id), "refunded");
  auto nothing_left = sales_->RetryProviderRefunds(std::chrono::seconds(0));
  ASSERT_TRUE(nothing_left);
  EXPECT_EQ(*nothing_left, 0);
}

TEST_P(PaymentTest, ATicketRefundTheProviderMissedIsAskedAgainByTheSweep) {
  Order order = Held(10, "o10");
  auto started = sales_->StartPayment(order.order_id, "sandbox", "p10");
  ASSERT_TRUE(started);
  ASSERT_TRUE(sandbox_->Approve(started->payment->payment_id));
  Order issued = AwaitNotHeld(order.order_id);
  ASSERT_EQ(issued.status, OrderStatus::kIssued);
  sandbox_->FailNextRefunds(1);
  auto refunded = sales_->Refund(RefundRequest{.ticket_number = issued.tickets[0].ticket_number,
                                               .idempotency_key = "r10",
                                               .channel = Channel::kMobile,
                                               .staff = {},
                                               .access_token = sales_->OrderAccessToken(order.order_id),
                                               .cause = core::RefundCause::kPassenger});
  ASSERT_TRUE(refunded) << refunded.error().ToString();
  EXPECT_EQ(refunded->ticket.status, "pending");
  EXPECT_FALSE(sandbox_->RefundStatus(refunded->ticket.refund_id));
  auto asked = sales_->RetryProviderRefunds(std::chrono::seconds(0));
  ASSERT_TRUE(asked) << asked.error().ToString();
  EXPECT_EQ(*asked, 1);
  std::string status;
  for (int i = 0; i < 500 && status != "done"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    status = Query("SELECT status FROM refunds WHERE refund_id = $1",
                   refunded->ticket.refund_id)[0].Text(0);
  }
  EXPECT_EQ(status, "done");
  EXPECT_EQ(*sandbox_->RefundStatus(refunded->ticket.refund_id), "refunded");
}

TEST_P(PaymentTest, ThePaymentClosesWhenTheHoldEnds) {
  Order order = Held(7, "o7");
  auto started = sales_->StartPayment(order.order_id, "sandbox", "p7");
  ASSERT_TRUE(started);
  clock_.Advance(sales_->policy().hold);
  auto late = sandbox_->Approve(started->payment->payment_id);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(*sandbox_->Status(started->payment->payment_id), "closed");
  auto restart = sales_->StartPayment(order.order_id, "sandbox", "p7-again");
  ASSERT_FALSE(restart) << "the order's hold is over";
  EXPECT_EQ(restart.error().code, ErrorCode::kFailedPrecondition);
}

TEST_P(PaymentTest, CashAtTheWindowIsSynchronousAndSandboxIsNot) {
  Order order = Held(8, "o8");
  auto sandbox = sales_->Pay(order.order_id, PaymentMethod::kSandbox);
  ASSERT_FALSE(sandbox);
  EXPECT_EQ(sandbox.error().code, ErrorCode::kInvalidArgument);
  auto cash = sales_->Pay(order.order_id, PaymentMethod::kCash);
  ASSERT_TRUE(cash) << cash.error().ToString();
  EXPECT_EQ(cash->status, OrderStatus::kIssued);
  auto after = sales_->StartPayment(order.order_id, "sandbox", "p8");
  ASSERT_TRUE(after);
  EXPECT_FALSE(after->payment) << "an issued order needs no payment";
}

TEST_P(PaymentTest, AnOnlineOrderIsRefundedThroughTheProviderOnce) {
  Order order = Held(9, "o9");
  auto started = sales_->StartPayment(order.order_id, "sandbox", "p9");
  ASSERT_TRUE(started);
  ASSERT_TRUE(sandbox_->Approve(started->payment->payment_id));
  Order issued = AwaitNotHeld(order.order_id);
  ASSERT_EQ(issued.status, OrderStatus::kIssued);

  auto refunded = sales_->Refund(RefundRequest{.ticket_number = issued.tickets[0].ticket_number,
                                               .idempotency_key = "r9",
                                               .channel = Channel::kMobile,
                                               .staff = {},
                                               .access_token = sales_->OrderAccessToken(order.order_id),
                                               .cause = core::RefundCause::kPassenger});
  ASSERT_TRUE(refunded) << refunded.error().ToString();
  EXPECT_EQ(refunded->ticket.money_back, "provider");
  EXPECT_EQ(refunded->ticket.status, "pending") << "until the provider's notification";
  const core::Money paid = issued.tickets[0].fare + issued.tickets[0].station_fee;
  EXPECT_EQ(refunded->ticket.refunded + refunded->ticket.fee, paid);
  EXPECT_GT(refunded->ticket.fee.fen(), 0) << "a day ahead: the 10 % tier";

  // The sandbox posts its signed refund notification; the node marks the refund done.
  std::optional<RefundRecord> done;
  for (int i = 0; i < 500; ++i) {
    auto again = sales_->Refund(RefundRequest{.ticket_number = issued.tickets[0].ticket_number,
                                              .idempotency_key = "r9",
                                              .channel = Channel::kMobile,
                                              .staff = {},
                                              .access_token = sales_->OrderAccessToken(order.order_id),
                                              .cause = core::RefundCause::kPassenger});
    ASSERT_TRUE(again) << again.error().ToString();
    if (again->ticket.status == "done") {
      done = again->ticket;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(done) << "the refund notification never arrived";
  EXPECT_EQ(done->refund_id, refunded->ticket.refund_id);
  ASSERT_TRUE(done->done_at);
  EXPECT_EQ(*sandbox_->RefundStatus(done->refund_id), "refunded");
  std::string body;
  {
    std::lock_guard lock(mu_);
    ASSERT_EQ(refund_bodies_.size(), 1u);
    body = refund_bodies_.back();
  }
  EXPECT_NE(body.find("notify_type=refund"), std::string::npos) << body;

  // Repeats are acknowledged and change nothing.
  for (int i = 0; i < 3; ++i) {
    auto repeat = sales_->ApplyRefundNotification("sandbox", body);
    ASSERT_TRUE(repeat) << repeat.error().ToString();
    EXPECT_FALSE(repeat->applied);
    EXPECT_EQ(repeat->refund.status, "done");
  }
  // Forged: altered after signing, or another refund number genuinely signed.
  std::string amount = "amount_fen=" + std::to_string(done->refunded.fen());
  std::string altered = body;
  altered.replace(altered.find(amount), amount.size(),
                  "amount_fen=" + std::to_string(done->refunded.fen() + 100));
  auto forged = sales_->ApplyRefundNotification("sandbox", altered);
  ASSERT_FALSE(forged);
  EXPECT_EQ(forged.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(forged.error().message.find("signature"), std::string::npos);
  SandboxPaymentProvider stranger(clock_);
  std::map<std::string, std::string> fields = {
      {"notify_type", "refund"},      {"notify_id", "N-x"},
      {"refund_id", done->refund_id}, {"payment_id", started->payment->payment_id},
      {"amount_fen", std::to_string(done->refunded.fen())},
      {"refund_no", "SBR-OTHER"},     {"refund_status", "REFUND_SUCCESS"},
      {"refunded_at", clock_.Now().ToIso8601()}};
  auto foreign = sales_->ApplyRefundNotification("sandbox", stranger.SignedBody(fields));
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code, ErrorCode::kFailedPrecondition);
  auto other_no = sales_->ApplyRefundNotification("sandbox", sandbox_->SignedBody(fields));
  ASSERT_FALSE(other_no);
  EXPECT_EQ(other_no.error().code, ErrorCode::kFailedPrecondition);
  // A payment notification is not a refund's, nor the other way round.
  auto crossed = sales_->ApplyPaymentNotification("sandbox", body);
  ASSERT_FALSE(crossed);
  // The provider refuses to pay back more than was paid.
  auto greedy = sandbox_->Refund(RefundOrder{.refund_id = "R-extra",
                                             .payment_id = started->payment->payment_id,
                                             .amount = paid,
                                             .reason = "test"});
  ASSERT_FALSE(greedy);
  EXPECT_EQ(greedy.error().code, ErrorCode::kFailedPrecondition);
}

INSTANTIATE_TEST_SUITE_P(Engines, PaymentTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& info) { return testing::TestEngineName(info.param); });

}  // namespace
}  // namespace keyun::sales
