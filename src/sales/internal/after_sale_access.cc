#include "sales/internal/after_sale_access.h"

#include <fmt/format.h>

namespace keyun::sales::internal {

namespace {

// The holder's proof at a self-service machine: the ID card the ticket was bought with, or
// its order's access token (from the buyer's phone).
Result<void> CheckHolderAtMachine(const AfterSaleCaller& caller, const TicketSale& sale) {
  const std::optional<std::string>& card = *caller.holder_id_hash;
  if (card) {
    if (*card == sale.id_hash) return {};
    return PermissionDenied(fmt::format(
        "this ID card is not the one ticket {} was bought with; swipe the holder's card, or {} "
        "it at a window",
        caller.ticket_number, caller.action));
  }
  if (caller.access_token.empty()) {
    return InZh(InvalidArgument(fmt::format("at a self-service machine the holder swipes the ID "
                                            "card the ticket was bought with (id_number) or "
                                            "shows its order's access token (access_token) to "
                                            "{} it",
                                            caller.action),
                                "id_number"),
                fmt::format("在自助机上{}，请刷购票时使用的身份证", caller.action == "refund" ? "退票" : "改签"));
  }
  if (sale.holds_token) return {};
  return InZh(PermissionDenied(fmt::format(
                  "this access token is not that of ticket {}'s order; show the order the "
                  "ticket was bought with (after a change, the new order's), or swipe the "
                  "holder's ID card",
                  caller.ticket_number)),
              fmt::format("凭据与车票 {} 的订单不符；请出示购票订单，或刷持票人的身份证",
                          caller.ticket_number));
}

}  // namespace

Result<void> CheckAfterSaleAccess(const AfterSaleCaller& caller, const TicketSale& sale) {
  const std::string action(caller.action);
  const std::string boarding = sale.boarding->str();
  if (caller.channel == Channel::kWindow || caller.channel == Channel::kKiosk) {
    const Seller& staff = *caller.staff;
    if (staff.staff_username.empty()) {
      return PermissionDenied(action + "s at a window or kiosk need a staff session; log in first");
    }
    if (staff.machine && caller.operator_cause) {
      return PermissionDenied("a refund for a delayed or missed run is given at a window, where "
                              "the clerk checks the cause; a stopped run's tickets refund "
                              "without fee here too");
    }
    if (staff.machine && caller.holder_id_hash) {
      if (auto proof = CheckHolderAtMachine(caller, sale); !proof) return proof;
    }
    if (staff.province_wide) return {};
    if (!staff.station) {
      return PermissionDenied("your account has no station, so it cannot " + action +
                              " at a window");
    }
    const std::string here = staff.station->str();
    if (*staff.station == *sale.boarding) return {};
    bool sold_here = (sale.channel == "window" || sale.channel == "kiosk") &&
                     *sale.seller_station && **sale.seller_station == here;
    if (sold_here) return {};
    return PermissionDenied(fmt::format(
        "this ticket boards at station {} and was not sold at station {}; {} it at a window "
        "of {} or on the channel that sold it ({})",
        boarding, here, action, boarding, sale.channel));
  }
  if (caller.operator_cause) {
    return PermissionDenied(
        "only station staff may refund for a stopped, delayed or missed run; ask at a window");
  }
  if (sale.channel != ChannelKey(caller.channel)) {
    return PermissionDenied(fmt::format(
        "this ticket was sold on the {} channel; {} it there or at a window of its boarding "
        "station {}",
        sale.channel, action, boarding));
  }
  if (caller.access_token.empty()) {
    return InZh(InvalidArgument("give the access token of the order the ticket was bought with "
                                "(access_token, given to the buyer with the order)",
                                "access_token"),
                "请提供购票订单的凭据（access_token，下单时发给购票人）");
  }
  if (!sale.holds_token) {
    return InZh(PermissionDenied(fmt::format(
                    "this access token is not that of ticket {}'s order; use the order the "
                    "ticket was bought with (after a change, the new order's)",
                    caller.ticket_number)),
                fmt::format("凭据与车票 {} 的订单不符；请使用购票时的订单（改签后为新订单）",
                            caller.ticket_number));
  }
  return {};
}

Result<void> CheckAfterSaleKey(std::string_view key, std::string_view action) {
  if (!key.empty() && key.size() <= 100) return {};
  return InvalidArgument(fmt::format("send an Idempotency-Key of 1 to 100 characters, unique per "
                                     "{0}, so a retried request cannot {0} twice",
                                     action),
                         "idempotency_key");
}

std::vector<Ticket> WithFreeChildren(const Ticket& ticket,
                                     const std::vector<Ticket>& order_tickets) {
  std::vector<Ticket> out{ticket};
  for (const Ticket& t : order_tickets) {
    if (t.attached_to && *t.attached_to == ticket.ticket_id && t.status == "issued") {
      out.push_back(t);
    }
  }
  return out;
}

Result<void> RefuseIfCheckedIn(store::Transaction& tx, const Ticket& t, std::string_view done) {
  auto checked = tx.Query("SELECT station, at FROM checkins WHERE ticket_number = $1",
                          {store::Value{t.ticket_number}});
  if (!checked) return Propagate(checked);
  if (checked->empty()) return {};
  return FailedPrecondition(fmt::format(
      "ticket {} was checked in at station {} at {}; a boarded ticket is not {}",
      t.ticket_number, checked->at(0).Text(0),
      core::Instant::FromUnixMicros(checked->at(0).Int(1)).ToIso8601(), done));
}

Result<void> RefuseIfReimbursed(store::Transaction& tx, const Ticket& t, Channel channel,
                                std::string_view done) {
  if (channel == Channel::kWindow) return {};
  auto printed = tx.Query(
      "SELECT printed_at, station FROM reimbursement_prints WHERE ticket_number = $1 AND kind = "
      "'reimbursement' ORDER BY sequence LIMIT 1",
      {store::Value{t.ticket_number}});
  if (!printed) return Propagate(printed);
  if (printed->empty()) return {};
  return FailedPrecondition(fmt::format(
      "the reimbursement ticket (报销凭证) of ticket {} was printed at {} at station {}; it can "
      "only be {} at a ticket window, where the paper is handed back",
      t.ticket_number, core::Instant::FromUnixMicros(printed->at(0).Int(0)).ToIso8601(),
      printed->at(0).Text(1), done));
}

Result<void> EndTicket(store::Transaction& tx, const Ticket& t, std::string_view after_sale,
                       eticket::RevocationReason reason, core::Instant now) {
  using store::Value;
  auto updated = tx.Execute(
      "UPDATE tickets SET after_sale = $2, active = 0 WHERE ticket_id = $1 AND "
      "status = 'issued' AND active = 1 AND after_sale IS NULL",
      {Value{t.ticket_id}, Value{std::string(after_sale)}});
  if (!updated) return Propagate(updated);
  if (*updated != 1) return Aborted("ticket " + t.ticket_number + " changed meanwhile");
  if (auto boarded = RefuseIfCheckedIn(tx, t, after_sale); !boarded) return boarded;
  auto freed = tx.Execute("DELETE FROM seat_segments WHERE ticket_id = $1", {Value{t.ticket_id}});
  if (!freed) return Propagate(freed);
  const std::int64_t segments = t.seat > 0 ? t.to_index - t.from_index : 0;
  if (*freed != segments) {
    return Internal(fmt::format("ticket {} held {} seat segments, not {}", t.ticket_number,
                                *freed, segments));
  }
  auto number = core::TicketNumber::Parse(t.ticket_number);
  if (!number) return Internal("ticket " + t.ticket_number + " has a malformed number");
  auto revoked = eticket::RevokeTicket(tx, *number, reason, now);
  if (!revoked) return Propagate(revoked);
  return {};
}

}  // namespace keyun::sales::internal
