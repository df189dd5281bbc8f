// Changes (改签): SalesService::Change and its quote. The fee rules are core's
// (core/after_sale_policy.h, QuoteChange); who may change where is shared with refunds
// (internal/after_sale_access.h); the seat on the new run, the one transaction that ends the
// old ticket and issues the new one, and the money are here.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "eticket/revocations.h"
#include "sales/internal/after_sale_access.h"
#include "sales/internal/keys_in_flight.h"
#include "sales/internal/order_holds.h"
#include "sales/internal/record_id.h"
#include "sales/internal/run_state.h"
#include "sales/sales_service.h"
#include "store/outbox.h"

namespace keyun::sales {
namespace {

using store::Value;

bool Staffed(Channel channel) { return channel == Channel::kWindow || channel == Channel::kKiosk; }

constexpr const char* kChangeColumns =
    "c.change_id, c.old_ticket, c.new_ticket, c.new_order_id, c.old_run_id, c.new_run_id, "
    "c.change_number, c.old_fare_fen, c.new_fare_fen, c.fee_fen, c.charge_fen, c.refund_fen, "
    "c.rule, c.money, COALESCE(rf.status, c.money_status), c.refund_id, c.at, c.payment_id";

ChangeRecord RecordFromRow(const store::Row& r) {
  return ChangeRecord{.change_id = r.Text(0),
                      .old_ticket_number = r.Text(1),
                      .new_ticket_number = r.Text(2),
                      .new_order_id = r.Text(3),
                      .old_run_id = r.Text(4),
                      .new_run_id = r.Text(5),
                      .change_number = static_cast<int>(r.Int(6)),
                      .old_fare = core::Money::Fen(r.Int(7)),
                      .new_fare = core::Money::Fen(r.Int(8)),
                      .fee = core::Money::Fen(r.Int(9)),
                      .charge = core::Money::Fen(r.Int(10)),
                      .refund = core::Money::Fen(r.Int(11)),
                      .rule = r.Text(12),
                      .money = r.Text(13),
                      .money_status = r.Text(14),
                      .refund_id = r.OptionalText(15),
                      .payment_id = r.OptionalText(17),
                      .at = core::Instant::FromUnixMicros(r.Int(16))};
}

}  // namespace

// What a change will do, decided inside a transaction.
struct SalesService::ChangePlan {
  Order old_order;
  std::optional<std::string> seller_station;  // of the old order
  std::vector<Ticket> tickets;                // [0] the ticket asked for, then its free children
  std::vector<std::string> names, sealed;     // per ticket: passenger name and sealed ID
  int from_index = 0, to_index = 0;           // on the new run
  std::vector<Ticket> new_tickets;            // per ticket: as issued (seat, number unset)
  std::vector<ChangeRecord> records;          // per ticket, amounts set, status "quote"
  // Money "provider": the payment (id, provider) a refund of the difference, or of the old
  // fare, comes from.
  std::optional<std::pair<std::string, std::string>> payment;
  // Online and dearer: the new seat is held until the passenger pays the new order.
  bool hold = false;
};

Result<std::pair<std::string, std::string>> SalesService::OriginPayment(
    store::Transaction& tx, const std::string& ticket_number) {
  std::string number = ticket_number;
  for (int depth = 0; depth < 100; ++depth) {
    auto row = tx.QueryOne("SELECT order_id, changed_from FROM tickets WHERE ticket_number = $1",
                           {Value{number}});
    if (!row) return Propagate(row);
    auto payment = tx.Query(
        "SELECT payment_id, provider FROM payments WHERE order_id = $1 AND status = 'paid'",
        {Value{row->Text(0)}});
    if (!payment) return Propagate(payment);
    if (!payment->empty()) return std::make_pair(payment->at(0).Text(0), payment->at(0).Text(1));
    if (row->IsNull(1)) break;
    number = row->Text(1);
  }
  return Internal("ticket " + ticket_number + " was paid online but its order has no paid payment");
}

Result<SalesService::ChangePlan> SalesService::PlanChange(store::Transaction& tx,
                                                          const ChangeRequest& request,
                                                          const RunState& new_run,
                                                          core::Instant now,
                                                          const std::optional<std::string>* holder) {
  auto number = core::TicketNumber::Parse(request.ticket_number);
  if (!number) return InvalidArgument(number.error().message, "ticket_number");
  auto found = tx.Query("SELECT order_id FROM tickets WHERE ticket_number = $1",
                        {Value{number->str()}});
  if (!found) return Propagate(found);
  if (found->empty()) {
    return InZh(NotFound("no ticket " + number->str(), "ticket_number"),
                "没有车票 " + number->str() + "，请核对票号");
  }
  ChangePlan plan;
  auto order = ReadOrder(tx, found->at(0).Text(0));
  if (!order) return Propagate(order);
  plan.old_order = std::move(*order);
  const Order& old = plan.old_order;
  auto asked = std::find_if(old.tickets.begin(), old.tickets.end(),
                            [&](const Ticket& t) { return t.ticket_number == number->str(); });
  if (asked == old.tickets.end()) return Internal("ticket " + number->str() + " lost its order");

  auto head = tx.QueryOne(
      "SELECT o.seller_station, r.departs_at, r.carrier_code, r.route_code, r.vehicle_class "
      "FROM orders o JOIN runs r ON r.run_id = o.run_id WHERE o.order_id = $1",
      {Value{old.order_id}});
  if (!head) return Propagate(head);
  plan.seller_station = head->OptionalText(0);
  core::Instant old_departs = core::Instant::FromUnixMicros(head->Int(1));
  auto carrier = core::CreditCode::Parse(head->Text(2));
  if (!carrier) return Internal("run " + old.run_id + " has a malformed carrier code");
  const std::string old_route = head->Text(3), old_class = head->Text(4);

  // Where and by whom first: a stranger learns nothing about the ticket's state.
  if (auto where = internal::CheckAfterSaleAccess({.channel = request.channel,
                                                   .staff = &request.staff,
                                                   .access_token = request.access_token,
                                                   .ticket_number = request.ticket_number,
                                                   .operator_cause = false,
                                                   .action = "change",
                                                   .holder_id_hash = holder},
                                                  {.order_id = old.order_id,
                                                   .holds_token = IsOrderAccessToken(
                                                       old.order_id, request.access_token),
                                                   .id_hash = asked->id_hash,
                                                   .channel = old.channel,
                                                   .seller_station = &plan.seller_station,
                                                   .boarding = &asked->from});
      !where) {
    return Propagate(where);
  }

  if (asked->status == "changed") {
    auto to = tx.QueryOne("SELECT new_ticket, at FROM changes WHERE old_ticket = $1",
                          {Value{number->str()}});
    if (!to) return Propagate(to);
    return InZh(
        FailedPrecondition(fmt::format(
            "ticket {} was already changed to ticket {} at {}; its voucher is void. To change "
            "again, change the new ticket (if the policy allows another change)",
            number->str(), to->Text(0), core::Instant::FromUnixMicros(to->Int(1)).ToIso8601())),
        fmt::format("车票 {} 已于 {} 改签为车票 {}，原凭证作废；如需再次改签，请改签新车票",
                    number->str(), core::Instant::FromUnixMicros(to->Int(1)).ToIso8601(),
                    to->Text(0)));
  }
  if (asked->status == "refunded") {
    return InZh(FailedPrecondition("ticket " + number->str() +
                                   " was refunded; a refunded ticket cannot be changed"),
                "车票 " + number->str() + " 已退票，不能改签");
  }
  if (asked->status != "issued") {
    return InZh(FailedPrecondition("ticket " + number->str() + " is " + asked->status +
                                   ", not issued; only issued tickets are changed"),
                "车票 " + number->str() + " " + std::string(StatusZh(asked->status)) +
                    "，只有已出票的车票可以改签");
  }
  if (asked->fare_type == FareType::kFreeChild) {
    return InZh(
        FailedPrecondition("a free child's ticket (携童) moves with its adult's; change ticket " +
                           asked->attached_to.value_or("of the adult")),
        "携童随同行成人改签，请改签成人车票 " + asked->attached_to.value_or(""));
  }
  if (request.run_id == old.run_id) {
    return InZh(FailedPrecondition("ticket " + number->str() + " is already on run " +
                                       old.run_id + "; choose another run",
                                   "run_id"),
                "车票 " + number->str() + " 已是班次 " + old.run_id + " 的车票，请选择其他班次");
  }

  if (auto paper = internal::RefuseIfReimbursed(tx, *asked, request.channel, "changed"); !paper) {
    return Propagate(paper);
  }
  plan.tickets = internal::WithFreeChildren(*asked, old.tickets);
  for (const Ticket& t : plan.tickets) {
    if (auto boarded = internal::RefuseIfCheckedIn(tx, t, "changed"); !boarded) {
      return Propagate(boarded);
    }
    auto raw = tx.QueryOne("SELECT passenger_name, id_sealed FROM tickets WHERE ticket_id = $1",
                           {Value{t.ticket_id}});
    if (!raw) return Propagate(raw);
    plan.names.push_back(raw->Text(0));
    plan.sealed.push_back(raw->Text(1));
  }

  // The old run left the boarding stop early: it has departed from then on.
  auto departed = tx.Query(
      "SELECT departed_at FROM run_operations WHERE run_id = $1 AND station = $2 AND "
      "departed_at IS NOT NULL",
      {Value{old.run_id}, Value{asked->from.str()}});
  if (!departed) return Propagate(departed);
  if (!departed->empty()) {
    old_departs = std::min(old_departs, core::Instant::FromUnixMicros(departed->at(0).Int(0)));
  }

  // The ticket's chain: how often it was changed before.
  int changes_so_far = 0;
  for (std::optional<std::string> from = asked->changed_from; from && changes_so_far < 1000;
       ++changes_so_far) {
    auto row = tx.QueryOne("SELECT changed_from FROM tickets WHERE ticket_number = $1",
                           {Value{*from}});
    if (!row) return Propagate(row);
    from = row->OptionalText(0);
  }

  // The new run: the same stations in order, on sale on this channel now.
  auto target = tx.Query("SELECT route_code, vehicle_class, departs_at, status FROM runs "
                         "WHERE run_id = $1",
                         {Value{request.run_id}});
  if (!target) return Propagate(target);
  if (target->empty()) {
    return InZh(NotFound("no run " + request.run_id, "run_id"),
                "没有班次 " + request.run_id + "，请重新选择");
  }
  const store::Row& nr = target->at(0);
  auto from_index = new_run.route.StopIndex(asked->from);
  auto to_index = new_run.route.StopIndex(asked->to);
  if (!from_index || !to_index || *from_index >= *to_index) {
    return InZh(FailedPrecondition("run " + request.run_id + " does not go from " +
                                       asked->from.str() + " to " + asked->to.str() +
                                       "; a change keeps the boarding and alighting stations",
                                   "run_id"),
                "班次 " + request.run_id + " 不经过原车票的上车站和到达站；改签不能变更上下车站");
  }
  plan.from_index = *from_index;
  plan.to_index = *to_index;
  if (nr.Text(3) != "open") {
    return InZh(FailedPrecondition("run " + request.run_id + " is " + nr.Text(3) +
                                       " and not on sale; choose another run",
                                   "run_id"),
                "班次 " + request.run_id + " 已停售，请选择其他班次");
  }
  core::Instant new_departs = core::Instant::FromUnixMicros(nr.Int(2));
  core::LocalDate run_date = new_run.run.date();
  if (run_date > now.ShanghaiDate().AddDays(policy_.presale_days - 1)) {
    return InZh(FailedPrecondition("sales for " + run_date.ToString() + " open " +
                                       std::to_string(policy_.presale_days) + " days ahead",
                                   "run_id"),
                run_date.ToString() + " 的车票提前 " + std::to_string(policy_.presale_days) +
                    " 天开售，尚未开售");
  }
  bool online = !Staffed(request.channel);
  auto cutoff = online ? policy_.online_cutoff : policy_.window_cutoff;
  if (new_departs - cutoff <= now && new_departs > now) {
    return InZh(
        FailedPrecondition(fmt::format("sales of run {} on the {} channel closed {} minutes "
                                       "before its departure ({}); choose a later run{}",
                                       request.run_id, ChannelKey(request.channel),
                                       cutoff.count(), new_departs.ToIso8601(),
                                       online ? " or change at a station window" : ""),
                           "run_id"),
        fmt::format("班次 {} 发车前 {} 分钟已停止本渠道售票，请选择更晚的班次{}", request.run_id,
                    cutoff.count(), online ? "，或到车站窗口改签" : ""));
  }
  const network::Fare* fare = new_run.FareFor(*from_index, *to_index);
  if (fare == nullptr) {
    return InZh(FailedPrecondition("run " + request.run_id + " sells no tickets from " +
                                       asked->from.str() + " to " + asked->to.str(),
                                   "run_id"),
                "班次 " + request.run_id + " 不售该区间的车票，请选择其他班次");
  }

  const core::AfterSalePolicy& policy = after_sale_.Resolve(asked->from, *carrier, old.channel);
  // A run stopped by the station or carrier (停班, 停班有售) owes its holders a free transfer:
  // no fee, and it does not count against the changes the policy allows.
  core::ChangePolicy change_policy = policy.change;
  auto old_status = tx.QueryOne("SELECT status FROM runs WHERE run_id = $1", {Value{old.run_id}});
  if (!old_status) return Propagate(old_status);
  const bool transfer = old_status->Text(0) == "stopped" || old_status->Text(0) == "stopped_sold";
  if (transfer) {
    change_policy.fee_basis_points = 0;
    change_policy.minimum_fee = core::Money::Zero();
    change_policy.max_changes = changes_so_far + 1;
    change_policy.free_changes = changes_so_far + 1;
  }
  core::Money price = asked->fare_type == FareType::kAdult      ? fare->adult
                      : asked->fare_type == FareType::kChild    ? fare->child
                                                                : fare->discount;
  auto quote = core::QuoteChange(change_policy,
                                 {.changes_so_far = changes_so_far,
                                  .old_fare = asked->fare + asked->station_fee,
                                  .new_fare = price + fare->station_fee,
                                  .old_departs_at = old_departs,
                                  .new_departs_at = new_departs,
                                  .now = now,
                                  .same_route = nr.Text(0) == old_route,
                                  .same_vehicle_class = nr.Text(1) == old_class});
  if (!quote) return Propagate(quote);

  // Money: settled at once at a window. Online, the provider: a cheaper fare's difference
  // goes back; a dearer change is held until the passenger pays the new order in full, and
  // then the old fare less the fee goes back (each ticket stays backed by one payment).
  std::string method = old.payment_method.value_or("");
  std::string money = "none";
  if (request.payment_method == PaymentMethod::kSandbox) {
    return InZh(
        InvalidArgument("a change at a window is settled in cash or by card", "payment_method"),
        "窗口改签的差价以现金或银行卡结算");
  }
  if (quote->charge.fen() > 0 && online) {
    money = "provider";
    plan.hold = true;
  } else if (quote->charge.fen() > 0) {
    if (!request.payment_method) {
      return InZh(InvalidArgument("this change costs " + quote->charge.ToString() +
                                      "; say how it is paid: payment_method cash or card",
                                  "payment_method"),
                  "本次改签需补差价 " + quote->charge.ToString() + " 元，请选择现金或银行卡支付");
    }
    money = std::string(PaymentMethodKey(*request.payment_method));
  } else if (quote->refund.fen() > 0) {
    if (!online && request.payment_method) {
      money = std::string(PaymentMethodKey(*request.payment_method));
    } else if (method == "cash" || method == "card") {
      money = method;
    } else if (!online) {
      money = "cash";
    } else {
      money = "provider";
    }
  }
  const core::Money old_paid = asked->fare + asked->station_fee;
  if (money == "provider" && (!plan.hold || quote->fee < old_paid)) {
    if (method == "cash" || method == "card") {
      return InZh(FailedPrecondition("ticket " + number->str() + " was paid in " + method +
                                     "; change it at a station window, where the difference "
                                     "is settled in cash or by card"),
                  "车票 " + number->str() + " 以" + (method == "cash" ? "现金" : method) +
                      "支付，请到车站窗口改签，差价以现金或银行卡结算");
    }
    auto payment = OriginPayment(tx, asked->ticket_number);
    if (!payment) return Propagate(payment);
    plan.payment = *payment;
  }

  for (std::size_t i = 0; i < plan.tickets.size(); ++i) {
    const Ticket& t = plan.tickets[i];
    bool child = i > 0;
    Ticket n = t;
    n.ticket_id.clear();
    n.ticket_number.clear();
    n.run_id = request.run_id;
    n.from_index = *from_index;
    n.to_index = *to_index;
    n.seat = 0;
    n.fare = child ? core::Money::Fen(0) : price;
    n.station_fee = child ? core::Money::Fen(0) : fare->station_fee;
    n.cap = fare->cap;
    n.status = "quote";
    n.attached_to.reset();
    n.departs_at = new_departs;
    n.issued_at.reset();
    n.order_id.clear();
    n.changed_from = t.ticket_number;
    plan.new_tickets.push_back(std::move(n));
    ChangeRecord record{.change_id = {},
                        .old_ticket_number = t.ticket_number,
                        .new_ticket_number = {},
                        .new_order_id = {},
                        .old_run_id = old.run_id,
                        .new_run_id = request.run_id,
                        .change_number = quote->change_number,
                        .old_fare = t.fare + t.station_fee,
                        .new_fare = child ? core::Money::Fen(0) : price + fare->station_fee,
                        .fee = {},
                        .charge = {},
                        .refund = {},
                        .rule = "free child (携童) moved with its adult: no fee",
                        .money = "none",
                        .money_status = "quote",
                        .refund_id = std::nullopt,
                        .payment_id = std::nullopt,
                        .at = now};
    if (!child) {
      record.fee = quote->fee;
      record.charge = quote->charge;
      record.refund = quote->refund;
      record.rule = quote->rule;
      record.money = money;
    }
    plan.records.push_back(std::move(record));
  }
  return plan;
}

namespace {

// Seats (and free-child places) taken on the new run in memory for a change, given back
// unless the change commits.
struct MemorySeats {
  std::vector<int> seats;  // per ticket of the plan; 0 for a free child
  std::vector<std::string> hashes;
};

std::optional<std::string> StaffStation(const ChangeRequest& request) {
  if (!request.staff.station) return std::nullopt;
  return request.staff.station->str();
}

Value TextOrNull(const std::optional<std::string>& text) {
  return text ? Value{*text} : Value{store::kNull};
}

// A refund through the provider that a change owes: `amount` of payment (id, provider), for
// the old ticket of `r`. Pending until the provider's refund notification (refunds.cc).
Result<RefundRecord> WriteProviderRefund(store::Transaction& tx, const ChangeRecord& r,
                                         const std::string& old_order_id,
                                         const std::pair<std::string, std::string>& payment,
                                         core::Money amount, const std::string& rule,
                                         const ChangeRequest& request, core::Instant now) {
  RefundRecord refund{.refund_id = internal::NewRecordId('R', now),
                      .ticket_number = r.old_ticket_number,
                      .order_id = old_order_id,
                      .fare = amount,
                      .fee = {},
                      .refunded = amount,
                      .cause = core::RefundCause::kPassenger,
                      .rule = rule,
                      .money_back = "provider",
                      .status = "pending",
                      .at = now,
                      .done_at = std::nullopt};
  auto inserted = tx.Execute(
      "INSERT INTO refunds (refund_id, ticket_number, order_id, with_refund, fare_fen, "
      "fee_fen, refunded_fen, cause, rule, channel, station, staff_username, money_back, "
      "payment_id, provider, status, at, done_at, idempotency_key) VALUES ($1, $2, $3, "
      "NULL, $4, 0, $4, 'passenger', $5, $6, $7, $8, 'provider', $9, $10, 'pending', $11, "
      "NULL, $12)",
      {Value{refund.refund_id}, Value{refund.ticket_number}, Value{old_order_id},
       Value{amount.fen()}, Value{rule}, Value{std::string(ChannelKey(request.channel))},
       TextOrNull(StaffStation(request)),
       request.staff.staff_username.empty() ? Value{store::kNull}
                                            : Value{request.staff.staff_username},
       Value{payment.first}, Value{payment.second}, Value{now.unix_micros()},
       Value{"change:" + request.idempotency_key}});
  if (!inserted) return Propagate(inserted);
  return refund;
}

// The `changes` rows of a completed change (records[0] the ticket asked for, then its free
// children) and a "changed" outbox event per ticket. Sets each record's change_id.
Result<void> WriteChangeRecords(store::Transaction& tx, std::vector<ChangeRecord>& records,
                                const std::vector<Ticket>& new_tickets,
                                const ChangeRequest& request, core::Instant now) {
  std::string main_id;
  for (std::size_t i = 0; i < records.size(); ++i) {
    ChangeRecord& r = records[i];
    r.change_id = internal::NewRecordId('C', now);
    if (i == 0) main_id = r.change_id;
    auto inserted = tx.Execute(
        "INSERT INTO changes (change_id, old_ticket, new_ticket, with_change, old_run_id, "
        "new_run_id, new_order_id, change_number, old_fare_fen, new_fare_fen, fee_fen, "
        "charge_fen, refund_fen, rule, money, money_status, refund_id, payment_id, channel, "
        "station, staff_username, at, idempotency_key) VALUES ($1, $2, $3, $4, $5, $6, $7, "
        "$8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)",
        {Value{r.change_id}, Value{r.old_ticket_number}, Value{r.new_ticket_number},
         i == 0 ? Value{store::kNull} : Value{main_id}, Value{r.old_run_id}, Value{r.new_run_id},
         Value{r.new_order_id}, Value{std::int64_t{r.change_number}}, Value{r.old_fare.fen()},
         Value{r.new_fare.fen()}, Value{r.fee.fen()}, Value{r.charge.fen()},
         Value{r.refund.fen()}, Value{r.rule}, Value{r.money}, Value{r.money_status},
         TextOrNull(r.refund_id), TextOrNull(r.payment_id),
         Value{std::string(ChannelKey(request.channel))}, TextOrNull(StaffStation(request)),
         request.staff.staff_username.empty() ? Value{store::kNull}
                                              : Value{request.staff.staff_username},
         Value{now.unix_micros()},
         i == 0 ? Value{request.idempotency_key} : Value{store::kNull}});
    if (!inserted) return Propagate(inserted);
    auto event = store::AppendEvent(
        tx, store::OutboxEvent{.sequence = 0,
                               .kind = "changed",
                               .subject = r.old_ticket_number,
                               .at = now,
                               .fields = {{"change_id", r.change_id},
                                          {"new_ticket", r.new_ticket_number},
                                          {"old_run_id", r.old_run_id},
                                          {"new_run_id", r.new_run_id},
                                          {"new_order_id", r.new_order_id},
                                          {"seat", std::to_string(new_tickets.at(i).seat)},
                                          {"old_fare", std::to_string(r.old_fare.fen())},
                                          {"new_fare", std::to_string(r.new_fare.fen())},
                                          {"fee", std::to_string(r.fee.fen())},
                                          {"charge", std::to_string(r.charge.fen())},
                                          {"refund", std::to_string(r.refund.fen())},
                                          {"channel", std::string(ChannelKey(request.channel))},
                                          {"money", r.money}}});
    if (!event) return Propagate(event);
  }
  return {};
}

}  // namespace

Result<std::string> SalesService::WriteNewOrder(store::Transaction& tx, ChangePlan& plan,
                                                const std::vector<int>& seats,
                                                const ChangeRequest& request, core::Instant now) {
  // The new order (an order is one run): issued at once, or held until paid (plan.hold).
  const Order& old = plan.old_order;
  std::string order_id = internal::NewRecordId('O', now);
  core::Money amount;
  for (const Ticket& t : plan.new_tickets) amount = amount + t.fare + t.station_fee;
  const Value at{now.unix_micros()};
  auto order = tx.Execute(
      "INSERT INTO orders (order_id, run_id, from_index, to_index, channel, seller_station, "
      "staff_username, status, amount_fen, created_at, expires_at, paid_at, payment_method, "
      "idempotency_key, request_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
      "$12, $13, NULL, $14)",
      {Value{order_id}, Value{request.run_id}, Value{std::int64_t{plan.from_index}},
       Value{std::int64_t{plan.to_index}}, Value{old.channel}, TextOrNull(plan.seller_station),
       request.staff.staff_username.empty() ? Value{store::kNull}
                                            : Value{request.staff.staff_username},
       Value{plan.hold ? "held" : "issued"}, Value{amount.fen()}, at,
       plan.hold ? Value{(now + policy_.hold).unix_micros()} : at,
       plan.hold ? Value{store::kNull} : at,
       plan.hold ? Value{store::kNull} : TextOrNull(old.payment_method),
       Value{"change:" + request.idempotency_key}});
  if (!order) return Propagate(order);
  auto run_id = core::RunId::Parse(request.run_id);
  if (!run_id) return InvalidArgument(run_id.error().message, "run_id");
  core::LocalDate today = now.ShanghaiDate();
  for (std::size_t i = 0; i < plan.new_tickets.size(); ++i) {
    Ticket& n = plan.new_tickets[i];
    n.order_id = order_id;
    n.ticket_id = order_id + "-" + std::to_string(i + 1);
    n.seat = seats[i];
    if (i > 0) n.attached_to = plan.new_tickets[0].ticket_id;
    n.status = plan.hold ? "held" : "issued";
    if (!plan.hold) {
      auto sequence = store::NextSerial(tx, "ticket");
      if (!sequence) return Propagate(sequence);
      auto ticket_number = core::TicketNumber::Make(run_id->station().province(), today, *sequence);
      if (!ticket_number) return Propagate(ticket_number);
      n.ticket_number = ticket_number->str();
      n.issued_at = now;
    }
    auto row = tx.Execute(
        "INSERT INTO tickets (ticket_id, ticket_number, order_id, passenger_index, run_id, "
        "from_index, to_index, from_station, to_station, seat, fare_type, passenger_name, "
        "id_type, id_hash, id_masked, id_sealed, fare_fen, station_fee_fen, cap_fen, status, "
        "active, attached_to, issued_at, changed_from) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
        "$9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, 1, $21, $22, $23)",
        {Value{n.ticket_id}, n.ticket_number.empty() ? Value{store::kNull} : Value{n.ticket_number},
         Value{order_id}, Value{static_cast<std::int64_t>(i)}, Value{n.run_id},
         Value{std::int64_t{n.from_index}}, Value{std::int64_t{n.to_index}}, Value{n.from.str()},
         Value{n.to.str()}, Value{std::int64_t{n.seat}},
         Value{std::string(FareTypeKey(n.fare_type))}, Value{plan.names[i]}, Value{n.id_type},
         Value{n.id_hash}, Value{n.id_masked}, Value{plan.sealed[i]}, Value{n.fare.fen()},
         Value{n.station_fee.fen()}, Value{n.cap.fen()}, Value{n.status},
         TextOrNull(n.attached_to), plan.hold ? Value{store::kNull} : at,
         Value{*n.changed_from}});
    if (!row) return Propagate(row);
    for (int segment = n.from_index; n.seat > 0 && segment < n.to_index; ++segment) {
      auto held = tx.Execute(
          "INSERT INTO seat_segments (run_id, seat, segment, ticket_id) VALUES ($1, $2, $3, $4)",
          {Value{n.run_id}, Value{std::int64_t{n.seat}}, Value{std::int64_t{segment}},
           Value{n.ticket_id}});
      if (!held) return Propagate(held);
    }
  }
  return order_id;
}

Result<ChangeResult> SalesService::QuoteTicketChange(const ChangeRequest& request) {
  core::Instant now = clock_.Now();
  auto state = LoadRun(request.run_id);
  if (!state) return Propagate(state);
  auto plan = store_.Transact<ChangePlan>(
      [&](store::Transaction& tx) { return PlanChange(tx, request, **state, now, /*holder=*/nullptr); },
      {.read_only = true});
  if (!plan) return Propagate(plan);
  {
    std::lock_guard lock((*state)->mu);
    for (const Ticket& t : plan->tickets) {
      if ((*state)->id_hashes.contains(t.id_hash)) {
        return InZh(
            FailedPrecondition("passenger " + t.passenger_name_masked + " (" + t.id_masked +
                                   ") already has a ticket on run " + request.run_id,
                               "run_id"),
            "乘客 " + t.passenger_name_masked + "（" + t.id_masked + "）已有班次 " +
                request.run_id + " 的车票");
      }
    }
    auto left = (*state)->inventory.SeatsLeft(
        plan->from_index, plan->to_index,
        core::ChannelId{static_cast<std::uint16_t>(request.channel)}, now);
    if (!left) return Propagate(left);
    if (*left == 0) {
      return InZh(FailedPrecondition("run " + request.run_id + " has no seat left from " +
                                         plan->tickets[0].from.str() + " to " +
                                         plan->tickets[0].to.str() + "; choose another run",
                                     "run_id"),
                  "班次 " + request.run_id + " 在该区间已无余座，请选择其他班次");
    }
  }
  ChangeResult out{.change = plan->records[0],
                   .ticket = plan->new_tickets[0],
                   .free_children = {},
                   .free_child_tickets = {}};
  out.free_children.assign(plan->records.begin() + 1, plan->records.end());
  out.free_child_tickets.assign(plan->new_tickets.begin() + 1, plan->new_tickets.end());
  return out;
}

Result<ChangeResult> SalesService::ReadChange(store::Transaction& tx,
                                              const std::string& change_id) {
  auto rows = tx.Query(std::string("SELECT ") + kChangeColumns +
                           " FROM changes c LEFT JOIN refunds rf ON rf.refund_id = c.refund_id "
                           "WHERE c.change_id = $1 OR c.with_change = $1 "
                           "ORDER BY CASE WHEN c.with_change IS NULL THEN 0 ELSE 1 END, "
                           "c.old_ticket",
                       {Value{change_id}});
  if (!rows) return Propagate(rows);
  if (rows->empty()) return NotFound("no change " + change_id);
  ChangeRecord main = RecordFromRow(rows->at(0));
  auto order = ReadOrder(tx, main.new_order_id);
  if (!order) return Propagate(order);
  auto find = [&](const std::string& number) -> Result<Ticket> {
    for (const Ticket& t : order->tickets) {
      if (t.ticket_number == number) return t;
    }
    return Internal("change " + change_id + " lost its new ticket " + number);
  };
  auto ticket = find(main.new_ticket_number);
  if (!ticket) return Propagate(ticket);
  ChangeResult out{.change = std::move(main),
                   .ticket = std::move(*ticket),
                   .free_children = {},
                   .free_child_tickets = {}};
  for (std::size_t i = 1; i < rows->size(); ++i) {
    out.free_children.push_back(RecordFromRow(rows->at(i)));
    auto child = find(out.free_children.back().new_ticket_number);
    if (!child) return Propagate(child);
    out.free_child_tickets.push_back(std::move(*child));
  }
  return out;
}

Result<ChangeResult> SalesService::Change(const ChangeRequest& request) {
  if (auto key = internal::CheckAfterSaleKey(request.idempotency_key, "change"); !key) {
    return Propagate(key);
  }
  auto in_flight = keys_in_flight_->Enter("change:" + request.idempotency_key);
  core::Instant now = clock_.Now();
  Result<ChangeResult> made = ChangeOnce(request, now);
  if (made) return made;
  // A retry of a change that was made finds the old ticket changed (or its passenger on the
  // new run): answer with the change this key made.
  auto existing = store_.Transact<std::optional<ChangeResult>>(
      [&](store::Transaction& tx) -> Result<std::optional<ChangeResult>> {
        auto rows = tx.Query("SELECT change_id, old_ticket FROM changes WHERE idempotency_key = $1",
                             {Value{request.idempotency_key}});
        if (!rows) return Propagate(rows);
        if (rows->empty()) {
          // A held change (online, dearer) this key made, not (yet) completed.
          auto held = tx.Query(
              "SELECT order_id, old_ticket, status, reason FROM change_holds "
              "WHERE idempotency_key = $1",
              {Value{request.idempotency_key}});
          if (!held) return Propagate(held);
          if (held->empty()) return std::nullopt;
          const store::Row& h = held->at(0);
          if (h.Text(1) != request.ticket_number) {
            return AlreadyExists("this Idempotency-Key changed another ticket; use a new key",
                                 "idempotency_key");
          }
          if (h.Text(2) != "awaiting_payment") {
            return FailedPrecondition(
                "the change made with this Idempotency-Key was " + h.Text(2) +
                    (h.IsNull(3) ? std::string() : " (" + h.Text(3) + ")") + "; ticket " +
                    request.ticket_number + " was not changed. Send a new Idempotency-Key to "
                    "change it again",
                "idempotency_key");
          }
          auto change = ReadChangeHold(tx, h.Text(0));
          if (!change) return Propagate(change);
          return std::optional<ChangeResult>(std::move(*change));
        }
        if (rows->at(0).Text(1) != request.ticket_number) {
          return AlreadyExists("this Idempotency-Key changed another ticket; use a new key",
                               "idempotency_key");
        }
        auto change = ReadChange(tx, rows->at(0).Text(0));
        if (!change) return Propagate(change);
        return std::optional<ChangeResult>(std::move(*change));
      },
      {.read_only = true});
  if (!existing) return Propagate(existing);
  if (!*existing) return made;
  return std::move(**existing);
}

Result<ChangeResult> SalesService::ChangeOnce(const ChangeRequest& request, core::Instant now) {
  auto state_or = LoadRun(request.run_id);
  if (!state_or) return Propagate(state_or);
  std::shared_ptr<RunState> state = *state_or;
  auto holder = MachineHolder(request.staff, request.id_type, request.id_number);
  if (!holder) return Propagate(holder);
  // The checks first, read-only, so a refused change never touches the inventory.
  auto first = store_.Transact<ChangePlan>(
      [&](store::Transaction& tx) { return PlanChange(tx, request, *state, now, &*holder); },
      {.read_only = true});
  if (!first) return Propagate(first);

  // The seat on the new run, in memory, under the new run's lock only. The old run's seat is
  // given back after the commit under the old run's lock: no thread holds two run locks.
  MemorySeats taken;
  {
    std::lock_guard lock(state->mu);
    int free_children = 0;
    for (const Ticket& t : first->tickets) {
      if (state->id_hashes.contains(t.id_hash)) {
        return InZh(
            FailedPrecondition("passenger " + t.passenger_name_masked + " (" + t.id_masked +
                                   ") already has a ticket on run " + request.run_id +
                                   "; nothing was changed",
                               "run_id"),
            "乘客 " + t.passenger_name_masked + "（" + t.id_masked + "）已有班次 " +
                request.run_id + " 的车票，未改签");
      }
      if (t.seat == 0) ++free_children;
    }
    int cap = state->run.seats * policy_.free_child_percent / 100;
    if (state->free_children + free_children > cap) {
      return InZh(FailedPrecondition("the free-child (携童) places of run " + request.run_id +
                                         " are taken; nothing was changed",
                                     "run_id"),
                  "班次 " + request.run_id + " 的携童名额已满，未改签");
    }
    for (const Ticket& t : first->tickets) {
      if (t.seat == 0) {
        taken.seats.push_back(0);
        continue;
      }
      auto seat = state->inventory.Allocate(core::SeatRequest{
          .from = first->from_index,
          .to = first->to_index,
          .seat = std::nullopt,
          .channel = core::ChannelId{static_cast<std::uint16_t>(request.channel)},
          .now = now});
      if (!seat) {
        for (int s : taken.seats) {
          if (s > 0) (void)state->inventory.Release(s, first->from_index, first->to_index);
        }
        return InZh(FailedPrecondition("run " + request.run_id + " has no seat from " +
                                           t.from.str() + " to " + t.to.str() + " (" +
                                           seat.error().message +
                                           "); nothing was changed, choose another run",
                                       "run_id"),
                    "班次 " + request.run_id + " 在该区间已无余座，未改签，请选择其他班次");
      }
      taken.seats.push_back(*seat);
    }
    for (const Ticket& t : first->tickets) {
      state->id_hashes.insert(t.id_hash);
      taken.hashes.push_back(t.id_hash);
    }
    state->free_children += free_children;
  }
  auto give_back = [&] {
    std::vector<Ticket> held = first->new_tickets;
    for (std::size_t i = 0; i < held.size(); ++i) held[i].seat = taken.seats[i];
    (void)ReleaseInMemory(request.run_id, held, taken.hashes);
  };

  std::optional<ChangePlan> done;
  std::optional<RefundRecord> provider_refund;  // asked of the provider after the commit
  auto result = store_.Transact<ChangeResult>([&](store::Transaction& tx) -> Result<ChangeResult> {
    done.reset();
    provider_refund.reset();
    auto plan = PlanChange(tx, request, *state, now, &*holder);
    if (!plan) return Propagate(plan);
    if (plan->tickets.size() != first->tickets.size() ||
        plan->from_index != first->from_index || plan->to_index != first->to_index) {
      return InZh(FailedPrecondition("ticket " + request.ticket_number +
                                     " or its free children changed meanwhile; try again"),
                  "车票 " + request.ticket_number + " 或其携童刚刚发生变化，请重试");
    }
    if (!plan->hold) {
      // End the old tickets: only an issued, active ticket turns changed. Written before the
      // check-in look-up, as a refund does, so a racing refund, check-in or second change and
      // this one serialize on the ticket's row and exactly one wins.
      for (const Ticket& t : plan->tickets) {
        auto ended =
            internal::EndTicket(tx, t, "changed", eticket::RevocationReason::kChanged, now);
        if (!ended) return Propagate(ended);
      }
    }
    auto order_id = WriteNewOrder(tx, *plan, taken.seats, request, now);
    if (!order_id) return Propagate(order_id);
    for (std::size_t i = 0; i < plan->records.size(); ++i) {
      plan->records[i].new_order_id = *order_id;
      plan->records[i].new_ticket_number = plan->new_tickets[i].ticket_number;
    }

    if (plan->hold) {
      // Dearer, online: held until the new order is paid (CompleteHeldChange).
      const ChangeRecord& r = plan->records[0];
      auto held = tx.Execute(
          "INSERT INTO change_holds (order_id, old_ticket, old_run_id, change_number, "
          "old_fare_fen, new_fare_fen, fee_fen, charge_fen, rule, channel, status, created_at, "
          "idempotency_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
          "'awaiting_payment', $11, $12)",
          {Value{*order_id}, Value{r.old_ticket_number}, Value{r.old_run_id},
           Value{std::int64_t{r.change_number}}, Value{r.old_fare.fen()}, Value{r.new_fare.fen()},
           Value{r.fee.fen()}, Value{r.charge.fen()}, Value{r.rule},
           Value{std::string(ChannelKey(request.channel))}, Value{now.unix_micros()},
           Value{request.idempotency_key}});
      if (!held) return Propagate(held);
      for (ChangeRecord& record : plan->records) record.money_status = "awaiting_payment";
    } else {
      // The records: the change of each ticket, and the provider refund of a cheaper fare.
      for (ChangeRecord& r : plan->records) {
        r.money_status = r.money == "provider" ? "pending" : "done";
        if (r.money != "provider") continue;
        auto refund = WriteProviderRefund(
            tx, r, plan->old_order.order_id, *plan->payment, r.refund,
            "change (改签) to ticket " + r.new_ticket_number + ": the cheaper fare's difference "
            "back (" + r.rule + ")",
            request, now);
        if (!refund) return Propagate(refund);
        r.refund_id = refund->refund_id;
        provider_refund = *refund;
      }
      if (auto written = WriteChangeRecords(tx, plan->records, plan->new_tickets, request, now);
          !written) {
        return Propagate(written);
      }
    }
    ChangeResult out{.change = plan->records[0],
                     .ticket = plan->new_tickets[0],
                     .free_children = {},
                     .free_child_tickets = {}};
    out.free_children.assign(plan->records.begin() + 1, plan->records.end());
    out.free_child_tickets.assign(plan->new_tickets.begin() + 1, plan->new_tickets.end());
    done = std::move(*plan);
    return out;
  });
  if (!result) {
    give_back();
    if (result.error().code == ErrorCode::kAlreadyExists &&
        result.error().internal.find("idempotency") == std::string::npos) {
      // The store refused what memory allowed: memory is stale. Rebuild the run's image.
      std::lock_guard lock(mu_);
      runs_.erase(request.run_id);
      spdlog::error("sales: store refused a change onto {} that memory allowed: {}",
                    request.run_id, result.error().ToString());
      return InZh(FailedPrecondition("the seat or passenger was taken meanwhile; try again"),
                  "座位或乘客刚被另一笔订单占用，请重试");
    }
    return result;
  }
  if (done->hold) return result;  // the old ticket stays valid until the new order is paid
  std::vector<std::string> hashes;
  for (const Ticket& t : done->tickets) hashes.push_back(t.id_hash);
  (void)ReleaseInMemory(done->old_order.run_id, done->tickets, hashes);
  if (provider_refund) AskProviderToRefund(*provider_refund);
  return result;
}

Result<ChangeResult> SalesService::ReadChangeHold(store::Transaction& tx,
                                                  const std::string& order_id) {
  auto rows = tx.Query(
      "SELECT old_ticket, old_run_id, change_number, old_fare_fen, new_fare_fen, fee_fen, "
      "charge_fen, rule, status, created_at, change_id FROM change_holds WHERE order_id = $1",
      {Value{order_id}});
  if (!rows) return Propagate(rows);
  if (rows->empty()) return NotFound("order " + order_id + " holds no change");
  const store::Row& h = rows->at(0);
  if (!h.IsNull(10)) return ReadChange(tx, h.Text(10));
  auto order = ReadOrder(tx, order_id);
  if (!order) return Propagate(order);
  if (order->tickets.empty()) return Internal("held change " + order_id + " has no tickets");
  auto record = [&](const Ticket& t, bool main) {
    return ChangeRecord{
        .change_id = {},
        .old_ticket_number = t.changed_from.value_or(""),
        .new_ticket_number = t.ticket_number,
        .new_order_id = order_id,
        .old_run_id = h.Text(1),
        .new_run_id = order->run_id,
        .change_number = static_cast<int>(h.Int(2)),
        .old_fare = core::Money::Fen(main ? h.Int(3) : 0),
        .new_fare = core::Money::Fen(main ? h.Int(4) : 0),
        .fee = core::Money::Fen(main ? h.Int(5) : 0),
        .charge = core::Money::Fen(main ? h.Int(6) : 0),
        .refund = {},
        .rule = main ? h.Text(7) : "free child (携童) moved with its adult: no fee",
        .money = main ? "provider" : "none",
        .money_status = h.Text(8),
        .refund_id = std::nullopt,
        .payment_id = std::nullopt,
        .at = core::Instant::FromUnixMicros(h.Int(9))};
  };
  ChangeResult out{.change = record(order->tickets[0], true),
                   .ticket = order->tickets[0],
                   .free_children = {},
                   .free_child_tickets = {}};
  for (std::size_t i = 1; i < order->tickets.size(); ++i) {
    out.free_children.push_back(record(order->tickets[i], false));
    out.free_child_tickets.push_back(order->tickets[i]);
  }
  return out;
}

Result<std::optional<SalesService::HeldChangeOutcome>> SalesService::CompleteHeldChange(
    store::Transaction& tx, Order& order, const std::string& payment_id, core::Instant now) {
  auto held = ReadChangeHold(tx, order.order_id);
  if (!held) {
    if (held.error().code == ErrorCode::kNotFound) return std::nullopt;  // an ordinary order
    return Propagate(held);
  }
  auto key = tx.QueryOne("SELECT idempotency_key, channel FROM change_holds WHERE order_id = $1",
                         {Value{order.order_id}});
  if (!key) return Propagate(key);
  auto channel = ParseChannel(key->Text(1));
  if (!channel) return Internal("held change " + order.order_id + " has a bad channel");
  std::string old_run_id = held->change.old_run_id;
  HeldChangeOutcome outcome{.done = false,
                            .change = std::move(*held),
                            .old_run_id = std::move(old_run_id),
                            .old_tickets = {},
                            .refund = std::nullopt};
  // The old tickets, as they are now: each must still be issued and not checked in.
  std::string refused;
  std::optional<Order> old_order;
  for (const Ticket& n : order.tickets) {
    auto row = tx.QueryOne("SELECT order_id FROM tickets WHERE ticket_number = $1",
                           {Value{n.changed_from.value_or("")}});
    if (!row) return Propagate(row);
    if (!old_order || old_order->order_id != row->Text(0)) {
      auto read = ReadOrder(tx, row->Text(0));
      if (!read) return Propagate(read);
      old_order = std::move(*read);
    }
    auto old = std::find_if(old_order->tickets.begin(), old_order->tickets.end(),
                            [&](const Ticket& t) { return t.ticket_number == n.changed_from; });
    if (old == old_order->tickets.end()) return Internal("held change lost its old ticket");
    if (old->status != "issued") {
      refused = "ticket " + old->ticket_number + " was " + old->status + " meanwhile";
    } else if (auto boarded = internal::RefuseIfCheckedIn(tx, *old, "changed"); !boarded) {
      refused = boarded.error().message;
    }
    outcome.old_tickets.push_back(*old);
  }
  if (!refused.empty()) {
    // Nothing changes on the old ticket; the held seats go back and the money is owed back.
    auto failed = tx.Execute(
        "UPDATE change_holds SET status = 'failed', reason = $1 WHERE order_id = $2 AND "
        "status = 'awaiting_payment'",
        {Value{refused}, Value{order.order_id}});
    if (!failed) return Propagate(failed);
    auto ended = internal::EndHold(tx, order.order_id, "cancelled", std::nullopt);
    if (!ended) return Propagate(ended);
    outcome.change.change.money_status = "failed";
    for (ChangeRecord& r : outcome.change.free_children) r.money_status = "failed";
    return std::optional<HeldChangeOutcome>(std::move(outcome));
  }

  for (const Ticket& t : outcome.old_tickets) {
    auto ended = internal::EndTicket(tx, t, "changed", eticket::RevocationReason::kChanged, now);
    if (!ended) return Propagate(ended);
  }
  auto provider = tx.QueryOne("SELECT provider FROM payments WHERE payment_id = $1",
                              {Value{payment_id}});
  if (!provider) return Propagate(provider);
  if (auto issued = IssueTickets(tx, order, provider->Text(0), now); !issued) {
    return Propagate(issued);
  }
  // Filled member by member: g++ 12 at -O3 reports a false -Wmaybe-uninitialized on the
  // Seller inside a designated initializer of this struct (GCC bug 107919's family).
  ChangeRequest request;
  request.ticket_number = outcome.change.change.old_ticket_number;
  request.run_id = order.run_id;
  request.idempotency_key = key->Text(0);
  request.channel = *channel;
  std::vector<ChangeRecord> records{outcome.change.change};
  records.insert(records.end(), outcome.change.free_children.begin(),
                 outcome.change.free_children.end());
  for (std::size_t i = 0; i < records.size(); ++i) {
    records[i].new_ticket_number = order.tickets[i].ticket_number;
    records[i].money_status = "done";
    records[i].at = now;
  }
  ChangeRecord& main = records[0];
  main.payment_id = payment_id;
  // The old fare less the fee back through the old ticket's payment.
  core::Money back = main.old_fare - main.fee;
  if (back.fen() > 0) {
    auto origin = OriginPayment(tx, main.old_ticket_number);
    if (!origin) return Propagate(origin);
    auto refund = WriteProviderRefund(
        tx, main, old_order->order_id, *origin, back,
        "change (改签) to ticket " + main.new_ticket_number + ", paid in full by payment " +
            payment_id + ": the old fare less the fee back (" + main.rule + ")",
        request, now);
    if (!refund) return Propagate(refund);
    main.refund_id = refund->refund_id;
    main.money_status = "pending";
    outcome.refund = *refund;
  }
  if (auto written = WriteChangeRecords(tx, records, order.tickets, request, now); !written) {
    return Propagate(written);
  }
  auto marked = tx.Execute(
      "UPDATE change_holds SET status = 'done', change_id = $1 WHERE order_id = $2 AND "
      "status = 'awaiting_payment'",
      {Value{main.change_id}, Value{order.order_id}});
  if (!marked) return Propagate(marked);
  if (*marked != 1) return Aborted("held change " + order.order_id + " changed meanwhile");
  outcome.done = true;
  outcome.change.change = records[0];
  outcome.change.ticket = order.tickets[0];
  outcome.change.free_children.assign(records.begin() + 1, records.end());
  outcome.change.free_child_tickets.assign(order.tickets.begin() + 1, order.tickets.end());
  return std::optional<HeldChangeOutcome>(std::move(outcome));
}

}  // namespace keyun::sales
