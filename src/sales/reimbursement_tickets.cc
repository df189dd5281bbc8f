#include "sales/reimbursement_tickets.h"

#include <fmt/format.h>

#include "core/id_document.h"
#include "eticket/reimbursement_pdf.h"
#include "sales/internal/voucher_fare_type.h"

namespace keyun::sales {
namespace {

using store::Value;

constexpr std::string_view kReimbursement = "reimbursement";
constexpr std::string_view kRefundReceipt = "refund_receipt";

// One row of reimbursement_prints: what was printed, when, where and by whom. A retried request
// renders its print again from this record, not from the retry's own station or clerk.
struct PrintRow {
  std::string ticket_number;
  std::string kind;  // kReimbursement or kRefundReceipt
  int sequence = 0;
  core::Instant printed_at;
  std::string station;
  Channel channel = Channel::kWindow;
  std::string printed_by;
  std::optional<std::string> approved_by;
};

constexpr const char* kPrintColumns =
    "ticket_number, kind, sequence, printed_at, station, channel, printed_by, approved_by";

Result<PrintRow> PrintFromRow(const store::Row& r) {
  auto channel = ParseChannel(r.Text(5));
  if (!channel) return Internal("a reimbursement print of " + r.Text(0) + " has a bad channel");
  return PrintRow{.ticket_number = r.Text(0),
                  .kind = r.Text(1),
                  .sequence = static_cast<int>(r.Int(2)),
                  .printed_at = core::Instant::FromUnixMicros(r.Int(3)),
                  .station = r.Text(4),
                  .channel = *channel,
                  .printed_by = r.Text(6),
                  .approved_by = r.OptionalText(7)};
}

Result<std::optional<PrintRow>> FindByKey(store::Transaction& tx, const std::string& key) {
  auto rows = tx.Query(std::string("SELECT ") + kPrintColumns +
                           " FROM reimbursement_prints WHERE idempotency_key = $1",
                       {Value{key}});
  if (!rows) return Propagate(rows);
  if (rows->empty()) return std::optional<PrintRow>();
  auto print = PrintFromRow(rows->front());
  if (!print) return Propagate(print);
  return std::optional<PrintRow>(std::move(*print));
}

// The document a ticket prints, from its state read in `tx` (so that a refund committing
// meanwhile is seen): an issued ticket its reimbursement ticket, a refunded one its refund
// receipt; kFailedPrecondition saying what to do for any other.
Result<std::string_view> DocumentOf(store::Transaction& tx, const std::string& number) {
  auto state = tx.QueryOne(
      "SELECT COALESCE(after_sale, status), issued_at FROM tickets WHERE ticket_number = $1",
      {Value{number}});
  if (!state) return Propagate(state);
  const std::string status = state->Text(0);
  if (status == "refunded") return kRefundReceipt;
  if (status == "issued" && !state->IsNull(1)) return kReimbursement;
  if (status == "changed") {
    auto to = tx.QueryOne("SELECT new_ticket FROM changes WHERE old_ticket = $1", {Value{number}});
    if (!to) return Propagate(to);
    return InZh(FailedPrecondition("ticket " + number + " was changed (改签) to ticket " +
                                   to->Text(0) +
                                   "; print the new ticket's reimbursement ticket instead"),
                "车票 " + number + " 已改签为车票 " + to->Text(0) + "，请打印新车票的报销凭证");
  }
  return InZh(FailedPrecondition("ticket " + number + " is " + status +
                                 ", not issued: only an issued ticket has a reimbursement "
                                 "ticket (a refunded one its refund receipt); pay the order "
                                 "first"),
              "车票 " + number + " " + std::string(StatusZh(status)) +
                  "：只有已出票的车票可打印报销凭证（已退票的车票打印退票费收据）");
}

PrintedDocument DocumentFrom(PrintRow print) {
  return PrintedDocument{.ticket_number = std::move(print.ticket_number),
                         .kind = std::move(print.kind),
                         .sequence = print.sequence,
                         .reprint = print.sequence > 1,
                         .printed_at = print.printed_at,
                         .approved_by = std::move(print.approved_by),
                         .pdf = {}};
}

// The PDF of `print` of ticket `t`: the reimbursement ticket with its voucher's QR code, or the
// refund receipt with the refund's amounts. Where and by whom come from the print's record.
Result<std::string> Render(store::Store& store, network::NetworkService& network,
                           TicketVouchers& vouchers, const Ticket& t, const PrintRow& print) {
  auto run_id = core::RunId::Parse(t.run_id);
  auto number = core::TicketNumber::Parse(t.ticket_number);
  auto station = core::StationCode::Parse(print.station);
  if (!run_id || !number || !station) return Internal("ticket " + t.ticket_number + " is corrupt");
  const auto name_of = [&](const core::StationCode& code) {
    auto found = network.GetStation(code);
    return found ? found->name : code.str();
  };
  const bool kiosk = print.channel == Channel::kKiosk;
  const std::string printed_by = name_of(*station) + (kiosk ? " 自助机" : " 售票窗口");
  const std::string operator_name = kiosk ? "" : print.printed_by;
  const bool reprint = print.sequence > 1;
  if (print.kind == kRefundReceipt) {
    auto refund = store.Transact<store::Rows>(
        [&](store::Transaction& tx) {
          return tx.Query(
              "SELECT fare_fen, fee_fen, refunded_fen, at FROM refunds WHERE ticket_number = $1",
              {Value{t.ticket_number}});
        },
        {.read_only = true});
    if (!refund) return Propagate(refund);
    if (refund->empty()) return Internal("refunded ticket " + t.ticket_number + " has no refund");
    const store::Row& r = refund->front();
    return eticket::RenderRefundReceiptPdf(
        eticket::RefundReceiptView{.ticket_number = *number,
                                   .run = *run_id,
                                   .from_station_name = name_of(t.from),
                                   .to_station_name = name_of(t.to),
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
                                   .reprint = reprint});
  }
  auto text = vouchers.Text(t.ticket_number);
  if (!text) return Propagate(text);
  auto run = network.GetRun(*run_id);
  if (!run) return Propagate(run);
  auto carrier = network.GetCarrier(run->carrier);
  return eticket::RenderReimbursementPdf(eticket::ReimbursementView{
      .ticket_number = *number,
      .run = *run_id,
      .from_station_name = name_of(t.from),
      .to_station_name = name_of(t.to),
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
      .reprint = reprint});
}

}  // namespace

Result<PrintedDocument> ReimbursementTickets::Print(const ReimbursementRequest& request) {
  if (request.idempotency_key.empty() || request.idempotency_key.size() > 128) {
    return InvalidArgument(
        "an Idempotency-Key of 1 to 128 characters is required: a retried "
        "print must not print twice",
        "Idempotency-Key");
  }
  if (request.channel != Channel::kWindow && request.channel != Channel::kKiosk) {
    return InvalidArgument(
        "reimbursement tickets are printed at a window or a self-service "
        "machine; use channel window or kiosk",
        "channel");
  }
  if (request.printed_by.empty()) {
    return InvalidArgument("say who prints: the clerk's username or the machine's name",
                           "printed_by");
  }
  if (auto number = core::TicketNumber::Parse(request.ticket_number); !number) {
    return InvalidArgument(number.error().message, "ticket_number");
  }
  auto here = network_.GetStation(request.station);
  if (!here) {
    if (here.error().code != ErrorCode::kNotFound) return Propagate(here);
    return InvalidArgument("no station " + request.station.str() +
                               "; a self-service machine sends the code of the station it "
                               "stands in",
                           "station");
  }
  auto ticket = sales_.GetTicket(request.ticket_number);
  if (!ticket) return Propagate(ticket);
  if (request.channel == Channel::kKiosk || !request.id_number.empty()) {
    if (request.id_number.empty()) {
      return InZh(InvalidArgument("swipe the ID card the ticket was bought with", "id_number"),
                  "请刷购票时使用的身份证");
    }
    auto hash = sales_.HashHolderId(request.id_type, request.id_number);
    if (!hash) return Propagate(hash);
    if (*hash != ticket->id_hash) {
      return InZh(PermissionDenied("this ID document is not the one ticket " +
                                   request.ticket_number +
                                   " was bought with; swipe the buyer's ID card, or ask at a "
                                   "window"),
                  "该证件不是购买车票 " + request.ticket_number +
                      " 时使用的证件；请刷购票人的身份证，或到窗口办理");
    }
  }
  if (request.supervisor) {
    const network::Staff& s = *request.supervisor;
    if (s.role != network::Role::kStationManager || !s.station || *s.station != request.station) {
      return InZh(PermissionDenied("a reprint (重打) is approved by a station manager of " +
                                   here->name + " (" + request.station.str() + "); " +
                                   s.username + " is not one: ask one of them"),
                  "重打须经 " + here->name + " 的站务经理同意；" + s.username +
                      " 不是本站站务经理，请找站务经理确认");
    }
  }

  auto print = store_.Transact<PrintRow>([&](store::Transaction& tx) -> Result<PrintRow> {
    auto earlier = FindByKey(tx, request.idempotency_key);
    if (!earlier) return Propagate(earlier);
    if (*earlier) {
      if ((*earlier)->ticket_number != request.ticket_number) {
        return AlreadyExists("Idempotency-Key " + request.idempotency_key +
                                 " was used to print ticket " + (*earlier)->ticket_number +
                                 "; send a new key for another ticket",
                             "Idempotency-Key");
      }
      return std::move(**earlier);  // a retry: the same print
    }
    auto kind = DocumentOf(tx, request.ticket_number);
    if (!kind) return Propagate(kind);
    const bool receipt = *kind == kRefundReceipt;
    auto last = tx.Query(
        "SELECT sequence, printed_at, station FROM reimbursement_prints WHERE "
        "ticket_number = $1 AND kind = $2 ORDER BY sequence DESC LIMIT 1",
        {Value{request.ticket_number}, Value{std::string(*kind)}});
    if (!last) return Propagate(last);
    const int sequence = last->empty() ? 1 : static_cast<int>(last->front().Int(0)) + 1;
    if (sequence > 1 && !request.supervisor) {
      const std::string at = core::Instant::FromUnixMicros(last->front().Int(1)).ToIso8601();
      const std::string where = last->front().Text(2);
      return FailedPrecondition(fmt::format(
          "{}已于 {} 在 {} 打印，重打须经站务经理同意 / the {} was printed at {} at station {}; "
          "a reprint (重打) needs a station manager's approval: ask at a ticket window",
          receipt ? "退票费收据" : "报销凭证", at, where,
          receipt ? "refund receipt" : "reimbursement ticket", at, where));
    }
    PrintRow row{.ticket_number = request.ticket_number,
                 .kind = std::string(*kind),
                 .sequence = sequence,
                 .printed_at = clock_.Now(),
                 .station = request.station.str(),
                 .channel = request.channel,
                 .printed_by = request.printed_by,
                 .approved_by = std::nullopt};
    if (sequence > 1) row.approved_by = request.supervisor->username;
    auto inserted = tx.Execute(
        "INSERT INTO reimbursement_prints (ticket_number, sequence, kind, printed_at, station, "
        "channel, printed_by, approved_by, idempotency_key) VALUES ($1, $2, $3, $4, $5, $6, $7, "
        "$8, $9)",
        {Value{row.ticket_number}, Value{std::int64_t{row.sequence}}, Value{row.kind},
         Value{row.printed_at.unix_micros()}, Value{row.station},
         Value{std::string(ChannelKey(row.channel))}, Value{row.printed_by},
         row.approved_by ? Value{*row.approved_by} : Value{store::kNull},
         Value{request.idempotency_key}});
    if (!inserted) {
      // Another print of this ticket (or with this key) committed first: decide again on it.
      if (inserted.error().code == ErrorCode::kAlreadyExists) {
        return Aborted("a concurrent print of ticket " + request.ticket_number);
      }
      return Propagate(inserted);
    }
    return row;
  });
  if (!print) return Propagate(print);
  auto pdf = Render(store_, network_, vouchers_, *ticket, *print);
  if (!pdf) return Propagate(pdf);
  PrintedDocument out = DocumentFrom(std::move(*print));
  out.pdf = std::move(*pdf);
  return out;
}

Result<std::vector<CollectableTicket>> ReimbursementTickets::TicketsOf(
    const std::string& id_type, const std::string& id_number) {
  auto hash = sales_.HashHolderId(id_type, id_number);
  if (!hash) return Propagate(hash);
  const core::Instant since = clock_.Now() - std::chrono::hours(24 * 30);
  auto rows = store_.Transact<store::Rows>(
      [&](store::Transaction& tx) {
        return tx.Query(
            "SELECT t.ticket_number, (SELECT COUNT(*) FROM reimbursement_prints p WHERE "
            "p.ticket_number = t.ticket_number) FROM tickets t JOIN runs r ON r.run_id = t.run_id "
            "WHERE t.id_hash = $1 AND t.status = 'issued' AND (t.after_sale IS NULL OR "
            "t.after_sale = 'refunded') AND r.departs_at >= $2 "
            "ORDER BY r.departs_at DESC, t.ticket_number LIMIT 50",
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
