// UTF-8 text checks used by master-data validation and CSV import. Private to src/network.
#pragma once

#include <string>
#include <string_view>

namespace keyun::network::internal {

// Number of code points in valid UTF-8 text (continuation bytes are not counted).
[[nodiscard]] int Utf8Length(std::string_view text);

// True if any code point is a C0/C1 control character or DEL.
[[nodiscard]] bool HasControlCharacter(std::string_view text);

// True if any code point is a CJK unified ideograph (U+3400–U+9FFF, U+20000–U+2FFFF).
[[nodiscard]] bool HasChineseCharacter(std::string_view text);

// `text` without leading and trailing ASCII whitespace and ideographic spaces (U+3000).
[[nodiscard]] std::string_view Trim(std::string_view text);

[[nodiscard]] std::string ToUpperAscii(std::string_view text);

// Checks a person-entered name: valid UTF-8, min..max code points, no control characters, no
// leading or trailing spaces. Returns the reason it fails, or "" if it is fine.
[[nodiscard]] std::string CheckText(std::string_view text, int min_chars, int max_chars);

// `text` in double quotes for a message, cut to at most 40 bytes at a UTF-8 boundary with "…".
[[nodiscard]] std::string Quote(std::string_view text);

}  // namespace keyun::network::internal
