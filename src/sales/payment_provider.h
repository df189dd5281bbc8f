// Payment providers (支付渠道): how a passenger's money is collected for an order online.
//
// The flow is the one real wallets use. The node registers a payment with the provider
// (Create); the passenger approves it in the provider's app; later the provider tells the node
// the outcome in a signed notification posted to the node (POST /api/v1/payments/{provider}/
// notify). The node verifies the signature (VerifyNotification), checks order and amount
// against its own record and applies it once (SalesService::ApplyPaymentNotification).
// Providers retry a notification until the node acknowledges it, so the same notification may
// arrive many times and in parallel: applying it twice must change nothing.
//
// Cash and card at a window need no provider: the clerk takes the money (SalesService::Pay).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/money.h"
#include "core/result.h"
#include "core/time.h"

namespace keyun::sales {

// A payment the node asks a provider to collect.
struct PaymentRequest {
  std::string payment_id;  // the node's id, unique (the provider's out_trade_no)
  std::string order_id;
  core::Money amount;
  core::Instant expires_at;  // the provider closes the payment then (the order's hold ends)
  std::string subject;       // shown in the passenger's wallet, e.g. "济南—泰安 汽车票 ×2"
};

// What a verified notification says.
struct PaymentNotice {
  std::string notify_id;  // the provider's id of this notification
  std::string payment_id;
  std::string order_id;
  core::Money amount;
  std::string trade_no;  // the provider's transaction id (unique per payment)
  bool success = false;  // TRADE_SUCCESS; false for a closed/failed trade
  core::Instant paid_at;
};

// Money the node asks a provider to give back from a payment it collected (a refund, 退票):
// part of it, per ticket. Like the payment, the outcome comes later in a signed notification
// posted to the node (POST /api/v1/payments/{provider}/refund-notify).
struct RefundOrder {
  std::string refund_id;   // the node's id, unique (the provider's out_request_no)
  std::string payment_id;  // the payment to refund from (its out_trade_no)
  core::Money amount;      // > 0; all refunds of a payment together never exceed it
  std::string reason;      // shown in the passenger's wallet, e.g. "refund of ticket …"
};

// What a verified refund notification says.
struct RefundNotice {
  std::string notify_id;
  std::string refund_id;
  std::string payment_id;
  core::Money amount;
  std::string refund_no;  // the provider's refund transaction id (unique)
  bool success = false;   // REFUND_SUCCESS
  core::Instant refunded_at;
};

class PaymentProvider {
 public:
  virtual ~PaymentProvider() = default;

  // The provider's key ("sandbox"), as in the notify path and orders' payment_method.
  [[nodiscard]] virtual std::string_view name() const = 0;

  // Registers a payment. The passenger approves it in the provider's app afterwards.
  // Errors: kUnavailable (the provider cannot be reached: retry), kInvalidArgument.
  [[nodiscard]] virtual Result<void> Create(const PaymentRequest& request) = 0;

  // Checks that `body` (exactly as posted) was signed by the provider and returns what it
  // says. kInvalidArgument for a malformed body; kFailedPrecondition for a bad signature.
  // Says nothing about whether the notice matches an order: the caller checks that.
  [[nodiscard]] virtual Result<PaymentNotice> VerifyNotification(std::string_view body) const = 0;

  // Asks for `order.amount` of a collected payment back to the passenger. Idempotent on
  // refund_id (asking again with the same terms is a no-op). kNotFound (no such payment),
  // kFailedPrecondition (not paid, or more than is left to refund), kUnavailable (retry).
  [[nodiscard]] virtual Result<void> Refund(const RefundOrder& order) = 0;

  // Checks that a refund notification `body` was signed by the provider and returns what it
  // says; errors as VerifyNotification's.
  [[nodiscard]] virtual Result<RefundNotice> VerifyRefundNotification(
      std::string_view body) const = 0;
};

}  // namespace keyun::sales
