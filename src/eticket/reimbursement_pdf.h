// The paper documents a passenger takes home for expenses, as PDFs for a station's ticket
// printer: the reimbursement ticket (报销凭证) of a ticket, and the refund fee receipt
// (退票费收据) of a refunded one. Drawn with cairo and pango in Noto Sans CJK
// (fonts-noto-cjk), like the voucher (voucher_pdf.h).
//
//   ReimbursementView view{.ticket_number = ticket.number, .run = ticket.run, …,
//                          .fare = core::Money::Fen(4800),
//                          .station_fee = core::Money::Fen(200),
//                          .carrier_name = "山东交运集团", …,
//                          .voucher_text = voucher_text,
//                          .print_sequence = 2, .reprint = true};
//   Result<std::string> pdf = RenderReimbursementPdf(view);   // "%PDF-1.5…", 80 × 140 mm
//
// The page is 80 mm wide, the width of the roll paper in the thermal ticket printers at
// Chinese stations (72 mm printable: 4 mm margins); the reimbursement ticket is 140 mm long,
// the refund receipt, which has no QR code, 110 mm. Only masked personal data is printed: an
// id_number_masked without a masked ('*') character is refused.
//
// A ticket's reimbursement ticket is printed once (DESIGN.md §4). Printing it again is a
// reprint: the caller logs it and passes the print's sequence number, and the page carries a
// framed "重打" and "第 2 次打印". The same holds for the refund receipt. A view whose
// `reprint` and `print_sequence` disagree is refused, so an unmarked second print cannot be
// made by mistake.
//
// Thread-safety: both functions may be called from several threads at once (each call has its
// own cairo surface; pango's font map is per thread).
#pragma once

#include <optional>
#include <string>

#include "core/ids.h"
#include "core/money.h"
#include "core/result.h"
#include "core/time.h"
#include "eticket/voucher.h"

namespace keyun::eticket {

// The reimbursement ticket (道路旅客运输报销凭证) of one ticket.
struct ReimbursementView {
  core::TicketNumber ticket_number;
  core::RunId run;
  std::string from_station_name;  // boarding station, e.g. "济南长途汽车总站"
  std::string to_station_name;    // alighting station
  core::Instant departs_at;       // from the boarding stop, shown in Shanghai time
  int seat = 0;                   // 0: no seat (free child), printed 无座（携童）
  FareType fare_type = FareType::kAdult;
  core::Money fare;  // charged (执行票价), station fee included
  // The passenger station fee (旅客站务费) included in `fare`, printed as its own line
  // "含旅客站务费 ¥2.00"; nullopt: no such line.
  std::optional<core::Money> station_fee;
  std::string carrier_name;           // 承运人, required
  std::string passenger_name_masked;  // core::MaskName; empty when not real-name
  std::string id_number_masked;       // core::MaskIdNumber; empty when not real-name
  core::Instant printed_at;
  std::string printed_by;  // station and channel, e.g. "济南长途汽车总站 3 号窗口"; optional
  std::string operator_name;  // clerk (操作员), e.g. "0427"; optional
  std::string voucher_text;   // VoucherSigner::Issue's text, drawn as the QR code
  int print_sequence = 1;     // 1 for the first print, 2 for the first reprint, …
  bool reprint = false;       // must equal print_sequence > 1
};

// The refund fee receipt (退票费收据) of a refunded ticket. No QR code: the ticket's voucher is
// revoked once refunded, and a code on the receipt would only invite someone to scan it at a
// gate.
struct RefundReceiptView {
  core::TicketNumber ticket_number;
  core::RunId run;
  std::string from_station_name;
  std::string to_station_name;
  core::Instant departs_at;
  FareType fare_type = FareType::kAdult;
  core::Money fare;        // charged for the ticket
  core::Money refund_fee;  // 退票费, kept by the station
  core::Money refunded;    // 退款, paid back: must equal fare − refund_fee
  core::Instant refunded_at;
  std::string passenger_name_masked;  // optional
  std::string id_number_masked;       // optional
  core::Instant printed_at;
  std::string printed_by;     // optional
  std::string operator_name;  // optional
  int print_sequence = 1;
  bool reprint = false;  // must equal print_sequence > 1
};

// The reimbursement ticket's PDF bytes, one 80 × 140 mm page. Errors: InvalidArgument (field
// named) if a text field is not valid UTF-8 or longer than 200 bytes, id_number_masked is not
// masked, carrier_name is empty, the seat is negative, the fare is negative or the station fee is negative or more than the
// fare, print_sequence is below 1 or disagrees with reprint, or the voucher text is empty or
// too long for a QR code; FailedPrecondition if no installed font can draw Chinese (install
// fonts-noto-cjk); Internal if cairo fails.
[[nodiscard]] Result<std::string> RenderReimbursementPdf(const ReimbursementView& view);

// The refund receipt's PDF bytes, one 80 × 110 mm page. Errors: InvalidArgument (field named)
// for a bad or unmasked text field as above, a negative amount, refunded ≠ fare − refund_fee, or a
// print_sequence below 1 or disagreeing with reprint; FailedPrecondition and Internal as above.
[[nodiscard]] Result<std::string> RenderRefundReceiptPdf(const RefundReceiptView& view);

}  // namespace keyun::eticket
