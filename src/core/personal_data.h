// Personal data (个人信息): masking for display and keyed hashing for lookup.
//
//   MaskIdNumber("370102199003071234");   // "3701**********1234"
//   MaskName("张三丰");                    // "张*丰"
//   MaskPhone("13812345678");             // "138****5678"
//
//   KeyedHasher hasher(key);              // key: 32 secret bytes from the node's key store
//   std::string h = hasher.HashIdDocument(doc);   // 64 hex chars, same for the same person
//   FindPassengerByIdHash(h);                     // the clear number is never stored or indexed
//
// The masks are for screens, tickets, receipts and logs; they are not a security boundary.
// The keyed hash is BLAKE2b-256 (libsodium crypto_generichash) under a secret key, so a stolen
// database of hashes cannot be reversed by trying all ~10^10 plausible ID numbers without the
// key. A gate matches a swiped ID card to a ticket by the same hash (DESIGN.md §4).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace keyun::core {

class IdDocument;

// An ID number masked for display, by character (UTF-8 code point):
//   12 or more characters: the first 4, a '*' for each hidden one, the last 4
//     ("370102199003071234" → "3701**********1234");
//   3 to 11 characters: all but the last 2 hidden ("E12345678" → "*******78");
//   1 or 2 characters: all hidden.
[[nodiscard]] std::string MaskIdNumber(std::string_view number);

// A name masked for display, UTF-8 aware (never splits a character):
//   1 character: "*"; 2: the first and "*" ("张三" → "张*");
//   3 or more: the first, a '*' for each middle character, the last ("张三丰" → "张*丰",
//   "欧阳娜娜" → "欧**娜");
//   names with spaces (Latin script) are masked word by word, keeping each word's first
//   letter: "John Smith" → "J*** S****".
// Leading and trailing spaces are dropped; invalid UTF-8 bytes count as one character each.
[[nodiscard]] std::string MaskName(std::string_view name);

// A phone number masked for display: 11 characters or more keep the first 3 and the last 4
// ("13812345678" → "138****5678"); 7 to 10 (landlines) keep the last 4 ("82345678" →
// "****5678"); 3 to 6 keep the last 2; shorter ones are hidden entirely.
[[nodiscard]] std::string MaskPhone(std::string_view phone);

// Keyed hash for looking up personal data without storing it in clear.
// Thread-safety: const methods may be called concurrently. The key is wiped on destruction.
class KeyedHasher {
 public:
  static constexpr std::size_t kKeyBytes = 32;

  explicit KeyedHasher(std::span<const std::uint8_t, kKeyBytes> key);
  ~KeyedHasher();
  KeyedHasher(const KeyedHasher&) = default;
  KeyedHasher& operator=(const KeyedHasher&) = default;

  // Lower-case hex (64 chars) of keyed BLAKE2b-256 of `normalized`. Callers hash normalised
  // text (upper case, trimmed) so that equal values give equal hashes.
  [[nodiscard]] std::string Hash(std::string_view normalized) const;

  // Hash of IdTypeName(type) + ':' + number, e.g. "resident_id:11010519491231002X": the same
  // number under two document types gives two different hashes.
  [[nodiscard]] std::string HashIdDocument(const IdDocument& document) const;

  // 32 random bytes from the system's CSPRNG (libsodium randombytes_buf).
  [[nodiscard]] static std::array<std::uint8_t, kKeyBytes> GenerateKey();

 private:
  std::array<std::uint8_t, kKeyBytes> key_;
};

}  // namespace keyun::core
