#include "eticket/voucher_pdf.h"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>

#include "eticket/internal/pdf_page.h"
#include "eticket/qr.h"

namespace keyun::eticket {
namespace {

using internal::CheckText;
using internal::Mm;
using internal::PdfPage;
using internal::ShanghaiMinute;
using internal::TextAlign;
using internal::TextStyle;

// A6 portrait.
constexpr double kPageWidth = Mm(105);
constexpr double kPageHeight = Mm(148);
constexpr double kMargin = 18.0;
constexpr double kQrWidth = Mm(54);  // quiet zone included

// Draws every part of the voucher.
void DrawVoucher(PdfPage& page, const VoucherView& v, const QrMatrix& qr) {
  const double content = kPageWidth - 2 * kMargin;
  const auto row = [&](double y, std::string_view label, std::string_view value) {
    return page.Row(kMargin, y, content, label, value);
  };
  double y = kMargin;
  y += page.Text(kMargin, y, content, "道路客运电子客票",
                 TextStyle{.size = 14, .bold = true, .align = TextAlign::kCenter});
  y += page.Text(kMargin, y, content, "票号 " + v.ticket_number.str(),
                 TextStyle{.size = 8.5, .grey = 0.3, .align = TextAlign::kCenter});
  y += 6;
  y +=
      page.Text(kMargin, y, content, fmt::format("{} → {}", v.from_station_name, v.to_station_name),
                TextStyle{.size = 12.5, .bold = true, .align = TextAlign::kCenter});
  y += 6;
  y += row(y, "班次", fmt::format("{}（{}）", v.run.schedule().str(), v.run.str()));
  y += row(y, "发车时间", ShanghaiMinute(v.departs_at));
  y += row(y, "上车站", fmt::format("{}（{}）", v.from_station_name, v.from_station.str()));
  y += row(y, "下车站", fmt::format("{}（{}）", v.to_station_name, v.to_station.str()));
  y += row(y, "座位", v.seat == 0 ? std::string("无座（携童）") : fmt::format("{} 号", v.seat));
  y += row(y, "票价", fmt::format("{}（{}）", v.fare.ToYuanDisplay(), FareTypeLabel(v.fare_type)));
  if (!v.passenger_name_masked.empty() || !v.id_number_masked.empty()) {
    y += row(y, "乘客", fmt::format("{}  {}", v.passenger_name_masked, v.id_number_masked));
  }
  y += row(y, "出票时间", ShanghaiMinute(v.issued_at));

  const double qr_y = std::max(y + 8, kPageHeight - kMargin - 44 - kQrWidth);
  page.Qr(qr, (kPageWidth - kQrWidth) / 2, qr_y, kQrWidth);
  page.Text(kMargin, qr_y + kQrWidth + 4, content,
            "请持本凭证二维码及乘车人有效身份证件，于开车前到上车站检票。"
            "二维码经数字签名，涂改、复制他人凭证无效。",
            TextStyle{.size = 7, .grey = 0.35, .align = TextAlign::kCenter});
}

}  // namespace

std::string_view FareTypeLabel(FareType type) {
  switch (type) {
    case FareType::kAdult:
      return "全票";
    case FareType::kChild:
      return "半票";
    case FareType::kFreeChild:
      return "携童";
    case FareType::kDiscount:
      return "优待票";
  }
  return "?";
}

Result<std::string> RenderVoucherPdf(const VoucherView& view) {
  for (auto [text, field] :
       {std::pair{std::string_view(view.from_station_name), "from_station_name"},
        std::pair{std::string_view(view.to_station_name), "to_station_name"},
        std::pair{std::string_view(view.passenger_name_masked), "passenger_name_masked"},
        std::pair{std::string_view(view.id_number_masked), "id_number_masked"}}) {
    if (Result<void> ok = CheckText(text, field); !ok) return Propagate(ok);
  }
  Result<QrMatrix> qr = QrMatrix::Encode(view.voucher_text);
  if (!qr) return tl::unexpected(WithField(qr.error(), "voucher_text"));

  PdfPage page(kPageWidth, kPageHeight, "电子客票 " + view.ticket_number.str());
  DrawVoucher(page, view, *qr);
  return page.Finish("voucher");
}

}  // namespace keyun::eticket
