// Online payment through providers (payment_provider.h): starting a payment and applying the
// provider's signed notification exactly once.
#include <spdlog/spdlog.h>


#include "sales/sales_service.h"
#include "sales/internal/record_id.h"

namespace keyun::sales {
namespace {

using store::Value;

SalesService::Payment PaymentFrom(const store::Row& row) {
  return {.payment_id = row.Text(0),
          .provider = row.Text(1),
          .status = row.Text(2),
          .amount = core::Money::Fen(row.Int(3))};
}

constexpr const char* kPaymentColumns = "payment_id, provider, status, amount_fen";

// What the passenger's wallet shows for the payment: the run and the number of tickets, no
// personal data.
std::string Subject(const Order& order) {
  return "keyun " + order.run_id + " x" + std::to_string(order.tickets.size());
}

}  // namespace

void SalesService::AddPaymentProvider(PaymentProvider& provider) {
  providers_[std::string(provider.name())] = &provider;
}

Result<SalesService::PaymentStart> SalesService::StartPayment(const std::string& order_id,
                                                              std::string_view provider_name,
                                                              const std::string& key) {
  auto provider = providers_.find(provider_name);
  if (provider == providers_.end()) {
    return NotFound("no payment provider '" + std::string(provider_name) +
                        "' is configured on this node",
                    "method");
  }
  if (key.empty() || key.size() > 100) {
    return InvalidArgument(
        "send an Idempotency-Key of 1 to 100 characters so a retried payment request cannot "
        "start a second payment",
        "idempotency_key");
  }
  core::Instant now = clock_.Now();
  bool created = false;
  auto started = store_.Transact<PaymentStart>([&](store::Transaction& tx) -> Result<PaymentStart> {
    created = false;
    auto by_key = tx.Query(std::string("SELECT order_id FROM payments WHERE idempotency_key = $1"),
                           {Value{key}});
    if (!by_key) return Propagate(by_key);
    if (!by_key->empty() && by_key->at(0).Text(0) != order_id) {
      return AlreadyExists("this Idempotency-Key started a payment for another order; use a new key",
                           "idempotency_key");
    }
    auto order = ReadOrder(tx, order_id);
    if (!order) return Propagate(order);
    if (order->status == OrderStatus::kIssued) return PaymentStart{*order, std::nullopt};
    if (auto payable = CheckPayable(*order, now); !payable) return Propagate(payable);
    auto pending = tx.Query(std::string("SELECT ") + kPaymentColumns +
                                " FROM payments WHERE order_id = $1 AND status = 'pending'",
                            {Value{order_id}});
    if (!pending) return Propagate(pending);
    if (!pending->empty()) return PaymentStart{*order, PaymentFrom(pending->at(0))};
    Payment payment{.payment_id = internal::NewRecordId('P', now),
                    .provider = std::string(provider_name),
                    .status = "pending",
                    .amount = order->amount};
    auto inserted = tx.Execute(
        "INSERT INTO payments (payment_id, order_id, provider, amount_fen, status, "
        "idempotency_key, created_at) VALUES ($1, $2, $3, $4, 'pending', $5, $6)",
        {Value{payment.payment_id}, Value{order_id}, Value{payment.provider},
         Value{payment.amount.fen()}, Value{key}, Value{now.unix_micros()}});
    if (!inserted) return Propagate(inserted);
    created = true;
    return PaymentStart{*order, payment};
  });
  if (!started) return started;
  if (started->payment) {
    // Registering again after a crash or a lost answer is harmless: Create is idempotent.
    auto registered = provider->second->Create(PaymentRequest{.payment_id = started->payment->payment_id,
                                                              .order_id = order_id,
                                                              .amount = started->payment->amount,
                                                              .expires_at = started->order.expires_at,
                                                              .subject = Subject(started->order)});
    if (!registered) {
      if (created) {
        (void)store_.Transact<std::int64_t>([&](store::Transaction& tx) {
          return tx.Execute("UPDATE payments SET status = 'failed' WHERE payment_id = $1 AND "
                            "status = 'pending'",
                            {Value{started->payment->payment_id}});
        });
      }
      return tl::unexpected(registered.error());
    }
  }
  return started;
}

Result<SalesService::NotificationOutcome> SalesService::ApplyPaymentNotification(
    std::string_view provider_name, std::string_view body) {
  auto provider = providers_.find(provider_name);
  if (provider == providers_.end()) {
    return NotFound("no payment provider '" + std::string(provider_name) + "' on this node");
  }
  auto notice = provider->second->VerifyNotification(body);
  if (!notice) {
    spdlog::warn("payments: refused a {} notification: {}", provider_name, notice.error().message);
    return tl::unexpected(notice.error());
  }
  core::Instant now = clock_.Now();
  std::optional<HeldChangeOutcome> held_change;  // the order was a held change (changes.cc)
  auto outcome = store_.Transact<NotificationOutcome>(
      [&](store::Transaction& tx) -> Result<NotificationOutcome> {
        held_change.reset();
        auto row = tx.Query(std::string("SELECT ") + kPaymentColumns +
                                ", order_id, trade_no FROM payments WHERE payment_id = $1",
                            {Value{notice->payment_id}});
        if (!row) return Propagate(row);
        if (row->empty()) return NotFound("no payment " + notice->payment_id);
        Payment payment = PaymentFrom(row->at(0));
        if (payment.provider != provider_name) {
          return FailedPrecondition("payment " + payment.payment_id + " belongs to " +
                                    payment.provider + ", not " + std::string(provider_name));
        }
        if (row->at(0).Text(4) != notice->order_id) {
          return FailedPrecondition("the notification names order " + notice->order_id +
                                    " but payment " + payment.payment_id + " is for another order");
        }
        if (notice->amount != payment.amount) {
          return FailedPrecondition("the notification says " + notice->amount.ToString() +
                                    " but payment " + payment.payment_id + " is for " +
                                    payment.amount.ToString());
        }
        auto order = ReadOrder(tx, notice->order_id);
        if (!order) return Propagate(order);
        auto counted = tx.Execute(
            "UPDATE payments SET notifications = notifications + 1 WHERE payment_id = $1",
            {Value{payment.payment_id}});
        if (!counted) return Propagate(counted);
        if (payment.status != "pending") {
          std::optional<std::string> trade = row->at(0).OptionalText(5);
          if (trade && *trade != notice->trade_no) {
            return FailedPrecondition("payment " + payment.payment_id +
                                      " was settled by another transaction (" + *trade + ")");
          }
          return NotificationOutcome{*order, payment, false};  // a retry: already applied
        }
        if (!notice->success) {
          payment.status = "failed";
        } else if (order->status == OrderStatus::kHeld) {
          auto change = CompleteHeldChange(tx, *order, payment.payment_id, now);
          if (!change) return Propagate(change);
          if (*change) {
            // A change that could not complete freed its seats: its money is owed back.
            payment.status = (*change)->done ? "paid" : "paid_after_close";
            if (!(*change)->done) {
              order->status = OrderStatus::kCancelled;
              for (Ticket& t : order->tickets) t.status = "released";
            }
            held_change = std::move(*change);
          } else {
            payment.status = "paid";
            if (auto issued = IssueTickets(tx, *order, provider_name, now); !issued) {
              return Propagate(issued);
            }
          }
        } else {
          payment.status = "paid_after_close";  // owed back: the order expired or was cancelled
        }
        auto updated = tx.Execute(
            "UPDATE payments SET status = $1, trade_no = $2, notify_id = $3, notified_at = $4 "
            "WHERE payment_id = $5 AND status = 'pending'",
            {Value{payment.status}, notice->success ? Value{notice->trade_no} : Value{store::kNull},
             Value{notice->notify_id}, Value{now.unix_micros()}, Value{payment.payment_id}});
        if (!updated) return Propagate(updated);
        if (*updated != 1) return Aborted("payment " + payment.payment_id + " changed meanwhile");
        return NotificationOutcome{
            *order, payment, true,
            held_change ? std::optional<ChangeResult>(held_change->change) : std::nullopt};
      });
  if (outcome && held_change) {
    // After the commit, memory follows: the old seats go back (done), or the held ones.
    const bool done = held_change->done;
    const std::vector<Ticket>& gone = done ? held_change->old_tickets : outcome->order.tickets;
    std::vector<std::string> hashes;
    for (const Ticket& t : gone) hashes.push_back(t.id_hash);
    (void)ReleaseInMemory(done ? held_change->old_run_id : outcome->order.run_id, gone, hashes);
    if (held_change->refund) AskProviderToRefund(*held_change->refund);
    if (!done) {
      spdlog::warn("payments: held change {} could not complete ({}); payment {} is owed back",
                   outcome->order.order_id, outcome->change->change.money_status,
                   outcome->payment.payment_id);
    }
  }
  if (outcome && outcome->applied && outcome->payment.status == "paid_after_close" &&
      !held_change) {
    spdlog::warn("payments: {} paid {} for order {} after it was {}; the money is owed back",
                 outcome->payment.payment_id, outcome->payment.amount.ToString(),
                 outcome->order.order_id, OrderStatusKey(outcome->order.status));
  }
  return outcome;
}

}  // namespace keyun::sales
