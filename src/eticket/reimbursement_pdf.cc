#include "eticket/reimbursement_pdf.h"

#include <fmt/format.h>

#include <algorithm>
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

using TextField = std::pair<std::string_view, std::string_view>;  // text, field name

Result<void> CheckTexts(std::initializer_list<TextField> fields) {
  for (auto [text, field] : fields) {
    if (Result<void> ok = CheckText(text, field); !ok) return ok;
  }
  return {};
}

Result<void> CheckPrintSequence(int print_sequence, bool reprint) {
  if (print_sequence < 1) {
    return InvalidArgument("print_sequence must be 1 or more", "print_sequence");
  }
  if (reprint != (print_sequence > 1)) {
    return InvalidArgument(fmt::format("print {} must {}be marked as a reprint", print_sequence,
                                       reprint ? "not " : ""),
                           "reprint");
  }
  return {};
}

Result<void> CheckNotNegative(core::Money amount, std::string_view field) {
  if (amount.fen() < 0) {
    return InvalidArgument(fmt::format("{} must not be negative", field), std::string(field));
  }
  return {};
}

std::string SeatText(int seat) {
  return seat == 0 ? std::string("无座（携童）") : fmt::format("{} 号", seat);
}

// What both documents print on top: the reprint mark, the title, the ticket number and the
// route. Returns the y below it.
double DrawHeader(PdfPage& page, std::string_view title, const core::TicketNumber& ticket,
                  std::string_view from, std::string_view to, int print_sequence, bool reprint) {
  double y = kMargin;
  if (reprint) {
    constexpr double kPad = 3.0;
    const double h =
        page.Text(kMargin, y + kPad, kContent, fmt::format("重打　第 {} 次打印", print_sequence),
                  TextStyle{.size = 13, .bold = true, .align = TextAlign::kCenter});
    page.Frame(kMargin, y, kContent, h + 2 * kPad, 1.5);
    y += h + 2 * kPad + 5;
  }
  y += page.Text(kMargin, y, kContent, title,
                 TextStyle{.size = 13, .bold = true, .align = TextAlign::kCenter});
  y += page.Text(kMargin, y, kContent, "票号 " + ticket.str(),
                 TextStyle{.size = 8.5, .grey = 0.3, .align = TextAlign::kCenter});
  y += 4;
  page.DashedRule(kMargin, y, kContent);
  y += 4;
  y += page.Text(kMargin, y, kContent, fmt::format("{} → {}", from, to),
                 TextStyle{.size = 11, .bold = true, .align = TextAlign::kCenter});
  return y + 4;
}

// Passenger, print time, place and clerk; returns the y below them.
double DrawPassengerAndPrint(PdfPage& page, double y, std::string_view name,
                             std::string_view id_number, core::Instant printed_at,
                             std::string_view printed_by, std::string_view operator_name) {
  if (!name.empty()) y += page.Row(kMargin, y, kContent, "乘客", name, kRow);
  if (!id_number.empty()) y += page.Row(kMargin, y, kContent, "证件号码", id_number, kRow);
  y += 3;
  page.DashedRule(kMargin, y, kContent);
  y += 3;
  y += page.Row(kMargin, y, kContent, "打印时间", ShanghaiMinute(printed_at), kRow);
  if (!printed_by.empty()) y += page.Row(kMargin, y, kContent, "打印点", printed_by, kRow);
  if (!operator_name.empty()) y += page.Row(kMargin, y, kContent, "操作员", operator_name, kRow);
  return y;
}

std::string RunText(const core::RunId& run) {
  return fmt::format("{}（{} 班）", run.schedule().str(), run.date().ToString());
}

void DrawReimbursement(PdfPage& page, const ReimbursementView& v, const QrMatrix& qr) {
  const auto row = [&](double y, std::string_view label, std::string_view value) {
    return page.Row(kMargin, y, kContent, label, value, kRow);
  };
  double y = DrawHeader(page, "道路旅客运输报销凭证", v.ticket_number, v.from_station_name,
                        v.to_station_name, v.print_sequence, v.reprint);
  y += row(y, "班次", RunText(v.run));
  y += row(y, "发车时间", ShanghaiMinute(v.departs_at));
  y += row(y, "座位", SeatText(v.seat));
  y += page.Row(kMargin, y, kContent, "票价",
                fmt::format("{}（{}）", v.fare.ToYuanDisplay(), FareTypeLabel(v.fare_type)),
                RowStyle{.label_width = kRow.label_width,
                         .label_size = kRow.label_size,
                         .value_size = 10.5,
                         .value_bold = true});
  if (v.station_fee) y += row(y, "", "含旅客站务费 " + v.station_fee->ToYuanDisplay());
  y += row(y, "承运人", v.carrier_name);
  y = DrawPassengerAndPrint(page, y, v.passenger_name_masked, v.id_number_masked, v.printed_at,
                            v.printed_by, v.operator_name);

  const double qr_y = std::max(y + 6, kReimbursementHeight - kMargin - 22 - kQrWidth);
  page.Qr(qr, (kPageWidth - kQrWidth) / 2, qr_y, kQrWidth);
  page.Text(kMargin, qr_y + kQrWidth + 2, kContent,
            "二维码为本票的电子客票凭证，经数字签名，涂改无效。每张客票限打印一份报销凭证。",
            TextStyle{.size = 6.5, .grey = 0.35, .align = TextAlign::kCenter});
}

