// ReimbursementTickets (报销凭证): the one paper reimbursement ticket a passenger may take per
// ticket — for a refunded ticket the refund fee receipt (退票费收据) instead — printed at a
// window or a self-service machine, with reprints (重打) only on a supervisor's approval,
// every print recorded (DESIGN.md §3–4, docs/after-sale.md).
//
//   ReimbursementTickets prints(store, sales, vouchers, network, clock);
//   Result<PrintedDocument> doc = prints.Print(ReimbursementRequest{
//       .ticket_number = "37261123000000000017", .idempotency_key = "w3-0017-1",
//       .channel = Channel::kWindow, .station = here, .printed_by = "li.na"});
//   // doc->pdf: an 80 mm ticket-printer page; doc->sequence == 1, doc->reprint == false
//   // Printing it again: kFailedPrecondition, unless .supervisor is a station manager of
//   // `here`: then sequence 2, marked 重打 on the paper and recorded with the approver.
//
// A retried request (the same idempotency key) gives back the same document, rendered from
// the print's record (its time, station and clerk), never a second print; two different
// requests for a first print racing each other print once (the table's primary key (ticket,
// kind, sequence) decides). Which document a ticket prints is decided from its state inside the
// transaction that records the print, so a refund committing meanwhile is seen. At a
// self-service machine the passenger proves the ticket is theirs with the ID document it was
// bought with.
//
// Errors: kInvalidArgument (a missing key, a malformed number or ID, a station that does not
// exist), kNotFound (no such ticket), kPermissionDenied (the ID does not match the ticket; the
// approver is not a manager of this station), kFailedPrecondition (printed before and no
// approval; a ticket never issued; a changed ticket, whose new ticket prints instead),
// kAlreadyExists (the key was used for another ticket), store errors. A print is recorded
// before its PDF is drawn: should drawing fail, the same key draws it again.
//
// Thread-safety: safe from many threads.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/personal_data.h"
#include "core/result.h"
#include "core/time.h"
#include "network/network_service.h"
#include "sales/sales_service.h"
#include "sales/ticket_vouchers.h"
#include "store/store.h"

namespace keyun::sales {

struct ReimbursementRequest {
  std::string ticket_number;
  std::string idempotency_key;  // 1..128 characters, required
  Channel channel = Channel::kWindow;  // kWindow or kKiosk
  core::StationCode station;           // where it is printed
  std::string printed_by;              // the clerk's username, or the machine's name
  // Required at a self-service machine: the holder's ID document, read from the card.
  std::string id_type = {};
  std::string id_number = {};
  // A second or later print: the supervisor who approved it, authenticated by the caller.
  std::optional<network::Staff> supervisor = {};
};

struct PrintedDocument {
  std::string ticket_number;
  std::string kind;  // "reimbursement" (报销凭证), or "refund_receipt" (退票费收据) when refunded
  int sequence = 1;  // 1: the first print; 2…: reprints
  bool reprint = false;
  core::Instant printed_at;
  std::optional<std::string> approved_by;
  std::string pdf;
};

// A ticket as the collection screen lists it (取票): what it is and whether it was printed.
struct CollectableTicket {
  Ticket ticket;
  int prints = 0;  // reimbursement prints so far
};

class ReimbursementTickets final {
 public:
  // All references must outlive this object. ID documents are hashed with sales' key.
  ReimbursementTickets(store::Store& store, SalesService& sales, TicketVouchers& vouchers,
                       network::NetworkService& network, const core::Clock& clock)
      : store_(store), sales_(sales), vouchers_(vouchers), network_(network), clock_(clock) {}

  // Prints (or, for a retried key, prints again the same) reimbursement ticket.
  [[nodiscard]] Result<PrintedDocument> Print(const ReimbursementRequest& request);

  // The holder's issued tickets departing from 30 days ago onwards, for collection by ID
  // swipe, newest departure first. kInvalidArgument for a malformed ID.
  [[nodiscard]] Result<std::vector<CollectableTicket>> TicketsOf(const std::string& id_type,
                                                                 const std::string& id_number);

 private:
  store::Store& store_;
  SalesService& sales_;
  TicketVouchers& vouchers_;
  network::NetworkService& network_;
  const core::Clock& clock_;
};

}  // namespace keyun::sales
