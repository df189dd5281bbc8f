#include "network/internal/text.h"

#include <fmt/format.h>

#include <cstdint>

#include "network/csv.h"

namespace keyun::network::internal {
namespace {

// Decodes the code point at text[i] (valid UTF-8 assumed) and advances i.
char32_t NextCodePoint(std::string_view text, std::size_t& i) {
  const auto byte = [&](std::size_t k) -> char32_t {
    return k < text.size() ? static_cast<unsigned char>(text[k]) : 0;
  };
  const char32_t lead = byte(i);
  if (lead < 0x80) {
    i += 1;
    return lead;
  }
  if (lead < 0xE0) {
    const char32_t cp = ((lead & 0x1F) << 6) | (byte(i + 1) & 0x3F);
    i += 2;
    return cp;
  }
  if (lead < 0xF0) {
    const char32_t cp = ((lead & 0x0F) << 12) | ((byte(i + 1) & 0x3F) << 6) | (byte(i + 2) & 0x3F);
    i += 3;
    return cp;
  }
  const char32_t cp = ((lead & 0x07) << 18) | ((byte(i + 1) & 0x3F) << 12) |
                      ((byte(i + 2) & 0x3F) << 6) | (byte(i + 3) & 0x3F);
  i += 4;
  return cp;
}

}  // namespace

int Utf8Length(std::string_view text) {
  int count = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

bool HasControlCharacter(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const char32_t cp = NextCodePoint(text, i);
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) return true;
  }
  return false;
}

bool HasChineseCharacter(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const char32_t cp = NextCodePoint(text, i);
    if ((cp >= 0x3400 && cp <= 0x9FFF) || (cp >= 0x20000 && cp <= 0x2FFFF)) return true;
  }
  return false;
}

std::string_view Trim(std::string_view text) {
  constexpr std::string_view kIdeographicSpace = "\xE3\x80\x80";
  for (;;) {
    if (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\r' ||
                          text.front() == '\n')) {
      text.remove_prefix(1);
    } else if (text.starts_with(kIdeographicSpace)) {
      text.remove_prefix(kIdeographicSpace.size());
    } else {
      break;
    }
  }
  for (;;) {
    if (!text.empty() &&
        (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n')) {
      text.remove_suffix(1);
    } else if (text.ends_with(kIdeographicSpace)) {
      text.remove_suffix(kIdeographicSpace.size());
    } else {
      break;
    }
  }
  return text;
}

std::string ToUpperAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string CheckText(std::string_view text, int min_chars, int max_chars) {
  if (!IsValidUtf8(text)) return "is not valid UTF-8 text";
  const int length = Utf8Length(text);
  if (length < min_chars) {
    return min_chars == 1 ? std::string("must not be empty")
                          : fmt::format("must have at least {} characters", min_chars);
  }
  if (length > max_chars) {
    return fmt::format("must have at most {} characters (has {})", max_chars, length);
  }
  if (HasControlCharacter(text)) return "must not contain control characters or line breaks";
  if (Trim(text).size() != text.size()) return "must not start or end with spaces";
  return {};
}

std::string Quote(std::string_view text) {
  constexpr std::size_t kMax = 40;
  if (text.size() <= kMax) return fmt::format("\"{}\"", text);
  std::size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return fmt::format("\"{}…\"", text.substr(0, cut));
}

}  // namespace keyun::network::internal
