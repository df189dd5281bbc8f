// ASCII text helpers shared by core's parsers. Private to core: other parts do not include it.
#pragma once

#include <string>
#include <string_view>

namespace keyun::core::internal {

constexpr bool IsDigit(char c) { return c >= '0' && c <= '9'; }
constexpr bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
constexpr bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
constexpr bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// True if `text` is non-empty and all ASCII digits.
bool AllDigits(std::string_view text);

// True if any byte is outside ASCII (full-width digits, Chinese characters, …).
bool HasNonAscii(std::string_view text);

// True if the text contains a full-width form (U+FF01–U+FF5E, e.g. "１２３") or the
// ideographic space U+3000: what a Chinese input method in full-width (全角) mode types.
bool HasFullWidth(std::string_view text);

// `text` with ASCII lower-case letters made upper-case.
std::string ToUpperAscii(std::string_view text);

// `text` without leading and trailing ASCII whitespace and ideographic spaces (U+3000).
std::string_view Trim(std::string_view text);

// `text` in double quotes for an error message, cut (at a UTF-8 boundary) to at most 40 bytes
// with "…" so that a huge input does not make a huge message.
std::string Quote(std::string_view text);

// Digits at text[pos, pos+n) as a number; -1 if out of range or not all digits. n ≤ 18.
long long DigitsValue(std::string_view text, std::size_t pos, std::size_t n);

}  // namespace keyun::core::internal
