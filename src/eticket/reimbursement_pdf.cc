#include "eticket/reimbursement_pdf.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <initializer_list>
#include <string_view>
#include <utility>

#include "eticket/internal/pdf_page.h"
#include "eticket/qr.h"
#include "eticket/voucher_pdf.h"

namespace keyun::eticket {
namespace {

using internal::CheckText;
using internal::Mm;
using internal::PdfPage;
using internal::RowStyle;
using internal::ShanghaiMinute;
using internal::TextAlign;
using internal::TextStyle;

// 80 mm roll paper, 72 mm printable.
constexpr double kPageWidth = Mm(80);
constexpr double kReimbursementHeight = Mm(140);
constexpr double kReceiptHeight = Mm(110);
constexpr double kMargin = Mm(4);
constexpr double kContent = kPageWidth - 2 * kMargin;
// Smaller than the voucher's 54 mm, still 0.5 mm or more per module for a version 9 code:
// about 4 dots of a 203 dpi print head.
constexpr double kQrWidth = Mm(32);
constexpr RowStyle kRow{.label_width = 46.0, .label_size = 8.5, .value_size = 9.0};
// The row a document is about (the reimbursement ticket's fare, the receipt's fee).
constexpr RowStyle kMainRow{.label_width = kRow.label_width,
                            .label_size = kRow.label_size,
                            .value_size = 10.5,
                            .value_bold = true};
constexpr TextStyle kFootnote{.size = 6.5, .grey = 0.35, .align = TextAlign::kCenter};

// The helpers below take either view: ReimbursementView and RefundReceiptView share the
// fields about the ticket, its passenger and the print, under the same names.

Result<void> CheckNotNegative(core::Money amount, std::string_view field) {
  if (amount.fen() < 0) {
    return InvalidArgument(fmt::format("{} must not be negative", field), std::string(field));
  }
  return {};
}

// The checks both documents share: text fields, a masked ID, the fare, the print sequence.
template <typename View>
Result<void> CheckCommon(const View& c) {
  for (auto [text, field] : std::initializer_list<std::pair<std::string_view, std::string_view>>{
           {c.from_station_name, "from_station_name"},
           {c.to_station_name, "to_station_name"},
           {c.passenger_name_masked, "passenger_name_masked"},
           {c.id_number_masked, "id_number_masked"},
           {c.printed_by, "printed_by"},
           {c.operator_name, "operator_name"}}) {
    if (Result<void> ok = CheckText(text, field); !ok) return ok;
  }
  // The paper leaves the station: a full ID number on it would be a leak (DESIGN.md §2).
  if (!c.id_number_masked.empty() && c.id_number_masked.find('*') == std::string_view::npos) {
    return InvalidArgument(
        "id_number_masked has no masked characters; pass core::MaskIdNumber of the number, "
        "never the number itself",
        "id_number_masked");
  }
  if (Result<void> ok = CheckNotNegative(c.fare, "fare"); !ok) return ok;
  if (c.print_sequence < 1) {
    return InvalidArgument("print_sequence must be 1 or more", "print_sequence");
  }
  if (c.reprint != (c.print_sequence > 1)) {
    return InvalidArgument(fmt::format("print {} must {}be marked as a reprint", c.print_sequence,
                                       c.reprint ? "not " : ""),
                           "reprint");
  }
  return {};
}

// Which document, and how it is named on paper, in the PDF's metadata and in errors.
struct Document {
  std::string_view heading;     // on the page
  std::string_view short_name;  // in the PDF's title, before the ticket number
  std::string_view what;        // in PdfPage::Finish's messages
  double height;
};
constexpr Document kReimbursementTicket{.heading = "道路旅客运输报销凭证",
                                        .short_name = "报销凭证",
                                        .what = "reimbursement ticket",
                                        .height = kReimbursementHeight};
constexpr Document kRefundReceipt{.heading = "退票费收据",
                                  .short_name = "退票费收据",
                                  .what = "refund receipt",
                                  .height = kReceiptHeight};

// The reprint mark, the heading, the ticket number, the route, the run and its departure.
template <typename View>
double DrawTop(PdfPage& page, const Document& doc, const View& c) {
  double y = kMargin;
  if (c.reprint) {
    constexpr double kPad = 3.0;
    const double h =
        page.Text(kMargin, y + kPad, kContent, fmt::format("重打　第 {} 次打印", c.print_sequence),
                  TextStyle{.size = 13, .bold = true, .align = TextAlign::kCenter});
    page.Frame(kMargin, y, kContent, h + 2 * kPad, 1.5);
    y += h + 2 * kPad + 5;
  }
  y += page.Text(kMargin, y, kContent, doc.heading,
                 TextStyle{.size = 13, .bold = true, .align = TextAlign::kCenter});
  y += page.Text(kMargin, y, kContent, "票号 " + c.ticket_number.str(),
                 TextStyle{.size = 8.5, .grey = 0.3, .align = TextAlign::kCenter});
  y += 4;
  page.DashedRule(kMargin, y, kContent);
  y += 4;
  y += page.Text(kMargin, y, kContent,
                 fmt::format("{} → {}", c.from_station_name, c.to_station_name),
                 TextStyle{.size = 11, .bold = true, .align = TextAlign::kCenter});
  y += 4;
  y += page.Row(kMargin, y, kContent, "班次",
                fmt::format("{}（{} 班）", c.run.schedule().str(), c.run.date().ToString()), kRow);
  y += page.Row(kMargin, y, kContent, "发车时间", ShanghaiMinute(c.departs_at), kRow);
  return y;
}

// The passenger, then when, where and by whom it was printed.
template <typename View>
double DrawPassengerAndPrint(PdfPage& page, double y, const View& c) {
  if (!c.passenger_name_masked.empty()) {
    y += page.Row(kMargin, y, kContent, "乘客", c.passenger_name_masked, kRow);
  }
  if (!c.id_number_masked.empty()) {
    y += page.Row(kMargin, y, kContent, "证件号码", c.id_number_masked, kRow);
  }
  y += 3;
  page.DashedRule(kMargin, y, kContent);
  y += 3;
  y += page.Row(kMargin, y, kContent, "打印时间", ShanghaiMinute(c.printed_at), kRow);
  if (!c.printed_by.empty()) y += page.Row(kMargin, y, kContent, "打印点", c.printed_by, kRow);
  if (!c.operator_name.empty()) {
    y += page.Row(kMargin, y, kContent, "操作员", c.operator_name, kRow);
  }
  return y;
}

template <typename View>
std::string FareText(const View& c) {
  return fmt::format("{}（{}）", c.fare.ToYuanDisplay(), FareTypeLabel(c.fare_type));
}

// One page: the shared top, the document's own rows (`rows` returns the y below them), the
// passenger and print lines, then `footer` below them.
template <typename View>
Result<std::string> RenderPage(const Document& doc, const View& c,
                               const std::function<double(PdfPage&, double)>& rows,
                               const std::function<void(PdfPage&, double)>& footer) {
  PdfPage page(kPageWidth, doc.height, fmt::format("{} {}", doc.short_name, c.ticket_number.str()));
  double y = rows(page, DrawTop(page, doc, c));
  footer(page, DrawPassengerAndPrint(page, y, c));
  return page.Finish(doc.what);
}

}  // namespace

Result<std::string> RenderReimbursementPdf(const ReimbursementView& v) {
  if (Result<void> ok = CheckCommon(v); !ok) return Propagate(ok);
  if (Result<void> ok = CheckText(v.carrier_name, "carrier_name"); !ok) return Propagate(ok);
  if (v.carrier_name.empty()) {
    return InvalidArgument("a reimbursement ticket names its carrier", "carrier_name");
  }
  if (v.seat < 0) return InvalidArgument("seat must not be negative", "seat");
  if (v.station_fee) {
    if (Result<void> ok = CheckNotNegative(*v.station_fee, "station_fee"); !ok) {
      return Propagate(ok);
    }
    if (*v.station_fee > v.fare) {
      return InvalidArgument("station_fee is part of the fare and cannot exceed it", "station_fee");
    }
  }
  Result<QrMatrix> qr = QrMatrix::Encode(v.voucher_text);
  if (!qr) return tl::unexpected(WithField(qr.error(), "voucher_text"));

  return RenderPage(
      kReimbursementTicket, v,
      [&](PdfPage& page, double y) {
        y += page.Row(kMargin, y, kContent, "座位",
                      v.seat == 0 ? std::string("无座（携童）") : fmt::format("{} 号", v.seat),
                      kRow);
        y += page.Row(kMargin, y, kContent, "票价", FareText(v), kMainRow);
        if (v.station_fee) {
          y += page.Row(kMargin, y, kContent, "", "含旅客站务费 " + v.station_fee->ToYuanDisplay(),
                        kRow);
        }
        return y + page.Row(kMargin, y, kContent, "承运人", v.carrier_name, kRow);
      },
      [&](PdfPage& page, double y) {
        const double qr_y = std::max(y + 6, kReimbursementHeight - kMargin - 22 - kQrWidth);
        page.Qr(*qr, (kPageWidth - kQrWidth) / 2, qr_y, kQrWidth);
        page.Text(kMargin, qr_y + kQrWidth + 2, kContent,
                  "二维码为本票的电子客票凭证，经数字签名，涂改无效。每张客票限打印一份报销凭证。",
                  kFootnote);
      });
}

Result<std::string> RenderRefundReceiptPdf(const RefundReceiptView& v) {
  if (Result<void> ok = CheckCommon(v); !ok) return Propagate(ok);
  for (auto [amount, field] :
       {std::pair{v.refund_fee, "refund_fee"}, std::pair{v.refunded, "refunded"}}) {
    if (Result<void> ok = CheckNotNegative(amount, field); !ok) return Propagate(ok);
  }
  if (Result<core::Money> expected = core::Money::CheckedSub(v.fare, v.refund_fee);
      !expected || *expected != v.refunded) {
    return InvalidArgument(
        fmt::format("refunded {} plus refund_fee {} must equal the fare {}", v.refunded.ToString(),
                    v.refund_fee.ToString(), v.fare.ToString()),
        "refunded");
  }

  return RenderPage(
      kRefundReceipt, v,
      [&](PdfPage& page, double y) {
        y += page.Row(kMargin, y, kContent, "票价", FareText(v), kRow);
        y += page.Row(kMargin, y, kContent, "退票费", v.refund_fee.ToYuanDisplay(), kMainRow);
        y += page.Row(kMargin, y, kContent, "退款", v.refunded.ToYuanDisplay(), kRow);
        return y + page.Row(kMargin, y, kContent, "退票时间", ShanghaiMinute(v.refunded_at), kRow);
      },
      [](PdfPage& page, double y) {
        page.Text(kMargin, y + 6, kContent, "本收据为所收退票费的凭证，原客票已作废。", kFootnote);
      });
}

}  // namespace keyun::eticket
