#include "core/person_name.h"

#include <fmt/format.h>

#include <cstdint>
#include <optional>

namespace keyun::core {
namespace {

// Strictly decodes UTF-8; nullopt for any malformed sequence.
std::optional<std::u32string> DecodeUtf8(std::string_view text) {
  std::u32string out;
  for (std::size_t i = 0; i < text.size();) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = b(i);
    int extra = 0;
    char32_t cp = 0, min = 0;
    if (lead < 0x80) {
      cp = lead;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      extra = 1, cp = lead & 0x1F, min = 0x80;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      extra = 2, cp = lead & 0x0F, min = 0x800;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      extra = 3, cp = lead & 0x07, min = 0x10000;
    } else {
      return std::nullopt;
    }
    if (i + static_cast<std::size_t>(extra) >= text.size()) return std::nullopt;
    for (int k = 1; k <= extra; ++k) {
      if ((b(i + k) & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (b(i + k) & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
    out.push_back(cp);
    i += static_cast<std::size_t>(extra) + 1;
  }
  return out;
}

void AppendUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool In(char32_t cp, char32_t lo, char32_t hi) { return cp >= lo && cp <= hi; }

bool IsLetter(char32_t cp) {
  return In(cp, 'A', 'Z') || In(cp, 'a', 'z') ||
         (In(cp, 0xC0, 0x24F) && cp != 0xD7 && cp != 0xF7) ||  // Latin-1, Extended-A/B
         In(cp, 0x1E00, 0x1EFF) ||                              // Latin Extended Additional
         In(cp, 0x386, 0x3FF) ||                                // Greek
         In(cp, 0x400, 0x4FF) ||                                // Cyrillic
         In(cp, 0x620, 0x64A) || In(cp, 0x671, 0x6D3) ||        // Arabic (Uyghur)
         In(cp, 0xF40, 0xF6C) ||                                // Tibetan
         In(cp, 0x1820, 0x1878) ||                              // Mongolian
         In(cp, 0x3041, 0x3096) || In(cp, 0x30A1, 0x30FA) || cp == 0x30FC ||  // kana
         In(cp, 0xAC00, 0xD7A3) ||                              // Hangul
         cp == 0x3007 ||                                        // 〇
         In(cp, 0x3400, 0x4DBF) || In(cp, 0x4E00, 0x9FFF) ||    // CJK, extension A
         In(cp, 0xF900, 0xFAFF) ||                              // CJK compatibility
         In(cp, 0x20000, 0x2FA1F) ||                            // extensions B–F, supplement
         In(cp, 0x30000, 0x323AF);                              // extensions G, H
}

bool IsCombiningMark(char32_t cp) { return In(cp, 0x300, 0x36F); }

bool IsSpace(char32_t cp) { return cp == ' ' || cp == 0x3000; }

// The separator a code point stands for (U+00B7, '-', '\''), or 0.
char32_t Separator(char32_t cp) {
  switch (cp) {
    case 0xB7: case 0x2022: case 0x2027: case 0x30FB: case 0xFF65: case 0x2219: case 0x22C5:
      return 0xB7;
    case '-': case 0x2010: case 0x2011:
      return '-';
    case '\'': case 0x2019:
      return '\'';
    default:
      return 0;
  }
}

// What a refused code point is, for the message.
std::string_view Kind(char32_t cp, bool zh) {
  if (cp < 0x20 || In(cp, 0x7F, 0x9F)) return zh ? "控制字符" : "a control character";
  if (cp == 0x200E || cp == 0x200F || In(cp, 0x202A, 0x202E) || In(cp, 0x2066, 0x2069) ||
      cp == 0x61C) {
    return zh ? "文字方向控制符" : "a text direction control";
  }
  if (In(cp, 0x200B, 0x200D) || cp == 0xFEFF || cp == 0x2060 || cp == 0xAD) {
    return zh ? "零宽字符" : "an invisible zero-width character";
  }
  if (In(cp, '0', '9') || In(cp, 0xFF10, 0xFF19)) return zh ? "数字" : "a digit";
  return zh ? "不能用于姓名的符号" : "a character names do not use";
}

tl::unexpected<Error> Refuse(std::string en, std::string zh) {
  return InZh(InvalidArgument(std::move(en)), std::move(zh));
}

}  // namespace

Result<std::string> NormalizePersonName(std::string_view text) {
  std::optional<std::u32string> decoded = DecodeUtf8(text);
  if (!decoded) {
    return Refuse("the name is not valid UTF-8 text; type it again",
                  "姓名含有无法识别的字符（不是有效的 UTF-8 文本），请重新输入");
  }
  // Trim spaces (and tabs, which are refused inside) at both ends.
  std::u32string& cps = *decoded;
  std::size_t begin = 0, end = cps.size();
  while (begin < end && (IsSpace(cps[begin]) || cps[begin] == '\t')) ++begin;
  while (end > begin && (IsSpace(cps[end - 1]) || cps[end - 1] == '\t')) --end;
  if (begin == end) return Refuse("the name is required", "请填写姓名");

  std::u32string out;
  enum class Last { kNone, kLetter, kSeparator, kSpace } last = Last::kNone;
  for (std::size_t i = begin; i < end; ++i) {
    const char32_t cp = cps[i];
    const int position = static_cast<int>(i - begin) + 1;
    if (IsLetter(cp)) {
      out.push_back(cp);
      last = Last::kLetter;
    } else if (IsCombiningMark(cp) && last == Last::kLetter) {
      out.push_back(cp);
    } else if (IsSpace(cp)) {
      if (last == Last::kSeparator) {
        return Refuse(fmt::format("the name has a space after a separator at character {}",
                                  position),
                      fmt::format("姓名第 {} 个字符：分隔符后不能有空格", position));
      }
      if (last != Last::kSpace) out.push_back(' ');
      last = Last::kSpace;
    } else if (char32_t separator = Separator(cp); separator != 0) {
      if (last != Last::kLetter) {
        return Refuse(
            fmt::format("the name's character {} (U+{:04X}) must stand between two letters",
                        position, static_cast<std::uint32_t>(cp)),
            fmt::format("姓名第 {} 个字符（U+{:04X}）只能在两个字之间", position,
                        static_cast<std::uint32_t>(cp)));
      }
      out.push_back(separator);
      last = Last::kSeparator;
    } else {
      return Refuse(fmt::format("the name's character {} (U+{:04X}) is {}; a name has letters, "
                                "the middle dot ·, hyphens, apostrophes and single spaces",
                                position, static_cast<std::uint32_t>(cp), Kind(cp, false)),
                    fmt::format("姓名第 {} 个字符（U+{:04X}）是{}；姓名只能包含文字、间隔号 ·、"
                                "连字符、撇号和单个空格",
                                position, static_cast<std::uint32_t>(cp), Kind(cp, true)));
    }
  }
  if (last == Last::kSeparator) {
    return Refuse("the name must not end with a separator", "姓名不能以分隔符结尾");
  }
  if (static_cast<int>(out.size()) > kMaxPersonNameChars) {
    return Refuse(fmt::format("the name has {} characters; at most {} are allowed", out.size(),
                              kMaxPersonNameChars),
                  fmt::format("姓名有 {} 个字符，最多 {} 个", out.size(), kMaxPersonNameChars));
  }
  std::string name;
  for (char32_t cp : out) AppendUtf8(name, cp);
  return name;
}

}  // namespace keyun::core
