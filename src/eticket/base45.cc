#include "eticket/base45.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace keyun::eticket {
namespace {

// Value of each byte as a Base45 digit, or -1 for bytes outside the alphabet.
constexpr std::array<std::int8_t, 256> MakeDigitValues() {
  std::array<std::int8_t, 256> values{};
  for (auto& v : values) v = -1;
  for (std::size_t i = 0; i < kBase45Alphabet.size(); ++i) {
    values[static_cast<unsigned char>(kBase45Alphabet[i])] = static_cast<std::int8_t>(i);
  }
  return values;
}
constexpr std::array<std::int8_t, 256> kDigitValues = MakeDigitValues();

// The character at `pos` for an error message: printable ASCII as is, anything else as hex.
std::string DescribeChar(std::string_view text, std::size_t pos) {
  const auto c = static_cast<unsigned char>(text[pos]);
  if (c >= 0x21 && c < 0x7F) return fmt::format("'{}' at position {}", static_cast<char>(c), pos);
  return fmt::format("byte 0x{:02X} at position {}", c, pos);
}

}  // namespace

std::string Base45Encode(std::span<const std::uint8_t> bytes) {
  std::string text;
  text.reserve(Base45EncodedSize(bytes.size()));
  std::size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) {
    unsigned n = bytes[i] * 256u + bytes[i + 1];
    text.push_back(kBase45Alphabet[n % 45]);
    n /= 45;
    text.push_back(kBase45Alphabet[n % 45]);
    text.push_back(kBase45Alphabet[n / 45]);
  }
  if (i < bytes.size()) {
    const unsigned n = bytes[i];
    text.push_back(kBase45Alphabet[n % 45]);
    text.push_back(kBase45Alphabet[n / 45]);
  }
  return text;
}

std::string Base45Encode(std::string_view bytes) {
  return Base45Encode(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

Result<std::size_t> Base45Decode(std::string_view text, std::span<std::uint8_t> out) {
  // A stray character is the more telling fault, so it is reported before a bad length.
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (kDigitValues[static_cast<unsigned char>(text[i])] < 0) {
      return InvalidArgument(fmt::format("Base45 text has {}, which is not a Base45 character",
                                         DescribeChar(text, i)));
    }
  }
  if (text.size() % 3 == 1) {
    return InvalidArgument(fmt::format(
        "Base45 text of {} characters is cut short: a valid length is a multiple of 3, or 2 "
        "more",
        text.size()));
  }
  if (out.size() < Base45DecodedSize(text.size())) {
    return InvalidArgument(fmt::format("Base45 text of {} characters is too long (at most {})",
                                       text.size(), out.size() / 2 * 3 + 2));
  }
  std::size_t written = 0;
  for (std::size_t i = 0; i < text.size(); i += 3) {
    const std::size_t chunk = std::min<std::size_t>(3, text.size() - i);
    unsigned n = 0;
    unsigned weight = 1;
    for (std::size_t k = 0; k < chunk; ++k) {
      n += static_cast<unsigned>(kDigitValues[static_cast<unsigned char>(text[i + k])]) * weight;
      weight *= 45;
    }
    if (chunk == 3) {
      if (n > 0xFFFF) {
        return InvalidArgument(
            fmt::format("Base45 text at position {}: the chunk's value {} exceeds 65535", i, n));
      }
      out[written++] = static_cast<std::uint8_t>(n >> 8);
      out[written++] = static_cast<std::uint8_t>(n & 0xFF);
    } else {
      if (n > 0xFF) {
        return InvalidArgument(fmt::format(
            "Base45 text at position {}: the final chunk's value {} exceeds 255", i, n));
      }
      out[written++] = static_cast<std::uint8_t>(n);
    }
  }
  return written;
}

Result<std::vector<std::uint8_t>> Base45Decode(std::string_view text) {
  std::vector<std::uint8_t> bytes(Base45DecodedSize(text.size()));
  Result<std::size_t> written = Base45Decode(text, bytes);
  if (!written) return Propagate(written);
  bytes.resize(*written);
  return bytes;
}

}  // namespace keyun::eticket
