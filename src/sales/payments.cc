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
  std::optional<std::string> returned;           // money for a closed order, going back
  auto outcome = store_.Transact<NotificationOutcome>(
      [&](store::Transaction& tx) -> Result<NotificationOutcome> {
        held_change.reset();
        returned.reset();
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
        if (payment.status == "paid_after_close") {
          std::string why =
              held_change ? "the change it paid for could not complete"
                          : "order " + order->order_id + " was " +
                                std::string(OrderStatusKey(order->status)) + " when it arrived";
          auto back = WritePaymentReturn(tx, payment, why, now);
          if (!back) return Propagate(back);
          returned = *back;
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
      spdlog::warn("payments: held change {} could not complete; payment {} goes back",
                   outcome->order.order_id, outcome->payment.payment_id);
    }
  }
  if (outcome && returned) {
    spdlog::warn("payments: {} paid {} for order {} after it closed; returning it as {}",
                 outcome->payment.payment_id, outcome->payment.amount.ToString(),
                 outcome->order.order_id, *returned);
    AskProviderToReturn(*returned);
  }
  return outcome;
}

Result<std::string> SalesService::WritePaymentReturn(store::Transaction& tx,
                                                    const Payment& payment,
                                                    const std::string& reason,
                                                    core::Instant now) {
  std::string return_id = internal::NewRecordId('R', now);
  auto inserted = tx.Execute(
      "INSERT INTO payment_returns (return_id, payment_id, provider, amount_fen, reason, status, "
      "at) VALUES ($1, $2, $3, $4, $5, 'pending', $6)",
      {Value{return_id}, Value{payment.payment_id}, Value{payment.provider},
       Value{payment.amount.fen()}, Value{reason}, Value{now.unix_micros()}});
  if (!inserted) return Propagate(inserted);
  return return_id;
}

void SalesService::AskProviderToReturn(const std::string& return_id) {
  auto row = store_.Transact<store::Row>(
      [&](store::Transaction& tx) {
        return tx.QueryOne(
            "SELECT payment_id, provider, amount_fen, reason FROM payment_returns "
            "WHERE return_id = $1",
            {Value{return_id}});
      },
      {.read_only = true});
  if (!row) {
    spdlog::error("payments: reading return {}: {}", return_id, row.error().message);
    return;
  }
  auto provider = providers_.find(row->Text(1));
  if (provider == providers_.end()) {
    spdlog::error("payments: return {} is owed through provider {}, which is not configured",
                  return_id, row->Text(1));
    return;
  }
  auto asked = provider->second->Refund(RefundOrder{.refund_id = return_id,
                                                    .payment_id = row->Text(0),
                                                    .amount = core::Money::Fen(row->Int(2)),
                                                    .reason = "keyun: " + row->Text(3)});
  if (!asked) {
    spdlog::warn("payments: provider {} refused return {} for now ({}); the sweep asks again",
                 row->Text(1), return_id, asked.error().message);
  }
}

