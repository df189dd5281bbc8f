// QR codes for vouchers (二维码): encoding with libqrencode, rendering as SVG and PNG.
//
//   Result<std::string> svg = RenderQrSvg(voucher_text);      // for pages and the PDF
//   Result<std::string> png = RenderQrPng(voucher_text, 8);    // 8 pixels per module
//
//   Result<QrMatrix> qr = QrMatrix::Encode(voucher_text);      // to draw it yourself
//   for (int y = 0; y < qr->size(); ++y)
//     for (int x = 0; x < qr->size(); ++x) if (qr->IsDark(x, y)) Fill(x, y);
//
// Error correction level M (15 % of the symbol may be lost): the usual choice for codes shown
// on phone screens and printed on thermal paper. Text made only of the 45 characters of QR
// alphanumeric mode (0-9 A-Z space $ % * + - . / :), which is what a Base45 voucher is, is
// encoded in alphanumeric mode, 5.5 bits per character; any other text in byte mode. The
// smallest QR version that holds the text is chosen. Renderings have a quiet zone (the white
// margin scanners need) of 4 modules on every side.
//
// Errors: InvalidArgument if the text is empty or too long for any QR code at level M (3391
// alphanumeric characters, 2331 bytes).
//
// Thread-safety: pure functions and immutable values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace keyun::eticket {

inline constexpr int kQrQuietZoneModules = 4;

// The modules of one QR symbol, without the quiet zone.
class QrMatrix final {
 public:
  [[nodiscard]] static Result<QrMatrix> Encode(std::string_view text);

  // Modules per side (21 for version 1, +4 per version).
  [[nodiscard]] int size() const { return size_; }
  // 1..40.
  [[nodiscard]] int version() const { return version_; }
  // True for a dark module; x, y in [0, size()), row y from the top.
  [[nodiscard]] bool IsDark(int x, int y) const {
    return dark_[static_cast<std::size_t>(y) * static_cast<std::size_t>(size_) +
                 static_cast<std::size_t>(x)] != 0;
  }

  // An SVG document: a white background and one path of the dark modules, 1 user unit per
  // module plus the quiet zone, scaled to `pixels_per_module` for its width and height.
  [[nodiscard]] std::string ToSvg(int pixels_per_module = 4) const;
  // A PNG image, 1-bit grey, `pixels_per_module` (1..64) pixels per module, quiet zone
  // included. InvalidArgument if pixels_per_module is out of range.
  [[nodiscard]] Result<std::string> ToPng(int pixels_per_module) const;

 private:
  QrMatrix(int size, int version, std::vector<std::uint8_t> dark)
      : size_(size), version_(version), dark_(std::move(dark)) {}

  int size_ = 0;
  int version_ = 0;
  std::vector<std::uint8_t> dark_;  // size_ * size_, row-major, 1 = dark
};

// QrMatrix::Encode(text), then ToSvg / ToPng.
[[nodiscard]] Result<std::string> RenderQrSvg(std::string_view text, int pixels_per_module = 4);
[[nodiscard]] Result<std::string> RenderQrPng(std::string_view text, int pixels_per_module = 8);

}  // namespace keyun::eticket
