// Who may refund (退票) or change (改签) a ticket, and where (DESIGN.md §3), and how either
// ends the old ticket. Shared by refunds.cc and changes.cc, so both after-sales admit exactly
// the same people and end a ticket the same way. Private to sales/.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/result.h"
#include "core/time.h"
#include "eticket/revocations.h"
#include "sales/sales_service.h"
#include "store/store.h"

namespace keyun::sales::internal {

// Who asks, on which channel.
struct AfterSaleCaller {
  Channel channel = Channel::kMobile;
  const Seller* staff = nullptr;  // the staff session; its username is empty for passengers
  // On mobile and platform (and, instead of an ID card, at a machine): the access token of the
  // order the passenger holds, which only its buyer was given.
  std::string_view access_token;
  std::string_view ticket_number;
  bool operator_cause = false;  // a refund for the operator's fault: staff only
  std::string_view action;      // "refund" or "change", for the messages
  // At a self-service machine (staff->machine) nobody sees the passenger's papers: the keyed
  // hash of the ID card the machine read, or nullopt when it read none (then access_token must
  // be the ticket's order's). Null for a quote, which changes nothing and asks for no proof.
  const std::optional<std::string>* holder_id_hash = nullptr;
};

// The ticket's sale as the check needs it.
struct TicketSale {
  std::string_view order_id;
  bool holds_token = false;  // the caller's access_token is this order's (IsOrderAccessToken)
  std::string_view id_hash;                     // the ticket holder's keyed ID hash
  std::string_view channel;                     // the order's channel
  const std::optional<std::string>* seller_station = nullptr;  // the order's selling station
  const core::StationCode* boarding = nullptr;  // the ticket's boarding station
};

// Ok if `caller` may act on the ticket: on the channel that sold it (mobile and platform: with
// its order's access token), or at any window or kiosk of its boarding station (staff of the
// selling station may act on their own window sales too; a province administrator anywhere);
// at a machine only for a passenger cause and, unless quoting, with the holder's ID card or
// the order's access token. kPermissionDenied saying where to go instead; kInvalidArgument
// (field "access_token" for a passenger online, "id_number" at a machine) when no proof is given.
[[nodiscard]] Result<void> CheckAfterSaleAccess(const AfterSaleCaller& caller,
                                                const TicketSale& sale);

// Ok if `key`, the request's Idempotency-Key, is 1 to 100 characters; kInvalidArgument (field
// "idempotency_key") saying why it is needed otherwise. `action`: "refund" or "change".
[[nodiscard]] Result<void> CheckAfterSaleKey(std::string_view key, std::string_view action);

// `ticket` and the free children (携童) attached to it still issued, from its order's tickets:
// what a refund or a change of it moves together.
[[nodiscard]] std::vector<Ticket> WithFreeChildren(const Ticket& ticket,
                                                   const std::vector<Ticket>& order_tickets);

// kFailedPrecondition naming when and where if `ticket` checked in ("a boarded ticket is not
// {done}": "refunded", "changed").
[[nodiscard]] Result<void> RefuseIfCheckedIn(store::Transaction& tx, const Ticket& ticket,
                                             std::string_view done);

// kFailedPrecondition if `ticket`'s reimbursement ticket (报销凭证) was printed and `channel` is
// not a window: the passenger holds paper worth the fare, which only a clerk can take back
// (as at China Railway's windows). Read in the after-sale's transaction, so that a print and a
// refund racing each other serialize (PostgreSQL sees the read-write conflict both ways).
// `done`: "refunded" or "changed".
[[nodiscard]] Result<void> RefuseIfReimbursed(store::Transaction& tx, const Ticket& ticket,
                                              Channel channel, std::string_view done);

// Ends `ticket` in `tx` as `after_sale` ("refunded" or "changed"): a conditional update that
// only an issued, active ticket passes (kAborted otherwise: it changed meanwhile, decide
// again), written before the check-in look-up so that a racing refund, change or check-in
// serialize on the ticket's row and exactly one wins; kFailedPrecondition if it checked in;
// then its seat segments freed (kInternal unless exactly its own) and its voucher revoked.
[[nodiscard]] Result<void> EndTicket(store::Transaction& tx, const Ticket& ticket,
                                     std::string_view after_sale,
                                     eticket::RevocationReason reason, core::Instant now);

}  // namespace keyun::sales::internal
