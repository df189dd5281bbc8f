// Refunds (退票): SalesService::Refund, its quote, and the provider's refund notification.
// The fee rules are core's (core/after_sale_policy.h); who may refund where, the one
// transaction that ends the ticket, and the money going back are here.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <iterator>

#include "eticket/revocations.h"
#include "sales/internal/after_sale_access.h"
#include "sales/internal/record_id.h"
#include "sales/sales_service.h"
#include "store/outbox.h"

namespace keyun::sales {
namespace {

using store::Value;

constexpr std::string_view kCauseKeys[] = {"passenger", "run_stopped", "run_delayed",
                                           "missed_by_operator"};

constexpr const char* kRefundColumns =
    "refund_id, ticket_number, order_id, fare_fen, fee_fen, refunded_fen, cause, rule, "
    "money_back, status, at, done_at, with_refund";

RefundRecord RecordFromRow(const store::Row& r) {
  core::RefundCause cause = core::RefundCause::kPassenger;
  if (auto parsed = ParseRefundCause(r.Text(6))) cause = *parsed;
  return RefundRecord{
      .refund_id = r.Text(0),
      .ticket_number = r.Text(1),
      .order_id = r.Text(2),
      .fare = core::Money::Fen(r.Int(3)),
      .fee = core::Money::Fen(r.Int(4)),
      .refunded = core::Money::Fen(r.Int(5)),
      .cause = cause,
      .rule = r.Text(7),
      .money_back = r.Text(8),
      .status = r.Text(9),
      .at = core::Instant::FromUnixMicros(r.Int(10)),
      .done_at = r.IsNull(11) ? std::nullopt
                              : std::optional<core::Instant>(core::Instant::FromUnixMicros(r.Int(11)))};
}

// The answer of a refund or its quote: the ticket asked for, then its free children.
RefundResult ResultOf(std::vector<RefundRecord> records) {
  RefundResult out{.ticket = std::move(records.front()), .free_children = {}};
  out.free_children.assign(std::make_move_iterator(records.begin() + 1),
                           std::make_move_iterator(records.end()));
  return out;
}

}  // namespace

std::string_view RefundCauseKey(core::RefundCause cause) {
  return kCauseKeys[static_cast<int>(cause)];
}

Result<core::RefundCause> ParseRefundCause(std::string_view key) {
  for (std::size_t i = 0; i < std::size(kCauseKeys); ++i) {
    if (kCauseKeys[i] == key) return static_cast<core::RefundCause>(i);
  }
  return InvalidArgument("unknown refund cause '" + std::string(key) +
                             "'; use one of: passenger, run_stopped, run_delayed, "
                             "missed_by_operator",
                         "cause");
}

// What a refund will do, decided inside the transaction that does it.
struct SalesService::RefundPlan {
  std::string run_id;
  std::vector<Ticket> tickets;         // [0] the ticket asked for, then its free children
  std::vector<RefundRecord> records;   // one per ticket, amounts set, status "quote"
  std::optional<std::string> payment;  // the provider payment to refund from
  std::optional<std::string> provider;
};

Result<SalesService::RefundPlan> SalesService::PlanRefund(store::Transaction& tx,
                                                          const RefundRequest& request,
                                                          core::Instant now,
                                                          const std::optional<std::string>* holder) {
  auto number = core::TicketNumber::Parse(request.ticket_number);
  if (!number) return InvalidArgument(number.error().message, "ticket_number");
  auto found = tx.Query("SELECT order_id FROM tickets WHERE ticket_number = $1",
                        {Value{number->str()}});
  if (!found) return Propagate(found);
  if (found->empty()) {
    return InZh(NotFound("no ticket " + number->str(), "ticket_number"),
                "没有车票 " + number->str());
  }
  auto order = ReadOrder(tx, found->at(0).Text(0));
  if (!order) return Propagate(order);
  auto asked = std::find_if(order->tickets.begin(), order->tickets.end(),
                            [&](const Ticket& t) { return t.ticket_number == number->str(); });
  if (asked == order->tickets.end()) return Internal("ticket " + number->str() + " lost its order");

  auto head = tx.QueryOne(
      "SELECT o.seller_station, r.departs_at, r.carrier_code, r.status FROM orders o JOIN runs r "
      "ON r.run_id = o.run_id WHERE o.order_id = $1",
      {Value{order->order_id}});
  if (!head) return Propagate(head);
  std::optional<std::string> seller_station = head->OptionalText(0);
  core::Instant departs_at = core::Instant::FromUnixMicros(head->Int(1));
  auto carrier = core::CreditCode::Parse(head->Text(2));
  if (!carrier) return Internal("run " + order->run_id + " has a malformed carrier code");
  const std::string run_status = head->Text(3);

  // Where and by whom first: a stranger learns nothing about the ticket's state.
  if (auto where = internal::CheckAfterSaleAccess(
          {.channel = request.channel,
           .staff = &request.staff,
           .access_token = request.access_token,
           .ticket_number = request.ticket_number,
           .operator_cause = request.cause != core::RefundCause::kPassenger,
           .action = "refund",
           .holder_id_hash = holder},
          {.order_id = order->order_id,
           .holds_token = IsOrderAccessToken(order->order_id, request.access_token),
           .id_hash = asked->id_hash,
           .channel = order->channel,
           .seller_station = &seller_station,
           .boarding = &asked->from});
      !where) {
    return Propagate(where);
  }

  if (asked->status == "refunded") {
    auto at = tx.QueryOne("SELECT at FROM refunds WHERE ticket_number = $1", {Value{number->str()}});
    if (!at) return Propagate(at);
    const std::string when = core::Instant::FromUnixMicros(at->Int(0)).ToIso8601();
    return InZh(FailedPrecondition("ticket " + number->str() + " was already refunded at " + when),
                "车票 " + number->str() + " 已于 " + when + " 退票");
  }
  if (asked->status == "changed") {
    auto to = tx.QueryOne("SELECT new_ticket FROM changes WHERE old_ticket = $1",
                          {Value{number->str()}});
    if (!to) return Propagate(to);
    return InZh(FailedPrecondition("ticket " + number->str() + " was changed (改签) to ticket " +
                                   to->Text(0) + "; its voucher is void. Refund ticket " +
                                   to->Text(0) + " instead"),
                "车票 " + number->str() + " 已改签为车票 " + to->Text(0) + "，原票作废；请退改签后的车票 " +
                    to->Text(0));
  }
  if (asked->status != "issued") {
    return InZh(FailedPrecondition("ticket " + number->str() + " is " + asked->status +
                                   ", not issued; only issued tickets are refunded"),
                "车票 " + number->str() + " " + std::string(StatusZh(asked->status)) +
                    "，只有已出票的车票可以退票");
  }

  RefundPlan plan;
  plan.run_id = order->run_id;
  plan.tickets = internal::WithFreeChildren(*asked, order->tickets);
  for (const Ticket& t : plan.tickets) {
    if (auto boarded = internal::RefuseIfCheckedIn(tx, t, "refunded"); !boarded) {
      return Propagate(boarded);
    }
  }
  if (auto paper = internal::RefuseIfReimbursed(tx, *asked, request.channel, "refunded"); !paper) {
    return Propagate(paper);
  }

  // The run left the boarding stop early: it has departed from then on.
  auto departed = tx.Query(
      "SELECT departed_at FROM run_operations WHERE run_id = $1 AND station = $2 AND "
      "departed_at IS NOT NULL",
      {Value{order->run_id}, Value{asked->from.str()}});
  if (!departed) return Propagate(departed);
  if (!departed->empty()) {
    departs_at = std::min(departs_at, core::Instant::FromUnixMicros(departed->at(0).Int(0)));
  }
  // A stopped run (停班, 停班有售) refunds without fee whoever asks.
  core::RefundCause cause = request.cause;
  if (cause == core::RefundCause::kPassenger &&
      (run_status == "stopped" || run_status == "stopped_sold")) {
    cause = core::RefundCause::kRunStopped;
  }

  const core::AfterSalePolicy& policy = after_sale_.Resolve(asked->from, *carrier, order->channel);
  core::Money paid = asked->fare + asked->station_fee;
  auto quote = core::QuoteRefund(policy.refund, {.fare = paid,
                                                 .departs_at = departs_at,
                                                 .now = now,
                                                 .cause = cause,
                                                 .ticket_was_changed = asked->changed_from.has_value()});
  if (!quote) return Propagate(quote);

  std::string method = order->payment_method.value_or("");
  std::string money_back = method == "cash" || method == "card" ? method : "provider";
  if (money_back == "provider") {
    // A changed ticket's order holds no payment: the money was paid for the first ticket.
    auto payment = OriginPayment(tx, asked->ticket_number);
    if (!payment) return Propagate(payment);
    plan.payment = payment->first;
    plan.provider = payment->second;
  }
  for (std::size_t i = 0; i < plan.tickets.size(); ++i) {
    const Ticket& t = plan.tickets[i];
    RefundRecord record{.refund_id = {},
                        .ticket_number = t.ticket_number,
                        .order_id = order->order_id,
                        .fare = t.fare + t.station_fee,
                        .fee = {},
                        .refunded = t.fare + t.station_fee,
                        .cause = cause,
                        .rule = "free child (携童) refunded with its adult: no fee",
                        .money_back = "none",
                        .status = "quote",
                        .at = now,
                        .done_at = std::nullopt};
    if (i == 0) {
      record.fee = quote->fee;
      record.refunded = quote->refund;
      record.rule = quote->rule;
      if (record.refunded.fen() > 0) record.money_back = money_back;
    }
    plan.records.push_back(std::move(record));
  }
  return plan;
}

Result<RefundResult> SalesService::QuoteTicketRefund(const RefundRequest& request) {
  core::Instant now = clock_.Now();
  return store_.Transact<RefundResult>(
      [&](store::Transaction& tx) -> Result<RefundResult> {
        auto plan = PlanRefund(tx, request, now, /*holder=*/nullptr);
        if (!plan) return Propagate(plan);
        return ResultOf(std::move(plan->records));
      },
      {.read_only = true});
}

Result<RefundResult> SalesService::ReadRefund(store::Transaction& tx,
                                              const std::string& refund_id) {
  auto rows = tx.Query(std::string("SELECT ") + kRefundColumns +
                           " FROM refunds WHERE refund_id = $1 OR with_refund = $1 "
                           "ORDER BY CASE WHEN with_refund IS NULL THEN 0 ELSE 1 END, "
                           "ticket_number",
                       {Value{refund_id}});
  if (!rows) return Propagate(rows);
  if (rows->empty()) return NotFound("no refund " + refund_id);
  std::vector<RefundRecord> records;
  for (const store::Row& row : *rows) records.push_back(RecordFromRow(row));
  return ResultOf(std::move(records));
}

Result<RefundResult> SalesService::Refund(const RefundRequest& request) {
  if (auto key = internal::CheckAfterSaleKey(request.idempotency_key, "refund"); !key) {
    return Propagate(key);
  }
  auto holder = MachineHolder(request.staff, request.id_type, request.id_number);
  if (!holder) return Propagate(holder);
  core::Instant now = clock_.Now();
  struct Ended {
    std::string run_id;
    std::vector<Ticket> tickets;
    std::vector<std::string> hashes;
  };
  std::optional<Ended> ended;
  auto result = store_.Transact<RefundResult>([&](store::Transaction& tx) -> Result<RefundResult> {
    ended.reset();
    auto by_key = tx.Query("SELECT refund_id, ticket_number FROM refunds WHERE idempotency_key = $1",
                           {Value{request.idempotency_key}});
    if (!by_key) return Propagate(by_key);
    if (!by_key->empty()) {
      if (by_key->at(0).Text(1) != request.ticket_number) {
        return AlreadyExists("this Idempotency-Key refunded another ticket; use a new key",
                             "idempotency_key");
      }
      return ReadRefund(tx, by_key->at(0).Text(0));  // a retry: the first answer
    }
    auto plan = PlanRefund(tx, request, now, &*holder);
    if (!plan) return Propagate(plan);

    // End the tickets: only an issued, active ticket turns refunded. This write comes before
    // the check-in look-up below and check-in writes the same row before inserting its
    // record, so of a racing refund and check-in exactly one wins (migration 0008).
    for (const Ticket& t : plan->tickets) {
      auto ended = internal::EndTicket(tx, t, "refunded", eticket::RevocationReason::kRefunded, now);
      if (!ended) return Propagate(ended);
    }

    std::string main_id = internal::NewRecordId('R', now);
    for (std::size_t i = 0; i < plan->records.size(); ++i) {
      RefundRecord& r = plan->records[i];
      r.refund_id = i == 0 ? main_id : internal::NewRecordId('R', now);
      bool online = r.money_back == "provider";
      r.status = online ? "pending" : "done";
      if (!online) r.done_at = now;
      auto inserted = tx.Execute(
          "INSERT INTO refunds (refund_id, ticket_number, order_id, with_refund, fare_fen, "
          "fee_fen, refunded_fen, cause, rule, channel, station, staff_username, money_back, "
          "payment_id, provider, status, at, done_at, idempotency_key) VALUES ($1, $2, $3, $4, "
          "$5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
          {Value{r.refund_id}, Value{r.ticket_number}, Value{r.order_id},
           i == 0 ? Value{store::kNull} : Value{main_id}, Value{r.fare.fen()}, Value{r.fee.fen()},
           Value{r.refunded.fen()}, Value{std::string(RefundCauseKey(r.cause))}, Value{r.rule},
           Value{std::string(ChannelKey(request.channel))},
           request.staff.station ? Value{request.staff.station->str()} : Value{store::kNull},
           request.staff.staff_username.empty() ? Value{store::kNull}
                                                : Value{request.staff.staff_username},
           Value{r.money_back}, online ? Value{*plan->payment} : Value{store::kNull},
           online ? Value{*plan->provider} : Value{store::kNull}, Value{r.status},
           Value{now.unix_micros()}, r.done_at ? Value{now.unix_micros()} : Value{store::kNull},
           i == 0 ? Value{request.idempotency_key} : Value{store::kNull}});
      if (!inserted) {
        // The key was taken by a request committing meanwhile: decide again on its refund.
        if (inserted.error().code == ErrorCode::kAlreadyExists) {
          return Aborted("a concurrent refund with Idempotency-Key " + request.idempotency_key);
        }
        return Propagate(inserted);
      }
      auto event = store::AppendEvent(
          tx, store::OutboxEvent{.sequence = 0,
                                 .kind = "refunded",
                                 .subject = r.ticket_number,
                                 .at = now,
                                 .fields = {{"refund_id", r.refund_id},
                                            {"order_id", r.order_id},
                                            {"run_id", plan->run_id},
                                            {"fare", std::to_string(r.fare.fen())},
                                            {"fee", std::to_string(r.fee.fen())},
                                            {"refunded", std::to_string(r.refunded.fen())},
                                            {"cause", std::string(RefundCauseKey(r.cause))},
                                            {"channel", std::string(ChannelKey(request.channel))},
                                            {"money_back", r.money_back}}});
      if (!event) return Propagate(event);
    }
    Ended e{.run_id = plan->run_id, .tickets = plan->tickets, .hashes = {}};
    for (const Ticket& t : plan->tickets) e.hashes.push_back(t.id_hash);
    ended = std::move(e);
    return ResultOf(std::move(plan->records));
  });
  if (!result) return result;
  if (ended) (void)ReleaseInMemory(ended->run_id, ended->tickets, ended->hashes);
  if (result->ticket.status == "pending") AskProviderToRefund(result->ticket);
  return result;
}

void SalesService::AskProviderToRefund(const RefundRecord& refund) {
  auto row = store_.Transact<store::Row>(
      [&](store::Transaction& tx) {
        return tx.QueryOne("SELECT payment_id, provider FROM refunds WHERE refund_id = $1",
                           {Value{refund.refund_id}});
      },
      {.read_only = true});
  if (!row) {
    spdlog::error("refunds: reading refund {}: {}", refund.refund_id, row.error().message);
    return;
  }
  auto provider = providers_.find(row->Text(1));
  if (provider == providers_.end()) {
    spdlog::error("refunds: refund {} is owed through provider {}, which is not configured",
                  refund.refund_id, row->Text(1));
    return;
  }
  auto asked = provider->second->Refund(RefundOrder{.refund_id = refund.refund_id,
                                                    .payment_id = row->Text(0),
                                                    .amount = refund.refunded,
                                                    .reason = "keyun refund of ticket " +
                                                              refund.ticket_number});
  if (!asked) {
    // Stays pending; the same request (same Idempotency-Key) asks again.
    spdlog::warn("refunds: provider {} refused refund {} for now: {}", row->Text(1),
                 refund.refund_id, asked.error().message);
  }
}

Result<SalesService::RefundNotificationOutcome> SalesService::ApplyRefundNotification(
    std::string_view provider_name, std::string_view body) {
  auto provider = providers_.find(provider_name);
  if (provider == providers_.end()) {
    return NotFound("no payment provider '" + std::string(provider_name) + "' on this node");
  }
  auto notice = provider->second->VerifyRefundNotification(body);
  if (!notice) {
    spdlog::warn("refunds: refused a {} refund notification: {}", provider_name,
                 notice.error().message);
    return tl::unexpected(notice.error());
  }
  core::Instant now = clock_.Now();
  return store_.Transact<RefundNotificationOutcome>(
      [&](store::Transaction& tx) -> Result<RefundNotificationOutcome> {
        auto rows = tx.Query(
            "SELECT payment_id, provider, refunded_fen, status, provider_refund_no FROM refunds "
            "WHERE refund_id = $1",
            {Value{notice->refund_id}});
        if (!rows) return Propagate(rows);
        if (rows->empty()) return ApplyReturnNotification(tx, *notice, provider_name, now);
        const store::Row& r = rows->at(0);
        if (r.OptionalText(1) != std::string(provider_name) ||
            r.OptionalText(0) != notice->payment_id) {
          return FailedPrecondition("refund " + notice->refund_id + " is not from payment " +
                                    notice->payment_id + " of " + std::string(provider_name));
        }
        if (r.Int(2) != notice->amount.fen()) {
          return FailedPrecondition("the notification says " + notice->amount.ToString() +
                                    " but refund " + notice->refund_id + " is for " +
                                    core::Money::Fen(r.Int(2)).ToString());
        }
        auto current = ReadRefund(tx, notice->refund_id);
        if (!current) return Propagate(current);
        if (r.Text(3) == "done") {
          if (r.OptionalText(4) != notice->refund_no) {
            return FailedPrecondition("refund " + notice->refund_id +
                                      " was completed by another provider refund");
          }
          return RefundNotificationOutcome{current->ticket, false};  // a retry
        }
        if (!notice->success) {
          spdlog::warn("refunds: provider {} reports refund {} failed; it stays pending",
                       provider_name, notice->refund_id);
          return RefundNotificationOutcome{current->ticket, false};
        }
        auto updated = tx.Execute(
            "UPDATE refunds SET status = 'done', provider_refund_no = $1, done_at = $2 "
            "WHERE refund_id = $3 AND status = 'pending'",
            {Value{notice->refund_no}, Value{now.unix_micros()}, Value{notice->refund_id}});
        if (!updated) return Propagate(updated);
        if (*updated != 1) return Aborted("refund " + notice->refund_id + " changed meanwhile");
        current->ticket.status = "done";
        current->ticket.done_at = now;
        return RefundNotificationOutcome{current->ticket, true};
      });
}

}  // namespace keyun::sales
