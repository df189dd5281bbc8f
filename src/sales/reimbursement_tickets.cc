#include "sales/reimbursement_tickets.h"

#include <fmt/format.h>

#include "core/id_document.h"
#include "eticket/reimbursement_pdf.h"
#include "sales/internal/voucher_fare_type.h"

namespace keyun::sales {
namespace {

using store::Value;

struct PrintRow {
  std::string ticket_number;
  std::string kind;
  int sequence = 0;
  core::Instant printed_at;
  std::optional<std::string> approved_by;
};

Result<std::optional<PrintRow>> FindByKey(store::Transaction& tx, const std::string& key) {
  auto rows = tx.Query(
      "SELECT ticket_number, sequence, printed_at, approved_by, kind FROM reimbursement_prints "
      "WHERE idempotency_key = $1",
      {Value{key}});
  if (!rows) return Propagate(rows);
  if (rows->empty()) return std::optional<PrintRow>();
  const store::Row& r = rows->front();
  return std::optional<PrintRow>(PrintRow{.ticket_number = r.Text(0),
                                          .kind = r.Text(4),
                                          .sequence = static_cast<int>(r.Int(1)),
                                          .printed_at = core::Instant::FromUnixMicros(r.Int(2)),
                                          .approved_by = r.OptionalText(3)});
}

}  // namespace

Result<std::string> ReimbursementTickets::HashId(const std::string& id_type,
                                                 const std::string& id_number) {
  auto type = core::ParseIdType(id_type);
  if (!type) return InvalidArgument(type.error().message, "id_type");
  auto document = core::IdDocument::Parse(*type, id_number, clock_.Now().ShanghaiDate());
  if (!document) return InvalidArgument(document.error().message, "id_number");
  return hasher_.HashIdDocument(*document);
}

Result<PrintedDocument> ReimbursementTickets::Print(const ReimbursementRequest& request) {
  if (request.idempotency_key.empty() || request.idempotency_key.size() > 128) {
    return InvalidArgument("an Idempotency-Key of 1 to 128 characters is required: a retried "
                           "print must not print twice",
                           "Idempotency-Key");
  }
  if (request.channel != Channel::kWindow && request.channel != Channel::kKiosk) {
    return InvalidArgument("reimbursement tickets are printed at a window or a self-service "
                           "machine",
                           "channel");
  }
  if (request.printed_by.empty()) return InvalidArgument("who prints is required", "printed_by");
  if (auto number = core::TicketNumber::Parse(request.ticket_number); !number) {
    return InvalidArgument(number.error().message, "ticket_number");
  }
  auto ticket = sales_.GetTicket(request.ticket_number);
  if (!ticket) return Propagate(ticket);
  const bool refunded = ticket->status == "refunded";
  if ((ticket->status != "issued" && !refunded) || !ticket->issued_at) {
    return FailedPrecondition("ticket " + request.ticket_number + " is " + ticket->status +
                              ": only an issued ticket has a reimbursement ticket (a refunded "
                              "one its refund receipt)");
  }
  const std::string kind = refunded ? "refund_receipt" : "reimbursement";
  if (request.channel == Channel::kKiosk || !request.id_number.empty()) {
    if (request.id_number.empty()) {
      return InvalidArgument("swipe the ID card the ticket was bought with", "id_number");
    }
    auto hash = HashId(request.id_type.empty() ? "resident_id" : request.id_type,
                       request.id_number);
    if (!hash) return Propagate(hash);
    if (*hash != ticket->id_hash) {
      return PermissionDenied("this ID document is not the one ticket " + request.ticket_number +
                              " was bought with");
    }
  }
  if (request.supervisor) {
    const network::Staff& s = *request.supervisor;
    if (s.role != network::Role::kStationManager || !s.station || *s.station != request.station) {
      return PermissionDenied("a reprint (重打) is approved by a station manager of " +
                              request.station.str() + "; " + s.username + " is not one");
    }
  }

  auto print = store_.Transact<PrintedDocument>([&](store::Transaction& tx)
                                                    -> Result<PrintedDocument> {
    auto earlier = FindByKey(tx, request.idempotency_key);
    if (!earlier) return Propagate(earlier);
    if (*earlier) {
      if ((*earlier)->ticket_number != request.ticket_number) {
        return AlreadyExists("Idempotency-Key " + request.idempotency_key +
                                 " was used to print ticket " + (*earlier)->ticket_number,
                             "Idempotency-Key");
      }
      return PrintedDocument{.ticket_number = request.ticket_number,
                             .kind = (*earlier)->kind,
                             .sequence = (*earlier)->sequence,
                             .reprint = (*earlier)->sequence > 1,
                             .printed_at = (*earlier)->printed_at,
                             .approved_by = (*earlier)->approved_by,
                             .pdf = {}};
    }
    auto last = tx.Query(
        "SELECT sequence, printed_at, station FROM reimbursement_prints WHERE ticket_number = $1 "
        "AND kind = $2 ORDER BY sequence DESC LIMIT 1",
        {Value{request.ticket_number}, Value{kind}});
    if (!last) return Propagate(last);
    const int sequence = last->empty() ? 1 : static_cast<int>(last->front().Int(0)) + 1;
    if (sequence > 1 && !request.supervisor) {
      const auto at = core::Instant::FromUnixMicros(last->front().Int(1));
      return FailedPrecondition(fmt::format(
          "{}已打印（{} 于 {}），重打须经站务经理同意 / the {} was printed at {} {}; a reprint "
          "(重打) needs a station manager's approval",
          refunded ? "退票费收据" : "报销凭证", at.ToIso8601(), last->front().Text(2),
          refunded ? "refund receipt" : "reimbursement ticket", at.ToIso8601(),
          last->front().Text(2)));
    }
    const core::Instant now = clock_.Now();
    std::optional<std::string> approved_by;
    if (sequence > 1) approved_by = request.supervisor->username;
    auto inserted = tx.Execute(
        "INSERT INTO reimbursement_prints (ticket_number, sequence, kind, printed_at, station, "
        "channel, printed_by, approved_by, idempotency_key) VALUES ($1, $2, $9, $3, $4, $5, $6, "
        "$7, $8)",
        {Value{request.ticket_number}, Value{std::int64_t{sequence}}, Value{now.unix_micros()},
         Value{request.station.str()}, Value{std::string(ChannelKey(request.channel))},
         Value{request.printed_by}, approved_by ? Value{*approved_by} : Value{},
         Value{request.idempotency_key}, Value{kind}});
    if (!inserted) {
      // Another print of this ticket (or with this key) committed first: decide again on it.
      if (inserted.error().code == ErrorCode::kAlreadyExists) {
        return Aborted("a concurrent print of ticket " + request.ticket_number);
      }
      return Propagate(inserted);
    }
    return PrintedDocument{.ticket_number = request.ticket_number,
                           .kind = kind,
                           .sequence = sequence,
                           .reprint = sequence > 1,
                           .printed_at = now,
                           .approved_by = approved_by,
                           .pdf = {}};
  });
  if (!print) return Propagate(print);
  auto pdf = Render(*ticket, *print, request);
  if (!pdf) return Propagate(pdf);
  print->pdf = std::move(*pdf);
  return print;
}

Result<std::string> ReimbursementTickets::Render(const Ticket& t, const PrintedDocument& print,
                                                 const ReimbursementRequest& request) {
  auto run_id = core::RunId::Parse(t.run_id);
  auto number = core::TicketNumber::Parse(t.ticket_number);
  if (!run_id || !number) return Internal("ticket " + t.ticket_number + " is corrupt");
  auto from = network_.GetStation(t.from);
  auto to = network_.GetStation(t.to);
  auto here = network_.GetStation(request.station);
  std::string printed_by =
      (here ? here->name : request.station.str()) +
      (request.channel == Channel::kKiosk ? " 自助机" : " 售票窗口");
  const std::string operator_name = request.channel == Channel::kKiosk ? "" : request.printed_by;
  if (print.kind == "refund_receipt") {
    auto refund = store_.Transact<store::Rows>(
        [&](store::Transaction& tx) {
          return tx.Query(
              "SELECT fare_fen, fee_fen, refunded_fen, at FROM refunds WHERE ticket_number = $1",
              {Value{t.ticket_number}});
        },
        {.read_only = true});
    if (!refund) return Propagate(refund);
    if (refund->empty()) return Internal("refunded ticket " + t.ticket_number + " has no refund");
    const store::Row& r = refund->front();
    return eticket::RenderRefundReceiptPdf(eticket::RefundReceiptView{
        .ticket_number = *number,
        .run = *run_id,
        .from_station_name = from ? from->name : t.from.str(),
        .to_station_name = to ? to->name : t.to.str(),
        .departs_at = t.departs_at,
        .fare_type = internal::ToVoucherFareType(t.fare_type),
        .fare = core::Money::Fen(r.Int(0)),
        .refund_fee = core::Money::Fen(r.Int(1)),
        .refunded = core::Money::Fen(r.Int(2)),
        .refunded_at = core::Instant::FromUnixMicros(r.Int(3)),
        .passenger_name_masked = t.passenger_name_masked,
        .id_number_masked = t.id_masked,
        .printed_at = print.printed_at,
        .printed_by = printed_by,
        .operator_name = operator_name,
        .print_sequence = print.sequence,
        .reprint = print.reprint});
  }
  auto text = vouchers_.Text(t.ticket_number);
  if (!text) return Propagate(text);
  auto run = network_.GetRun(*run_id);
  if (!run) return Propagate(run);
  auto carrier = network_.GetCarrier(run->carrier);
  return eticket::RenderReimbursementPdf(eticket::ReimbursementView{
      .ticket_number = *number,
      .run = *run_id,
      .from_station_name = from ? from->name : t.from.str(),
      .to_station_name = to ? to->name : t.to.str(),
      .departs_at = t.departs_at,
      .seat = t.seat,
      .fare_type = internal::ToVoucherFareType(t.fare_type),
      .fare = t.fare,
      .station_fee = t.station_fee.fen() > 0 ? std::optional(t.station_fee) : std::nullopt,
      .carrier_name = carrier ? carrier->name : run->carrier.str(),
      .passenger_name_masked = t.passenger_name_masked,
      .id_number_masked = t.id_masked,
      .printed_at = print.printed_at,
      .printed_by = printed_by,
      .operator_name = operator_name,
      .voucher_text = *text,
      .print_sequence = print.sequence,
      .reprint = print.reprint});
}

Result<std::vector<CollectableTicket>> ReimbursementTickets::TicketsOf(
    const std::string& id_type, const std::string& id_number) {
  auto hash = HashId(id_type, id_number);
  if (!hash) return Propagate(hash);
  const core::Instant since = clock_.Now() - std::chrono::hours(24 * 30);
  auto rows = store_.Transact<store::Rows>(
      [&](store::Transaction& tx) {
        return tx.Query(
            "SELECT t.ticket_number, (SELECT COUNT(*) FROM reimbursement_prints p WHERE "
            "p.ticket_number = t.ticket_number) FROM tickets t JOIN runs r ON r.run_id = t.run_id "
            "WHERE t.id_hash = $1 AND t.status = 'issued' AND (t.after_sale IS NULL OR "
            "t.after_sale = 'refunded') AND r.departs_at >= $2 "
            "ORDER BY r.departs_at DESC LIMIT 50",
            {Value{*hash}, Value{since.unix_micros()}});
      },
      {.read_only = true});
  if (!rows) return Propagate(rows);
  std::vector<CollectableTicket> out;
  for (const auto& r : *rows) {
    auto ticket = sales_.GetTicket(r.Text(0));
    if (!ticket) return Propagate(ticket);
    out.push_back({.ticket = std::move(*ticket), .prints = static_cast<int>(r.Int(1))});
  }
  return out;
}

}  // namespace keyun::sales
