#include "eticket/voucher_pdf.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <fmt/format.h>
#include <glib.h>
#include <pango/pangocairo.h>

#include <memory>
#include <string_view>

#include "eticket/qr.h"

namespace keyun::eticket {
namespace {

// A6 portrait in PostScript points (1/72 in).
constexpr double kPageWidth = 105.0 / 25.4 * 72.0;
constexpr double kPageHeight = 148.0 / 25.4 * 72.0;
constexpr double kMargin = 18.0;
constexpr double kQrWidth = 54.0 / 25.4 * 72.0;  // quiet zone included
constexpr std::size_t kMaxFieldBytes = 200;
constexpr std::string_view kFont = "Noto Sans CJK SC";

struct CairoSurfaceFree {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct CairoFree {
  void operator()(cairo_t* cr) const { cairo_destroy(cr); }
};
struct GObjectFree {
  void operator()(void* object) const { g_object_unref(object); }
};
struct FontDescriptionFree {
  void operator()(PangoFontDescription* d) const { pango_font_description_free(d); }
};

cairo_status_t AppendToString(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

std::string ShanghaiMinute(core::Instant at) {
  return at.ShanghaiDate().ToString() + " " + at.ShanghaiTime().ToString();
}

struct TextStyle {
  double size = 9.5;
  bool bold = false;
  double grey = 0.0;  // 0 black … 1 white
  PangoAlignment align = PANGO_ALIGN_LEFT;
};

// Lays out text on one page with pango; counts the characters no font could draw.
class PageWriter {
 public:
  explicit PageWriter(cairo_t* cr) : cr_(cr), layout_(pango_cairo_create_layout(cr)) {}

  // Draws `text` wrapped to `width` with its top-left at (x, y); returns its height.
  double Text(double x, double y, double width, std::string_view text, const TextStyle& style) {
    std::unique_ptr<PangoFontDescription, FontDescriptionFree> font(
        pango_font_description_from_string(std::string(kFont).c_str()));
    pango_font_description_set_absolute_size(font.get(), style.size * PANGO_SCALE);
    pango_font_description_set_weight(font.get(),
                                      style.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    PangoLayout* layout = layout_.get();
    pango_layout_set_font_description(layout, font.get());
    pango_layout_set_width(layout, static_cast<int>(width * PANGO_SCALE));
    pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(layout, style.align);
    pango_layout_set_text(layout, text.data(), static_cast<int>(text.size()));
    unknown_glyphs_ += pango_layout_get_unknown_glyphs_count(layout);
    cairo_set_source_rgb(cr_, style.grey, style.grey, style.grey);
    cairo_move_to(cr_, x, y);
    pango_cairo_show_layout(cr_, layout);
    int w = 0;
    int h = 0;
    pango_layout_get_size(layout, &w, &h);
    return static_cast<double>(h) / PANGO_SCALE;
  }

  // "label  value" as one row: the label grey in a fixed column, the value beside it.
  double Row(double y, std::string_view label, std::string_view value) {
    constexpr double kLabelWidth = 44.0;
    const double content = kPageWidth - 2 * kMargin;
    Text(kMargin, y, kLabelWidth, label, TextStyle{.size = 9.0, .grey = 0.4});
    return Text(kMargin + kLabelWidth, y, content - kLabelWidth, value, TextStyle{.size = 9.5});
  }

  [[nodiscard]] int unknown_glyphs() const { return unknown_glyphs_; }

 private:
  cairo_t* cr_;
  std::unique_ptr<PangoLayout, GObjectFree> layout_;
  int unknown_glyphs_ = 0;
};

// The QR code as filled rectangles (one per horizontal run), quiet zone included, `width` wide.
void DrawQr(cairo_t* cr, const QrMatrix& qr, double x, double y, double width) {
  const int side = qr.size() + 2 * kQrQuietZoneModules;
  const double module = width / side;
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_rectangle(cr, x, y, width, width);
  cairo_fill(cr);
  cairo_set_source_rgb(cr, 0, 0, 0);
  for (int row = 0; row < qr.size(); ++row) {
    for (int col = 0; col < qr.size();) {
      if (!qr.IsDark(col, row)) {
        ++col;
        continue;
      }
      int run = 1;
      while (col + run < qr.size() && qr.IsDark(col + run, row)) ++run;
      cairo_rectangle(cr, x + (col + kQrQuietZoneModules) * module,
                      y + (row + kQrQuietZoneModules) * module, run * module, module);
      col += run;
    }
  }
  cairo_fill(cr);
}

Result<void> CheckText(std::string_view text, std::string_view field) {
  if (text.size() > kMaxFieldBytes ||
      !g_utf8_validate(text.data(), static_cast<gssize>(text.size()), nullptr)) {
    return InvalidArgument(
        fmt::format("{} must be valid UTF-8 of at most {} bytes", field, kMaxFieldBytes),
        std::string(field));
  }
  return {};
}

// Draws every part of the voucher; returns how many characters no font could draw.
int DrawVoucher(cairo_t* cr, const VoucherView& v, const QrMatrix& qr) {
  PageWriter page(cr);
  const double content = kPageWidth - 2 * kMargin;
  double y = kMargin;
  y += page.Text(kMargin, y, content, "道路客运电子客票",
                 TextStyle{.size = 14, .bold = true, .align = PANGO_ALIGN_CENTER});
  y += page.Text(kMargin, y, content, "票号 " + v.ticket_number.str(),
                 TextStyle{.size = 8.5, .grey = 0.3, .align = PANGO_ALIGN_CENTER});
  y += 6;
  y +=
      page.Text(kMargin, y, content, fmt::format("{} → {}", v.from_station_name, v.to_station_name),
                TextStyle{.size = 12.5, .bold = true, .align = PANGO_ALIGN_CENTER});
  y += 6;
  y += page.Row(y, "班次", fmt::format("{}（{}）", v.run.schedule().str(), v.run.str()));
  y += page.Row(y, "发车时间", ShanghaiMinute(v.departs_at));
  y += page.Row(y, "上车站", fmt::format("{}（{}）", v.from_station_name, v.from_station.str()));
  y += page.Row(y, "下车站", fmt::format("{}（{}）", v.to_station_name, v.to_station.str()));
  y +=
      page.Row(y, "座位", v.seat == 0 ? std::string("无座（携童）") : fmt::format("{} 号", v.seat));
  y += page.Row(y, "票价",
                fmt::format("{}（{}）", v.fare.ToYuanDisplay(), FareTypeLabel(v.fare_type)));
  if (!v.passenger_name_masked.empty() || !v.id_number_masked.empty()) {
    y += page.Row(y, "乘客", fmt::format("{}  {}", v.passenger_name_masked, v.id_number_masked));
  }
  y += page.Row(y, "出票时间", ShanghaiMinute(v.issued_at));

  const double qr_y = std::max(y + 8, kPageHeight - kMargin - 44 - kQrWidth);
  DrawQr(cr, qr, (kPageWidth - kQrWidth) / 2, qr_y, kQrWidth);
  page.Text(kMargin, qr_y + kQrWidth + 4, content,
            "请持本凭证二维码及乘车人有效身份证件，于开车前到上车站检票。"
            "二维码经数字签名，涂改、复制他人凭证无效。",
            TextStyle{.size = 7, .grey = 0.35, .align = PANGO_ALIGN_CENTER});
  return page.unknown_glyphs();
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
  if (!qr) {
    Error error = qr.error();
    error.field = "voucher_text";
    return tl::unexpected(std::move(error));
  }

  std::string pdf;
  std::unique_ptr<cairo_surface_t, CairoSurfaceFree> surface(
      cairo_pdf_surface_create_for_stream(AppendToString, &pdf, kPageWidth, kPageHeight));
  const std::string title = "电子客票 " + view.ticket_number.str();
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE, title.c_str());
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR, "keyun");
  int unknown_glyphs = 0;
  {
    std::unique_ptr<cairo_t, CairoFree> cr(cairo_create(surface.get()));
    unknown_glyphs = DrawVoucher(cr.get(), view, *qr);
    cairo_show_page(cr.get());
    if (cairo_status(cr.get()) != CAIRO_STATUS_SUCCESS) {
      return Internal(fmt::format("cairo failed to draw the voucher: {}",
                                  cairo_status_to_string(cairo_status(cr.get()))));
    }
  }
  cairo_surface_finish(surface.get());
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    return Internal(fmt::format("cairo failed to write the PDF: {}",
                                cairo_status_to_string(cairo_surface_status(surface.get()))));
  }
  if (unknown_glyphs > 0) {
    return FailedPrecondition(fmt::format(
        "no installed font can draw {} characters of the voucher; install fonts-noto-cjk",
        unknown_glyphs));
  }
  return pdf;
}

}  // namespace keyun::eticket