void DrawRefundReceipt(PdfPage& page, const RefundReceiptView& v) {
  const auto row = [&](double y, std::string_view label, std::string_view value) {
    return page.Row(kMargin, y, kContent, label, value, kRow);
  };
  double y = DrawHeader(page, "退票费收据", v.ticket_number, v.from_station_name, v.to_station_name,
                        v.print_sequence, v.reprint);
  y += row(y, "班次", RunText(v.run));
  y += row(y, "发车时间", ShanghaiMinute(v.departs_at));
  y += row(y, "票价", fmt::format("{}（{}）", v.fare.ToYuanDisplay(), FareTypeLabel(v.fare_type)));
  y += page.Row(kMargin, y, kContent, "退票费", v.refund_fee.ToYuanDisplay(),
                RowStyle{.label_width = kRow.label_width,
                         .label_size = kRow.label_size,
                         .value_size = 10.5,
                         .value_bold = true});
  y += row(y, "退款", v.refunded.ToYuanDisplay());
  y += row(y, "退票时间", ShanghaiMinute(v.refunded_at));
  y = DrawPassengerAndPrint(page, y, v.passenger_name_masked, v.id_number_masked, v.printed_at,
                            v.printed_by, v.operator_name);
  page.Text(kMargin, y + 6, kContent, "本收据为所收退票费的凭证，原客票已作废。",
            TextStyle{.size = 6.5, .grey = 0.35, .align = TextAlign::kCenter});
}

}  // namespace

Result<std::string> RenderReimbursementPdf(const ReimbursementView& view) {
  if (Result<void> ok = CheckTexts({{view.from_station_name, "from_station_name"},
                                    {view.to_station_name, "to_station_name"},
                                    {view.carrier_name, "carrier_name"},
                                    {view.passenger_name_masked, "passenger_name_masked"},
                                    {view.id_number_masked, "id_number_masked"},
                                    {view.printed_by, "printed_by"},
                                    {view.operator_name, "operator_name"}});
      !ok) {
    return Propagate(ok);
  }
  if (view.carrier_name.empty()) {
    return InvalidArgument("a reimbursement ticket names its carrier", "carrier_name");
  }
  if (view.seat < 0) return InvalidArgument("seat must not be negative", "seat");
  if (Result<void> ok = CheckNotNegative(view.fare, "fare"); !ok) return Propagate(ok);
  if (view.station_fee) {
    if (Result<void> ok = CheckNotNegative(*view.station_fee, "station_fee"); !ok) {
      return Propagate(ok);
    }
    if (*view.station_fee > view.fare) {
      return InvalidArgument("station_fee is part of the fare and cannot exceed it", "station_fee");
    }
  }
  if (Result<void> ok = CheckPrintSequence(view.print_sequence, view.reprint); !ok) {
    return Propagate(ok);
  }
  Result<QrMatrix> qr = QrMatrix::Encode(view.voucher_text);
  if (!qr) return tl::unexpected(WithField(qr.error(), "voucher_text"));

  PdfPage page(kPageWidth, kReimbursementHeight, "报销凭证 " + view.ticket_number.str());
  DrawReimbursement(page, view, *qr);
  return page.Finish("reimbursement ticket");
}

Result<std::string> RenderRefundReceiptPdf(const RefundReceiptView& view) {
  if (Result<void> ok = CheckTexts({{view.from_station_name, "from_station_name"},
                                    {view.to_station_name, "to_station_name"},
                                    {view.passenger_name_masked, "passenger_name_masked"},
                                    {view.id_number_masked, "id_number_masked"},
                                    {view.printed_by, "printed_by"},
                                    {view.operator_name, "operator_name"}});
      !ok) {
    return Propagate(ok);
  }
  for (auto [amount, field] :
       {std::pair{view.fare, "fare"}, std::pair{view.refund_fee, "refund_fee"},
        std::pair{view.refunded, "refunded"}}) {
    if (Result<void> ok = CheckNotNegative(amount, field); !ok) return Propagate(ok);
  }
  if (Result<core::Money> expected = core::Money::CheckedSub(view.fare, view.refund_fee);
      !expected || *expected != view.refunded) {
    return InvalidArgument(
        fmt::format("refunded {} plus refund_fee {} must equal the fare {}",
                    view.refunded.ToString(), view.refund_fee.ToString(), view.fare.ToString()),
        "refunded");
  }
  if (Result<void> ok = CheckPrintSequence(view.print_sequence, view.reprint); !ok) {
    return Propagate(ok);
  }

  PdfPage page(kPageWidth, kReceiptHeight, "退票费收据 " + view.ticket_number.str());
  DrawRefundReceipt(page, view);
  return page.Finish("refund receipt");
}

}  // namespace keyun::eticket
