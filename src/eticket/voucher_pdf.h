// The printable voucher (电子客票凭证) as a one-page PDF: the ticket's details in Chinese and the
// voucher's QR code as vector graphics, for passengers who print their e-ticket or want it as a
// file. Drawn with cairo and pango in Noto Sans CJK (fonts-noto-cjk).
//
//   VoucherView view{.ticket_number = ticket.number, .run = ticket.run,
//                    .from_station_name = "济南长途汽车总站", .from_station = from, …,
//                    .voucher_text = *signer->Issue(payload)};
//   Result<std::string> pdf = RenderVoucherPdf(view);   // "%PDF-1.5…", A6 portrait
//
// The page is A6 portrait (105 × 148 mm): title, ticket number, route, run and departure, seat,
// fare type and fare, passenger (masked), issue time, the QR code (about 54 mm wide, level M,
// quiet zone included) and a note on how to board. Only masked personal data is ever printed.
//
// Thread-safety: RenderVoucherPdf may be called from several threads at once (each call has its
// own cairo surface; pango's font map is per thread).
#pragma once

#include <string>

#include "core/ids.h"
#include "core/money.h"
#include "core/result.h"
#include "core/time.h"
#include "eticket/voucher.h"

namespace keyun::eticket {

// What the printed voucher shows. Names come from master data; the rest mirrors the payload.
struct VoucherView {
  core::TicketNumber ticket_number;
  core::RunId run;
  std::string from_station_name;  // boarding station, e.g. "济南长途汽车总站"
  core::StationCode from_station;
  std::string to_station_name;  // alighting station
  core::StationCode to_station;
  core::Instant departs_at;  // from the boarding stop, shown in Shanghai time
  int seat = 0;              // 0: no seat (free child)
  FareType fare_type = FareType::kAdult;
  core::Money fare;                   // charged (执行票价)
  std::string passenger_name_masked;  // core::MaskName; empty when not real-name
  std::string id_number_masked;       // core::MaskIdNumber; empty when not real-name
  core::Instant issued_at;
  std::string voucher_text;  // VoucherSigner::Issue's text, drawn as the QR code
};

// The fare type as printed: 全票, 半票, 携童, 优待票.
[[nodiscard]] std::string_view FareTypeLabel(FareType type);

// The PDF file's bytes. Errors: InvalidArgument if a text field is not valid UTF-8 or longer
// than 200 bytes, or the voucher text is empty or too long for a QR code (field named);
// FailedPrecondition if no installed font can draw Chinese (install fonts-noto-cjk); Internal
// if cairo fails.
[[nodiscard]] Result<std::string> RenderVoucherPdf(const VoucherView& view);

}  // namespace keyun::eticket
