#include "core/personal_data.h"

#include <sodium.h>

#include <vector>

#include "core/id_document.h"
#include "core/internal/sodium.h"

namespace keyun::core {
namespace {

// Splits UTF-8 text into code points (each as its bytes). A byte that does not start a valid
// sequence is one unit on its own, so nothing is lost and nothing is split.
std::vector<std::string_view> CodePoints(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t len = 1;
    if (lead >= 0xF0 && lead <= 0xF4) {
      len = 4;
    } else if (lead >= 0xE0) {
      len = lead <= 0xEF ? 3 : 1;
    } else if (lead >= 0xC2) {
      len = 2;
    }
    if (len > 1) {
      if (i + len > text.size()) {
        len = 1;
      } else {
        for (std::size_t k = 1; k < len; ++k) {
          if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) {
            len = 1;
            break;
          }
        }
      }
    }
    out.push_back(text.substr(i, len));
    i += len;
  }
  return out;
}

// Keeps the first `head` and last `tail` code points, replacing each one between with '*'.
std::string KeepEnds(const std::vector<std::string_view>& cps, std::size_t head, std::size_t tail) {
  std::string out;
  for (std::size_t i = 0; i < cps.size(); ++i) {
    if (i < head || i + tail >= cps.size()) {
      out += cps[i];
    } else {
      out += '*';
    }
  }
  return out;
}

std::string_view TrimSpaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

std::string MaskIdNumber(std::string_view number) {
  const std::vector<std::string_view> cps = CodePoints(number);
  if (cps.size() >= 12) return KeepEnds(cps, 4, 4);
  if (cps.size() >= 3) return KeepEnds(cps, 0, 2);
  return std::string(cps.size(), '*');
}

std::string MaskName(std::string_view name) {
  name = TrimSpaces(name);
  if (name.find(' ') != std::string_view::npos) {
    // Word by word: "John Smith" → "J*** S****". Runs of spaces are kept as they are.
    std::string out;
    std::size_t start = 0;
    while (start <= name.size()) {
      const std::size_t end = std::min(name.find(' ', start), name.size());
      out += KeepEnds(CodePoints(name.substr(start, end - start)), 1, 0);
      if (end == name.size()) break;
      out += ' ';
      start = end + 1;
    }
    return out;
  }
  const std::vector<std::string_view> cps = CodePoints(name);
  if (cps.size() <= 1) return std::string(cps.size(), '*');
  if (cps.size() == 2) return KeepEnds(cps, 1, 0);
  return KeepEnds(cps, 1, 1);
}

std::string MaskPhone(std::string_view phone) {
  const std::vector<std::string_view> cps = CodePoints(phone);
  if (cps.size() >= 11) return KeepEnds(cps, 3, 4);
  if (cps.size() >= 7) return KeepEnds(cps, 0, 4);
  if (cps.size() >= 3) return KeepEnds(cps, 0, 2);
  return std::string(cps.size(), '*');
}

KeyedHasher::KeyedHasher(std::span<const std::uint8_t, kKeyBytes> key) {
  internal::EnsureSodium();
  std::copy(key.begin(), key.end(), key_.begin());
}

KeyedHasher::~KeyedHasher() { sodium_memzero(key_.data(), key_.size()); }

std::string KeyedHasher::Hash(std::string_view normalized) const {
  static_assert(crypto_generichash_KEYBYTES == kKeyBytes);
  std::array<unsigned char, crypto_generichash_BYTES> digest{};  // 32 bytes: BLAKE2b-256
  crypto_generichash(digest.data(), digest.size(),
                     reinterpret_cast<const unsigned char*>(normalized.data()), normalized.size(),
                     key_.data(), key_.size());
  std::string hex(digest.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  hex.pop_back();  // the terminating NUL
  return hex;
}

std::string KeyedHasher::HashIdDocument(const IdDocument& document) const {
  std::string text(IdTypeName(document.type()));
  text += ':';
  text += document.number();
  return Hash(text);
}

std::array<std::uint8_t, KeyedHasher::kKeyBytes> KeyedHasher::GenerateKey() {
  internal::EnsureSodium();
  std::array<std::uint8_t, kKeyBytes> key{};
  randombytes_buf(key.data(), key.size());
  return key;
}

}  // namespace keyun::core
