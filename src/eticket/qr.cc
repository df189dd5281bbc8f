#include "eticket/qr.h"

#include <fmt/format.h>
#include <png.h>
#include <qrencode.h>

#include <cerrno>
#include <csetjmp>
#include <memory>

#include "eticket/base45.h"

namespace keyun::eticket {
namespace {

struct QrcodeFree {
  void operator()(QRcode* code) const { QRcode_free(code); }
};
struct QrinputFree {
  void operator()(QRinput* input) const { QRinput_free(input); }
};

bool IsAlphanumericMode(std::string_view text) {
  return text.find_first_not_of(kBase45Alphabet) == std::string_view::npos;
}

// ---- PNG --------------------------------------------------------------------------------------

void AppendToString(png_structp png, png_bytep data, png_size_t length) {
  static_cast<std::string*>(png_get_io_ptr(png))
      ->append(reinterpret_cast<const char*>(data), length);
}
void NoFlush(png_structp) {}

// libpng reports errors by longjmp, so everything between setjmp and the end of this function
// is trivially destructible: the rows are built by the caller, the output string lives in the
// caller's frame. Returns false if libpng failed (out of memory).
bool WritePng(std::string* out, const std::uint8_t* rows, std::size_t row_bytes,
              std::uint32_t side) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  if (png == nullptr) return false;
  png_infop info = png_create_info_struct(png);
  if (info == nullptr || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return false;
  }
  png_set_write_fn(png, out, AppendToString, NoFlush);
  png_set_IHDR(png, info, side, side, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (std::uint32_t y = 0; y < side; ++y) {
    png_write_row(png, rows + static_cast<std::size_t>(y) * row_bytes);
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

}  // namespace

Result<QrMatrix> QrMatrix::Encode(std::string_view text) {
  if (text.empty()) return InvalidArgument("there is no text to put in a QR code");
  // Far beyond any QR capacity; also keeps the int conversions below safe.
  if (text.size() > 8000) {
    return InvalidArgument(
        fmt::format("text of {} characters is too long for a QR code", text.size()));
  }
  const int size = static_cast<int>(text.size());
  const auto* data = reinterpret_cast<const unsigned char*>(text.data());
  std::unique_ptr<QRcode, QrcodeFree> code;
  errno = 0;
  if (IsAlphanumericMode(text)) {
    std::unique_ptr<QRinput, QrinputFree> input(QRinput_new2(0, QR_ECLEVEL_M));
    if (!input) return Internal("libqrencode could not allocate its input");
    if (QRinput_append(input.get(), QR_MODE_AN, size, data) != 0) {
      return Internal("libqrencode refused alphanumeric text");
    }
    code.reset(QRcode_encodeInput(input.get()));
  } else {
    code.reset(QRcode_encodeData(size, data, 0, QR_ECLEVEL_M));
  }
  if (!code) {
    if (errno == ERANGE) {
      return InvalidArgument(fmt::format(
          "text of {} characters is too long for a QR code at error correction level M (at "
          "most 3391 alphanumeric characters or 2331 bytes)",
          text.size()));
    }
    return Internal(fmt::format("libqrencode failed (errno {})", errno));
  }
  const int width = code->width;
  std::vector<std::uint8_t> dark(static_cast<std::size_t>(width) * static_cast<std::size_t>(width));
  for (std::size_t i = 0; i < dark.size(); ++i) dark[i] = code->data[i] & 1;
  return QrMatrix(width, code->version, std::move(dark));
}

std::string QrMatrix::ToSvg(int pixels_per_module) const {
  const int side = size_ + 2 * kQrQuietZoneModules;
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{0}\" height=\"{0}\" "
      "viewBox=\"0 0 {1} {1}\" shape-rendering=\"crispEdges\">"
      "<rect width=\"{1}\" height=\"{1}\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
      side * std::max(pixels_per_module, 1), side);
  // One sub-path per horizontal run of dark modules.
  for (int y = 0; y < size_; ++y) {
    for (int x = 0; x < size_;) {
      if (!IsDark(x, y)) {
        ++x;
        continue;
      }
      int run = 1;
      while (x + run < size_ && IsDark(x + run, y)) ++run;
      fmt::format_to(std::back_inserter(svg), "M{} {}h{}v1h-{}z", x + kQrQuietZoneModules,
                     y + kQrQuietZoneModules, run, run);
      x += run;
    }
  }
  svg += "\"/></svg>\n";
  return svg;
}

Result<std::string> QrMatrix::ToPng(int pixels_per_module) const {
  if (pixels_per_module < 1 || pixels_per_module > 64) {
    return InvalidArgument(
        fmt::format("pixels per module must be 1 to 64, not {}", pixels_per_module),
        "pixels_per_module");
  }
  const auto scale = static_cast<std::size_t>(pixels_per_module);
  const std::size_t side = static_cast<std::size_t>(size_ + 2 * kQrQuietZoneModules) * scale;
  const std::size_t row_bytes = (side + 7) / 8;
  // 1-bit grey: a set bit is white. Start all white, then clear the dark modules' pixels.
  std::vector<std::uint8_t> rows(row_bytes * side, 0xFF);
  const std::size_t margin = kQrQuietZoneModules * scale;
  for (int y = 0; y < size_; ++y) {
    for (int x = 0; x < size_; ++x) {
      if (!IsDark(x, y)) continue;
      for (std::size_t py = 0; py < scale; ++py) {
        std::uint8_t* row =
            rows.data() + (margin + static_cast<std::size_t>(y) * scale + py) * row_bytes;
        for (std::size_t px = 0; px < scale; ++px) {
          const std::size_t column = margin + static_cast<std::size_t>(x) * scale + px;
          row[column / 8] &= static_cast<std::uint8_t>(~(0x80u >> (column % 8)));
        }
      }
    }
  }
  std::string png;
  if (!WritePng(&png, rows.data(), row_bytes, static_cast<std::uint32_t>(side))) {
    return Internal("libpng failed to write the QR image");
  }
  return png;
}

Result<std::string> RenderQrSvg(std::string_view text, int pixels_per_module) {
  Result<QrMatrix> qr = QrMatrix::Encode(text);
  if (!qr) return Propagate(qr);
  return qr->ToSvg(pixels_per_module);
}

Result<std::string> RenderQrPng(std::string_view text, int pixels_per_module) {
  Result<QrMatrix> qr = QrMatrix::Encode(text);
  if (!qr) return Propagate(qr);
  return qr->ToPng(pixels_per_module);
}

}  // namespace keyun::eticket
