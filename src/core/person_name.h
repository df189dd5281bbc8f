// Person names (姓名) as typed at a window, kiosk or phone: checked and normalized before they
// are printed on a ticket or matched against an ID card.
//
//   Result<std::string> name = core::NormalizePersonName("  阿卜杜•热合曼 ");
//   // *name == "阿卜杜·热合曼" (trimmed, the look-alike dot made U+00B7)
//
// The rules (a real-name ticket carries the name of the ID document):
// - strict UTF-8 (no overlong forms, surrogates or bytes after U+10FFFF);
// - letters of any script this node knows: CJK ideographs including extension blocks A–H and
//   〇, Latin with diacritics (foreign passports), Greek, Cyrillic, Arabic, Tibetan, Mongolian,
//   kana and Hangul, and combining diacritical marks after a letter;
// - separators between two letters only, never two in a row: the middle dot of minority names
//   (· U+00B7; the look-alikes people type, • U+2022, ‧ U+2027, ・ U+30FB, ･ U+FF65 and the
//   full-width dot, become U+00B7), a hyphen and an apostrophe (’ becomes '), and a space
//   (ASCII or ideographic; runs of spaces become one);
// - leading and trailing spaces are dropped; after that 1 to kMaxPersonNameChars code points;
// - anything else fails: control characters and NUL, bidi marks, overrides and isolates
//   (U+200E/F, U+202A–202E, U+2066–2069), zero-width characters, digits and other punctuation.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace keyun::core {

// 50 code points: the longest minority names on resident ID cards (with ·) fit, and so do long
// foreign names as printed in a passport's visual zone.
inline constexpr int kMaxPersonNameChars = 50;

// The name trimmed and normalized as above. Errors: kInvalidArgument with English and Chinese
// messages that say what is wrong (the position and U+ code of a refused character, never the
// character itself), without a field (the caller names it).
[[nodiscard]] Result<std::string> NormalizePersonName(std::string_view text);

}  // namespace keyun::core
