// Base45 (RFC 9285): bytes as text made only of the 45 characters of QR alphanumeric mode,
//   0-9 A-Z space $ % * + - . / :
// so that a QR code can carry binary data in its denser alphanumeric mode (5.5 bits per
// character instead of 8): 2 bytes become 3 characters, a final odd byte becomes 2.
//
//   std::string text = Base45Encode(std::string_view("AB"));        // "BB8"
//   Result<std::vector<std::uint8_t>> bytes = Base45Decode("BB8");  // {'A', 'B'}
//
// Decoding is strict: only the 45 characters (upper case; no whitespace other than the space,
// which is a digit of the alphabet), a length that is not 1 more than a multiple of 3, and
// chunks whose value fits (≤ 65535 for three characters, ≤ 255 for a final two). Anything else
// is InvalidArgument with `field` left empty for the caller to name its input.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace keyun::eticket {

// The 45 characters, in value order ('0' is 0, ':' is 44).
inline constexpr std::string_view kBase45Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

// Characters Base45Encode makes of `byte_count` bytes.
[[nodiscard]] constexpr std::size_t Base45EncodedSize(std::size_t byte_count) {
  return byte_count / 2 * 3 + (byte_count % 2) * 2;
}
// Bytes that `char_count` characters decode to (for a valid length; an upper bound otherwise).
[[nodiscard]] constexpr std::size_t Base45DecodedSize(std::size_t char_count) {
  return char_count / 3 * 2 + (char_count % 3 == 2 ? 1 : 0);
}

[[nodiscard]] std::string Base45Encode(std::span<const std::uint8_t> bytes);
[[nodiscard]] std::string Base45Encode(std::string_view bytes);

// Decodes `text` into `out`, which must hold at least Base45DecodedSize(text.size()) bytes
// (InvalidArgument otherwise); returns the number of bytes written. Allocates nothing unless
// it fails, which is what lets a gate decode a voucher without touching the heap.
[[nodiscard]] Result<std::size_t> Base45Decode(std::string_view text, std::span<std::uint8_t> out);
[[nodiscard]] Result<std::vector<std::uint8_t>> Base45Decode(std::string_view text);

}  // namespace keyun::eticket
