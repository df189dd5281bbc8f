// One PDF page drawn with cairo and pango in Noto Sans CJK: what the voucher (voucher_pdf.cc),
// the reimbursement ticket and the refund receipt (reimbursement_pdf.cc) share. Private to
// eticket; cairo and pango types stay in pdf_page.cc.
//
//   PdfPage page(Mm(80), Mm(140), "报销凭证 " + number);
//   double y = Mm(4);
//   y += page.Text(Mm(4), y, Mm(72), "道路旅客运输报销凭证", TextStyle{.size = 13, .bold = true});
//   page.Qr(*qr, x, y, Mm(36));
//   Result<std::string> pdf = page.Finish("reimbursement ticket");
//
// Units are PostScript points (1/72 in); Mm() converts. Thread-safety: a PdfPage is used by one
// thread; separate pages may be drawn on separate threads at once (pango's font map is per
// thread).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/time.h"
#include "eticket/qr.h"

namespace keyun::eticket::internal {

[[nodiscard]] constexpr double Mm(double mm) { return mm / 25.4 * 72.0; }

// The longest text field a printed document accepts, in bytes.
inline constexpr std::size_t kMaxFieldBytes = 200;

// InvalidArgument naming `field` unless `text` is valid UTF-8 of at most kMaxFieldBytes bytes.
[[nodiscard]] Result<void> CheckText(std::string_view text, std::string_view field);

// "2026-11-22 08:30", Shanghai time.
[[nodiscard]] std::string ShanghaiMinute(core::Instant at);

enum class TextAlign { kLeft, kCenter, kRight };

struct TextStyle {
  double size = 9.5;  // points
  bool bold = false;
  double grey = 0.0;  // 0 black … 1 white
  TextAlign align = TextAlign::kLeft;
};

// A "label  value" row: the label grey in a fixed column, the value beside it, wrapped.
struct RowStyle {
  double label_width = 44.0;
  double label_size = 9.0;
  double value_size = 9.5;
  bool value_bold = false;
};

class PdfPage final {
 public:
  // A page of `width` × `height` points; `title` goes into the PDF's metadata.
  PdfPage(double width, double height, std::string_view title);
  ~PdfPage();
  PdfPage(const PdfPage&) = delete;
  PdfPage& operator=(const PdfPage&) = delete;

  [[nodiscard]] double width() const { return width_; }
  [[nodiscard]] double height() const { return height_; }

  // Draws `text` wrapped to `width` with its top-left at (x, y); returns its height.
  double Text(double x, double y, double width, std::string_view text, const TextStyle& style);
  // A row from x to x + width; returns its height.
  double Row(double x, double y, double width, std::string_view label, std::string_view value,
             const RowStyle& style = {});
  // The QR code as filled rectangles (one per horizontal run), quiet zone included, `width`
  // wide, top-left at (x, y).
  void Qr(const QrMatrix& qr, double x, double y, double width);
  // A rectangle's outline, `line_width` points thick.
  void Frame(double x, double y, double width, double height, double line_width);
  // A dashed horizontal line from x to x + width, as ticket printers draw between sections.
  void DashedRule(double x, double y, double width);

  // Ends the page and returns the PDF file's bytes. FailedPrecondition if some character had
  // no glyph in any installed font; Internal if cairo failed. `what` names the document in
  // the messages ("voucher"). Call once; the page draws nothing afterwards.
  [[nodiscard]] Result<std::string> Finish(std::string_view what);

 private:
  struct Cairo;

  double width_;
  double height_;
  std::string pdf_;  // written by cairo's stream callback, so the page never moves
  std::unique_ptr<Cairo> cairo_;
  int unknown_glyphs_ = 0;
};

}  // namespace keyun::eticket::internal
