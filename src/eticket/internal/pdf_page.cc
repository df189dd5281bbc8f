#include "eticket/internal/pdf_page.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <fmt/format.h>
#include <glib.h>
#include <pango/pangocairo.h>

namespace keyun::eticket::internal {
namespace {

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

PangoAlignment ToPango(TextAlign align) {
  switch (align) {
    case TextAlign::kLeft:
      return PANGO_ALIGN_LEFT;
    case TextAlign::kCenter:
      return PANGO_ALIGN_CENTER;
    case TextAlign::kRight:
      return PANGO_ALIGN_RIGHT;
  }
  return PANGO_ALIGN_LEFT;
}

}  // namespace

// Declared in this order so the context and layout go before the surface they draw on.
struct PdfPage::Cairo {
  std::unique_ptr<cairo_surface_t, CairoSurfaceFree> surface;
  std::unique_ptr<cairo_t, CairoFree> cr;
  std::unique_ptr<PangoLayout, GObjectFree> layout;
};

Result<void> CheckText(std::string_view text, std::string_view field) {
  if (text.size() > kMaxFieldBytes ||
      !g_utf8_validate(text.data(), static_cast<gssize>(text.size()), nullptr)) {
    return InvalidArgument(
        fmt::format("{} must be valid UTF-8 of at most {} bytes", field, kMaxFieldBytes),
        std::string(field));
  }
  return {};
}

std::string ShanghaiMinute(core::Instant at) {
  return at.ShanghaiDate().ToString() + " " + at.ShanghaiTime().ToString();
}

PdfPage::PdfPage(double width, double height, std::string_view title)
    : width_(width), height_(height), cairo_(std::make_unique<Cairo>()) {
  cairo_->surface.reset(cairo_pdf_surface_create_for_stream(AppendToString, &pdf_, width, height));
  cairo_pdf_surface_set_metadata(cairo_->surface.get(), CAIRO_PDF_METADATA_TITLE,
                                 std::string(title).c_str());
  cairo_pdf_surface_set_metadata(cairo_->surface.get(), CAIRO_PDF_METADATA_CREATOR, "keyun");
  cairo_->cr.reset(cairo_create(cairo_->surface.get()));
  cairo_->layout.reset(pango_cairo_create_layout(cairo_->cr.get()));
}

PdfPage::~PdfPage() = default;

double PdfPage::Text(double x, double y, double width, std::string_view text,
                     const TextStyle& style) {
  cairo_t* cr = cairo_->cr.get();
  std::unique_ptr<PangoFontDescription, FontDescriptionFree> font(
      pango_font_description_from_string(std::string(kFont).c_str()));
  pango_font_description_set_absolute_size(font.get(), style.size * PANGO_SCALE);
  pango_font_description_set_weight(font.get(),
                                    style.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  PangoLayout* layout = cairo_->layout.get();
  pango_layout_set_font_description(layout, font.get());
  pango_layout_set_width(layout, static_cast<int>(width * PANGO_SCALE));
  pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_alignment(layout, ToPango(style.align));
  pango_layout_set_text(layout, text.data(), static_cast<int>(text.size()));
  unknown_glyphs_ += pango_layout_get_unknown_glyphs_count(layout);
  cairo_set_source_rgb(cr, style.grey, style.grey, style.grey);
  cairo_move_to(cr, x, y);
  pango_cairo_show_layout(cr, layout);
  int w = 0;
  int h = 0;
  pango_layout_get_size(layout, &w, &h);
  return static_cast<double>(h) / PANGO_SCALE;
}

double PdfPage::Row(double x, double y, double width, std::string_view label,
                    std::string_view value, const RowStyle& style) {
  Text(x, y, style.label_width, label, TextStyle{.size = style.label_size, .grey = 0.4});
  return Text(x + style.label_width, y, width - style.label_width, value,
              TextStyle{.size = style.value_size, .bold = style.value_bold});
}

void PdfPage::Qr(const QrMatrix& qr, double x, double y, double width) {
  cairo_t* cr = cairo_->cr.get();
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

void PdfPage::Frame(double x, double y, double width, double height, double line_width) {
  cairo_t* cr = cairo_->cr.get();
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_set_line_width(cr, line_width);
  cairo_rectangle(cr, x, y, width, height);
  cairo_stroke(cr);
}

void PdfPage::DashedRule(double x, double y, double width) {
  cairo_t* cr = cairo_->cr.get();
  const double dashes[] = {2.0, 2.0};
  cairo_save(cr);
  cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
  cairo_set_line_width(cr, 0.5);
  cairo_set_dash(cr, dashes, 2, 0);
  cairo_move_to(cr, x, y);
  cairo_line_to(cr, x + width, y);
  cairo_stroke(cr);
  cairo_restore(cr);
}

Result<std::string> PdfPage::Finish(std::string_view what) {
  if (cairo_->cr == nullptr) return Internal(fmt::format("the {} page was finished twice", what));
  cairo_t* cr = cairo_->cr.get();
  cairo_show_page(cr);
  const cairo_status_t drawn = cairo_status(cr);
  cairo_->layout.reset();
  cairo_->cr.reset();
  if (drawn != CAIRO_STATUS_SUCCESS) {
    return Internal(
        fmt::format("cairo failed to draw the {}: {}", what, cairo_status_to_string(drawn)));
  }
  cairo_surface_t* surface = cairo_->surface.get();
  cairo_surface_finish(surface);
  if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
    return Internal(fmt::format("cairo failed to write the PDF: {}",
                                cairo_status_to_string(cairo_surface_status(surface))));
  }
  if (unknown_glyphs_ > 0) {
    return FailedPrecondition(
        fmt::format("no installed font can draw {} characters of the {}; install fonts-noto-cjk",
                    unknown_glyphs_, what));
  }
  return std::move(pdf_);
}

}  // namespace keyun::eticket::internal
