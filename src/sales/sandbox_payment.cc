#include "sales/sandbox_payment.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <random>

namespace keyun::sales {
namespace {

constexpr std::string_view kSignType = "ED25519";
constexpr std::uint64_t kInstanceIdMask = (std::uint64_t{1} << 48) - 1;

// 48 random bits: two lives of a node draw the same with odds of about n²/2^49 after n
// restarts, which is never in practice (and needs no storage, so kill -9 cannot undo it).
std::uint64_t RandomInstanceId() {
  std::random_device device;
  return (std::uint64_t{device()} << 32 | device()) & kInstanceIdMask;
}

std::string PercentEncode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::optional<std::string> PercentDecode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%') {
      unsigned value = 0;
      if (i + 2 >= text.size()) return std::nullopt;  // needs two hex digits
      auto [end, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
      if (ec != std::errc() || end != text.data() + i + 3) return std::nullopt;
      out += static_cast<char>(value);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// The text that is signed: every field but sign and sign_type, sorted by name, "k=v" joined
// by '&' with the values as sent (percent-encoded).
std::string SigningText(const std::map<std::string, std::string>& fields) {
  std::string text;
  for (const auto& [name, value] : fields) {
    if (name == "sign" || name == "sign_type") continue;
    if (!text.empty()) text += '&';
    text += name + '=' + PercentEncode(value);
  }
  return text;
}

}  // namespace

SandboxPaymentProvider::SandboxPaymentProvider(const core::Clock& clock)
    : SandboxPaymentProvider(clock, Options{}) {}

SandboxPaymentProvider::SandboxPaymentProvider(const core::Clock& clock, Options options)
    : clock_(clock),
      options_(options),
      key_(core::SigningKey::Generate()),
      instance_id_(options.instance_id.value_or(RandomInstanceId()) & kInstanceIdMask),
      notifier_([this](std::stop_token stop) { NotifierLoop(std::move(stop)); }) {}

SandboxPaymentProvider::~SandboxPaymentProvider() {
  notifier_.request_stop();
  wake_.notify_all();
}

void SandboxPaymentProvider::SetDelivery(Delivery delivery) {
  {
    std::lock_guard lock(mu_);
    delivery_ = std::move(delivery);
  }
  wake_.notify_all();
}

void SandboxPaymentProvider::SetRefundDelivery(Delivery delivery) {
  {
    std::lock_guard lock(mu_);
    refund_delivery_ = std::move(delivery);
  }
  wake_.notify_all();
}

Result<void> SandboxPaymentProvider::Create(const PaymentRequest& request) {
  if (request.payment_id.empty() || request.amount.fen() <= 0) {
    return InvalidArgument("a sandbox payment needs an id and an amount above zero");
  }
  std::lock_guard lock(mu_);
  auto [it, inserted] = payments_.try_emplace(request.payment_id, Payment{.request = request, .state = "pending", .trade_no = {}, .notify_id = {}, .paid_at = {}, .refunded = {}});
  if (!inserted && (it->second.request.amount != request.amount ||
                    it->second.request.order_id != request.order_id)) {
    return InvalidArgument("payment " + request.payment_id + " exists with other terms");
  }
  return {};
}

Result<void> SandboxPaymentProvider::Approve(const std::string& payment_id) {
  core::Instant now = clock_.Now();
  {
    std::lock_guard lock(mu_);
    auto it = payments_.find(payment_id);
    if (it == payments_.end()) return NotFound("the sandbox has no payment " + payment_id);
    Payment& payment = it->second;
    if (payment.StateAt(now) == "closed") {
      return FailedPrecondition("payment " + payment_id + " closed at " +
                                payment.request.expires_at.ToIso8601() +
                                " when the order's hold ended; start a new order");
    }
    if (payment.state != "pending") {
      return FailedPrecondition("payment " + payment_id + " was approved already");
    }
    payment.state = "approved";
    payment.trade_no = NextNumber("SBX", now);
    payment.notify_id = "N" + payment.trade_no;
    payment.paid_at = now;
    outgoing_.push_back({std::chrono::steady_clock::now() + options_.delay, payment_id, 0});
  }
  wake_.notify_all();
  return {};
}

std::string SandboxPaymentProvider::NextNumber(std::string_view kind, core::Instant now) {
  return fmt::format("{}{}{:012X}{:08d}", kind, now.ShanghaiDate().Compact(), instance_id_,
                     next_trade_++);
}

Result<std::string> SandboxPaymentProvider::Status(const std::string& payment_id) const {
  std::lock_guard lock(mu_);
  auto it = payments_.find(payment_id);
  if (it == payments_.end()) return NotFound("the sandbox has no payment " + payment_id);
  return std::string(it->second.StateAt(clock_.Now()));
}

std::string SandboxPaymentProvider::SignedBody(std::map<std::string, std::string> fields) const {
  fields["sign_type"] = std::string(kSignType);
  fields["sign"] = key_.SignHex(SigningText(fields));
  std::string body;
  for (const auto& [name, value] : fields) {
    if (!body.empty()) body += '&';
    body += name + '=' + PercentEncode(value);
  }
  return body;
}

Result<std::map<std::string, std::string>> SandboxPaymentProvider::VerifiedFields(
    std::string_view body, std::initializer_list<std::string_view> required) const {
  std::map<std::string, std::string> fields;
  std::size_t start = 0;
  while (start < body.size()) {
    std::size_t end = body.find('&', start);
    if (end == std::string_view::npos) end = body.size();
    std::string_view pair = body.substr(start, end - start);
    std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos) {
      return InvalidArgument("the notification is not a form body (field without '=')");
    }
    auto name = PercentDecode(pair.substr(0, eq));
    auto value = PercentDecode(pair.substr(eq + 1));
    if (!name || !value) return InvalidArgument("the notification has bad percent-encoding");
    if (!fields.emplace(*name, *value).second) {
      return InvalidArgument("the notification repeats the field " + *name);
    }
    start = end + 1;
  }
  for (std::string_view name : required) {
    if (!fields.contains(std::string(name))) {
      return InvalidArgument("the notification has no " + std::string(name));
    }
  }
  for (std::string_view name : {"sign", "sign_type"}) {
    if (!fields.contains(std::string(name))) {
      return InvalidArgument("the notification has no " + std::string(name));
    }
  }
  if (fields["sign_type"] != kSignType) {
    return InvalidArgument("the notification's sign_type is " + fields["sign_type"] +
                           ", not " + std::string(kSignType));
  }
  if (auto ok = core::VerifySignatureHex(key_.PublicKeyHex(), SigningText(fields), fields["sign"]);
      !ok) {
    return FailedPrecondition("the notification's signature is not the sandbox's: " +
                              ok.error().message);
  }
  return fields;
}

namespace {

Result<core::Money> FenField(const std::string& amount) {
  std::int64_t fen = 0;
  auto [end, ec] = std::from_chars(amount.data(), amount.data() + amount.size(), fen);
  if (ec != std::errc() || end != amount.data() + amount.size() || fen < 0) {
    return InvalidArgument("the notification's amount_fen is not a whole number of fen");
  }
  return core::Money::Fen(fen);
}

}  // namespace

Result<PaymentNotice> SandboxPaymentProvider::VerifyNotification(std::string_view body) const {
  auto fields = VerifiedFields(body, {"notify_id", "payment_id", "order_id", "amount_fen",
                                      "trade_no", "trade_status", "paid_at"});
  if (!fields) return Propagate(fields);
  if (fields->contains("notify_type") && (*fields)["notify_type"] != "trade") {
    return InvalidArgument("this is a " + (*fields)["notify_type"] +
                           " notification, not a payment's");
  }
  auto amount = FenField((*fields)["amount_fen"]);
  if (!amount) return Propagate(amount);
  auto paid_at = core::Instant::ParseIso8601((*fields)["paid_at"]);
  if (!paid_at) return InvalidArgument("the notification's paid_at is not an ISO 8601 time");
  return PaymentNotice{.notify_id = (*fields)["notify_id"],
                       .payment_id = (*fields)["payment_id"],
                       .order_id = (*fields)["order_id"],
                       .amount = *amount,
                       .trade_no = (*fields)["trade_no"],
                       .success = (*fields)["trade_status"] == "TRADE_SUCCESS",
                       .paid_at = *paid_at};
}

Result<RefundNotice> SandboxPaymentProvider::VerifyRefundNotification(std::string_view body) const {
  auto fields = VerifiedFields(body, {"notify_type", "notify_id", "refund_id", "payment_id",
                                      "amount_fen", "refund_no", "refund_status", "refunded_at"});
  if (!fields) return Propagate(fields);
  if ((*fields)["notify_type"] != "refund") {
    return InvalidArgument("this is a " + (*fields)["notify_type"] +
                           " notification, not a refund's");
  }
  auto amount = FenField((*fields)["amount_fen"]);
  if (!amount) return Propagate(amount);
  auto at = core::Instant::ParseIso8601((*fields)["refunded_at"]);
  if (!at) return InvalidArgument("the notification's refunded_at is not an ISO 8601 time");
  return RefundNotice{.notify_id = (*fields)["notify_id"],
                      .refund_id = (*fields)["refund_id"],
                      .payment_id = (*fields)["payment_id"],
                      .amount = *amount,
                      .refund_no = (*fields)["refund_no"],
                      .success = (*fields)["refund_status"] == "REFUND_SUCCESS",
                      .refunded_at = *at};
}

void SandboxPaymentProvider::FailNextRefunds(int requests) {
  std::lock_guard lock(mu_);
  refunds_to_fail_ = requests;
}

Result<void> SandboxPaymentProvider::Refund(const RefundOrder& order) {
  if (order.refund_id.empty() || order.amount.fen() <= 0) {
    return InvalidArgument("a sandbox refund needs an id and an amount above zero");
  }
  core::Instant now = clock_.Now();
  {
    std::lock_guard lock(mu_);
    if (refunds_to_fail_ > 0) {
      --refunds_to_fail_;
      return Unavailable("the sandbox provider cannot be reached (a simulated outage); retry");
    }
    if (auto seen = refunds_.find(order.refund_id); seen != refunds_.end()) {
      if (seen->second.order.payment_id != order.payment_id ||
          seen->second.order.amount != order.amount) {
        return InvalidArgument("refund " + order.refund_id + " exists with other terms");
      }
      return {};  // asked again: it is under way or done
    }
    auto it = payments_.find(order.payment_id);
    if (it == payments_.end()) return NotFound("the sandbox has no payment " + order.payment_id);
    Payment& payment = it->second;
    if (payment.state == "pending") {
      return FailedPrecondition("payment " + order.payment_id + " was never paid");
    }
    if (payment.refunded + order.amount > payment.request.amount) {
      return FailedPrecondition("payment " + order.payment_id + " has " +
                                (payment.request.amount - payment.refunded).ToString() +
                                " left to refund, not " + order.amount.ToString());
    }
    payment.refunded = payment.refunded + order.amount;
    std::string refund_no = NextNumber("SBR", now);
    refunds_.emplace(order.refund_id, Refunded{.order = order,
                                               .refund_no = refund_no,
                                               .notify_id = "N" + refund_no,
                                               .refunded_at = now,
                                               .notified = false});
    outgoing_.push_back(Outgoing{.due = std::chrono::steady_clock::now() + options_.delay,
                                 .payment_id = order.payment_id,
                                 .attempt = 0,
                                 .refund_id = order.refund_id});
  }
  wake_.notify_all();
  return {};
}

Result<std::string> SandboxPaymentProvider::RefundStatus(const std::string& refund_id) const {
  std::lock_guard lock(mu_);
  auto it = refunds_.find(refund_id);
  if (it == refunds_.end()) return NotFound("the sandbox has no refund " + refund_id);
  return std::string(it->second.notified ? "refunded" : "refunding");
}

int SandboxPaymentProvider::attempts() const {
  std::lock_guard lock(mu_);
  return attempts_;
}

int SandboxPaymentProvider::delivered() const {
  std::lock_guard lock(mu_);
  return delivered_;
}

void SandboxPaymentProvider::NotifierLoop(std::stop_token stop) {
  std::unique_lock lock(mu_);
  while (!stop.stop_requested()) {
    auto now = std::chrono::steady_clock::now();
    auto due = std::find_if(outgoing_.begin(), outgoing_.end(), [&](const Outgoing& o) {
      return o.due <= now && Deliverable(o);
    });
    if (due == outgoing_.end()) {
      std::optional<std::chrono::steady_clock::time_point> next;
      for (const Outgoing& o : outgoing_) {
        if (Deliverable(o) && (!next || o.due < *next)) next = o.due;
      }
      if (!next) {
        wake_.wait(lock, stop, [&] {
          return std::any_of(outgoing_.begin(), outgoing_.end(),
                             [&](const Outgoing& o) { return Deliverable(o); });
        });
      } else {
        // A copy: Approve may grow outgoing_ (and move its elements) while we wait.
        const std::chrono::steady_clock::time_point wake_at = *next;
        wake_.wait_until(lock, stop, wake_at, [] { return false; });
      }
      continue;
    }
    Outgoing job = *due;
    outgoing_.erase(due);
    std::string body;
    Delivery delivery;
    if (job.refund_id.empty()) {
      const Payment& payment = payments_.at(job.payment_id);
      body = SignedBody({{"notify_id", payment.notify_id},
                         {"payment_id", job.payment_id},
                         {"order_id", payment.request.order_id},
                         {"amount_fen", std::to_string(payment.request.amount.fen())},
                         {"trade_no", payment.trade_no},
                         {"trade_status", "TRADE_SUCCESS"},
                         {"paid_at", payment.paid_at.ToIso8601()}});
      delivery = delivery_;
    } else {
      const Refunded& refund = refunds_.at(job.refund_id);
      body = SignedBody({{"notify_type", "refund"},
                         {"notify_id", refund.notify_id},
                         {"refund_id", job.refund_id},
                         {"payment_id", refund.order.payment_id},
                         {"amount_fen", std::to_string(refund.order.amount.fen())},
                         {"refund_no", refund.refund_no},
                         {"refund_status", "REFUND_SUCCESS"},
                         {"refunded_at", refund.refunded_at.ToIso8601()}});
      delivery = refund_delivery_;
    }
    ++attempts_;
    lock.unlock();
    Result<void> sent = delivery(body);
    lock.lock();
    if (sent) {
      ++delivered_;
      if (job.refund_id.empty()) {
        payments_.at(job.payment_id).state = "notified";
      } else {
        refunds_.at(job.refund_id).notified = true;
      }
    } else if (spdlog::warn("sandbox: notifying {} {} failed (attempt {}): {}",
                            job.refund_id.empty() ? "payment" : "refund",
                            job.refund_id.empty() ? job.payment_id : job.refund_id,
                            job.attempt + 1, sent.error().message);
               ++job.attempt < options_.max_attempts) {
      job.due = std::chrono::steady_clock::now() + options_.backoff * (1 << (job.attempt - 1));
      outgoing_.push_back(job);
    }
  }
}

}  // namespace keyun::sales
