// The sandbox payment provider (沙箱支付): a stand-in wallet that behaves like a real one, so
// the whole online payment path runs in tests and in the demo without real money.
//
//   SandboxPaymentProvider sandbox(clock);
//   sandbox.SetDelivery([&](const std::string& body) { return PostToNode(body); });
//   sales.AddPaymentProvider(sandbox);
//   // passenger pays: SalesService::StartPayment → sandbox.Create
//   sandbox.Approve(payment_id);   // the passenger confirms in the wallet
//   // …moments later the delivery function posts a signed notification to the node, which
//   // applies it (SalesService::ApplyPaymentNotification) and issues the tickets.
//
// Like a real provider it:
//   - closes a payment at its expiry (an approval after that is refused);
//   - notifies asynchronously, from its own thread, `delay` after approval;
//   - signs every notification (Ed25519 over the sorted fields, Alipay-style form body
//     `amount_fen=…&notify_id=…&…&sign_type=ED25519&sign=<hex>`);
//   - retries a notification until delivery succeeds (the node answered 2xx), with backoff,
//     up to `max_attempts` times;
//   - refunds part or all of a paid payment (Refund, idempotent on the node's refund id, never
//     more than was paid in total) and posts a signed refund notification
//     (`notify_type=refund&refund_id=…&refund_no=…&refund_status=REFUND_SUCCESS&…`) through the
//     refund delivery, to the node's refund-notify path.
// Its payments live in memory: a restarted sandbox has forgotten them (a real provider's do
// not; the node's payments table keeps the node's side, and paying the order again registers
// its pending payment anew, as Create is idempotent).
//
// Trade and refund numbers (`SBX`/`SBR` + Shanghai date + 12 hex digits of instance id + an
// 8-digit sequence) are unique across restarts, kill -9 included, without storing anything:
// every sandbox draws a random 48-bit instance id when it is made (as ID generators give each
// worker its own id), so numbers of two lives of a node never meet, though each life's
// sequence starts at 1. The node's payments table keeps trade_no and provider_refund_no
// UNIQUE, so a number given twice would stop the order being issued.
//
// Thread-safety: every method may be called from any thread. The destructor stops the
// notifier thread (pending notifications are dropped).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <initializer_list>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/signing_key.h"
#include "core/time.h"
#include "sales/payment_provider.h"

namespace keyun::sales {

class SandboxPaymentProvider final : public PaymentProvider {
 public:
  // Sends one notification body to the node; ok once the node acknowledged it (HTTP 2xx).
  using Delivery = std::function<Result<void>(const std::string& body)>;

  struct Options {
    std::chrono::milliseconds delay{20};    // from approval to the first notification
    std::chrono::milliseconds backoff{100};  // doubled after each failed delivery
    int max_attempts = 8;
    // The instance id in every trade and refund number (48 bits used); nullopt = random.
    // Only tests that must show two lives of a sandbox never colliding set it.
    std::optional<std::uint64_t> instance_id = std::nullopt;
  };

  explicit SandboxPaymentProvider(const core::Clock& clock);
  SandboxPaymentProvider(const core::Clock& clock, Options options);
  ~SandboxPaymentProvider() override;

  // Where notifications go. Until set, approved payments wait (and are sent once it is).
  void SetDelivery(Delivery delivery);
  // Where refund notifications go (the node's refund-notify path); they wait likewise.
  void SetRefundDelivery(Delivery delivery);

  [[nodiscard]] std::string_view name() const override { return "sandbox"; }
  [[nodiscard]] Result<void> Create(const PaymentRequest& request) override;
  [[nodiscard]] Result<PaymentNotice> VerifyNotification(std::string_view body) const override;
  [[nodiscard]] Result<void> Refund(const RefundOrder& order) override;
  [[nodiscard]] Result<RefundNotice> VerifyRefundNotification(
      std::string_view body) const override;

  // What the wallet shows for a refund: "refunding" (not yet notified) or "refunded".
  [[nodiscard]] Result<std::string> RefundStatus(const std::string& refund_id) const;

  // The passenger approves the payment in the wallet. kNotFound for an unknown payment;
  // kFailedPrecondition if it closed (expired) or was approved before.
  [[nodiscard]] Result<void> Approve(const std::string& payment_id);

  // What the wallet shows for a payment: "pending", "approved", "notified" or "closed".
  [[nodiscard]] Result<std::string> Status(const std::string& payment_id) const;

  // The provider's public key (hex), as a merchant would download it.
  [[nodiscard]] std::string public_key_hex() const { return key_.PublicKeyHex(); }

  // A notification body with these fields, signed by the sandbox's key. Only for tests that
  // must show the node refusing a genuinely signed but wrong notice (another order's amount).
  [[nodiscard]] std::string SignedBody(std::map<std::string, std::string> fields) const;

  // Simulates an outage for tests: the next `requests` calls to Refund fail with kUnavailable,
  // as a real provider's API does when it cannot be reached.
  void FailNextRefunds(int requests);

  // How many deliveries have been attempted and how many the node acknowledged.
  [[nodiscard]] int attempts() const;
  [[nodiscard]] int delivered() const;

 private:
  struct Payment {
    // The state as the wallet shows it at `now`: a pending payment is closed once its order's
    // hold has ended (derived, never stored).
    std::string_view StateAt(core::Instant now) const {
      return state == "pending" && request.expires_at <= now ? "closed" : std::string_view(state);
    }
    PaymentRequest request;
    std::string state = "pending";  // "pending", "approved", "notified"
    std::string trade_no;
    std::string notify_id;
    core::Instant paid_at;
    core::Money refunded;  // by every refund so far
  };
  struct Refunded {
    RefundOrder order;
    std::string refund_no;
    std::string notify_id;
    core::Instant refunded_at;
    bool notified = false;
  };
  struct Outgoing {
    std::chrono::steady_clock::time_point due;
    std::string payment_id;
    int attempt = 0;
    std::string refund_id = {};  // set: a refund notification
  };
  void NotifierLoop(std::stop_token stop);
  // The next trade (`kind` "SBX") or refund ("SBR") number. Needs mu_.
  std::string NextNumber(std::string_view kind, core::Instant now);
  // Whether `job` can be sent now (its delivery is set). Needs mu_.
  bool Deliverable(const Outgoing& job) const {
    return job.refund_id.empty() ? static_cast<bool>(delivery_)
                                 : static_cast<bool>(refund_delivery_);
  }
  // The fields of a form body signed by this sandbox, with every `required` one present.
  Result<std::map<std::string, std::string>> VerifiedFields(
      std::string_view body, std::initializer_list<std::string_view> required) const;

  const core::Clock& clock_;  // constant after construction
  const Options options_;     // constant after construction
  const core::SigningKey key_;
  const std::uint64_t instance_id_;  // constant after construction; see the header comment

  mutable std::mutex mu_;
  std::condition_variable_any wake_;
  int refunds_to_fail_ = 0;                  // guarded by mu_
  Delivery delivery_;                        // guarded by mu_
  Delivery refund_delivery_;                 // guarded by mu_
  std::map<std::string, Refunded> refunds_;  // guarded by mu_; by the node's refund id
  std::map<std::string, Payment> payments_;  // guarded by mu_
  std::vector<Outgoing> outgoing_;           // guarded by mu_
  std::uint64_t next_trade_ = 1;             // guarded by mu_
  int attempts_ = 0, delivered_ = 0;         // guarded by mu_
  std::jthread notifier_;                    // last: stops before the members above go
};

}  // namespace keyun::sales