Result<SalesService::RefundNotificationOutcome> SalesService::ApplyReturnNotification(
    store::Transaction& tx, const RefundNotice& notice, std::string_view provider,
    core::Instant now) {
  auto rows = tx.Query(
      "SELECT r.payment_id, r.provider, r.amount_fen, r.status, r.provider_refund_no, r.reason, "
      "r.at, r.done_at, p.order_id FROM payment_returns r JOIN payments p ON p.payment_id = "
      "r.payment_id WHERE r.return_id = $1",
      {Value{notice.refund_id}});
  if (!rows) return Propagate(rows);
  if (rows->empty()) return NotFound("no refund " + notice.refund_id);
  const store::Row& r = rows->at(0);
  if (r.Text(1) != provider || r.Text(0) != notice.payment_id) {
    return FailedPrecondition("return " + notice.refund_id + " is not from payment " +
                              notice.payment_id + " of " + std::string(provider));
  }
  if (r.Int(2) != notice.amount.fen()) {
    return FailedPrecondition("the notification says " + notice.amount.ToString() +
                              " but return " + notice.refund_id + " is for " +
                              core::Money::Fen(r.Int(2)).ToString());
  }
  RefundRecord record{.refund_id = notice.refund_id,
                      .ticket_number = {},
                      .order_id = r.Text(8),
                      .fare = notice.amount,
                      .fee = {},
                      .refunded = notice.amount,
                      .cause = core::RefundCause::kPassenger,
                      .rule = r.Text(5),
                      .money_back = "provider",
                      .status = r.Text(3),
                      .at = core::Instant::FromUnixMicros(r.Int(6)),
                      .done_at = r.IsNull(7) ? std::nullopt
                                             : std::optional<core::Instant>(
                                                   core::Instant::FromUnixMicros(r.Int(7)))};
  if (record.status == "done") {
    if (r.OptionalText(4) != notice.refund_no) {
      return FailedPrecondition("return " + notice.refund_id +
                                " was completed by another provider refund");
    }
    return RefundNotificationOutcome{record, false};  // a retry
  }
  if (!notice.success) {
    spdlog::warn("payments: provider {} reports return {} failed; it stays pending", provider,
                 notice.refund_id);
    return RefundNotificationOutcome{record, false};
  }
  auto updated = tx.Execute(
      "UPDATE payment_returns SET status = 'done', provider_refund_no = $1, done_at = $2 "
      "WHERE return_id = $3 AND status = 'pending'",
      {Value{notice.refund_no}, Value{now.unix_micros()}, Value{notice.refund_id}});
  if (!updated) return Propagate(updated);
  if (*updated != 1) return Aborted("return " + notice.refund_id + " changed meanwhile");
  record.status = "done";
  record.done_at = now;
  return RefundNotificationOutcome{record, true};
}

Result<int> SalesService::RetryProviderRefunds(std::chrono::seconds older_than) {
  core::Instant cutoff = clock_.Now() - older_than;
  struct Owed {
    bool is_return = false;
    RefundRecord refund;
  };
  auto owed = store_.Transact<std::vector<Owed>>(
      [&](store::Transaction& tx) -> Result<std::vector<Owed>> {
        std::vector<Owed> out;
        auto refunds = tx.Query(
            "SELECT refund_id, ticket_number, refunded_fen FROM refunds WHERE status = 'pending' "
            "AND at <= $1 ORDER BY at LIMIT 200",
            {Value{cutoff.unix_micros()}});
        if (!refunds) return Propagate(refunds);
        for (const store::Row& r : *refunds) {
          out.push_back(Owed{.is_return = false,
                             .refund = RefundRecord{.refund_id = r.Text(0),
                                                    .ticket_number = r.Text(1),
                                                    .order_id = {},
                                                    .fare = core::Money::Fen(r.Int(2)),
                                                    .fee = {},
                                                    .refunded = core::Money::Fen(r.Int(2)),
                                                    .cause = core::RefundCause::kPassenger,
                                                    .rule = {},
                                                    .money_back = "provider",
                                                    .status = "pending",
                                                    .at = {},
                                                    .done_at = std::nullopt}});
        }
        auto returns = tx.Query(
            "SELECT return_id FROM payment_returns WHERE status = 'pending' AND at <= $1 "
            "ORDER BY at LIMIT 200",
            {Value{cutoff.unix_micros()}});
        if (!returns) return Propagate(returns);
        for (const store::Row& r : *returns) {
          Owed o{.is_return = true, .refund = {}};
          o.refund.refund_id = r.Text(0);
          out.push_back(std::move(o));
        }
        return out;
      },
      {.read_only = true});
  if (!owed) return Propagate(owed);
  for (const Owed& o : *owed) {
    if (o.is_return) {
      AskProviderToReturn(o.refund.refund_id);
    } else {
      AskProviderToRefund(o.refund);
    }
  }
  return static_cast<int>(owed->size());
}

}  // namespace keyun::sales
