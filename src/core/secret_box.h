// SecretBox: authenticated encryption of small personal data at rest (the full ID number).
//
//   SecretBox box(key);                                  // 32 secret bytes from the node's keys
//   std::string sealed = box.Seal("370102199003071234");  // hex: random nonce ‖ ciphertext+tag
//   Result<std::string> clear = box.Open(sealed);         // the number, or InvalidArgument
//
// libsodium's crypto_secretbox (XSalsa20-Poly1305) with a fresh random nonce per Seal, so the
// same number seals differently each time; look-ups use KeyedHasher, never the sealed text.
// Thread-safety: immutable after construction; safe from many threads.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/result.h"

namespace keyun::core {

class SecretBox {
 public:
  static constexpr std::size_t kKeyBytes = 32;

  explicit SecretBox(std::span<const std::uint8_t, kKeyBytes> key);
  ~SecretBox();  // wipes the key
  SecretBox(const SecretBox&) = default;
  SecretBox& operator=(const SecretBox&) = default;

  // Lower-case hex of nonce (24 bytes) ‖ ciphertext with tag.
  [[nodiscard]] std::string Seal(std::string_view plaintext) const;
  // InvalidArgument if `sealed` is not hex, too short, or fails authentication (altered, or
  // sealed under another key).
  [[nodiscard]] Result<std::string> Open(std::string_view sealed) const;

  [[nodiscard]] static std::array<std::uint8_t, kKeyBytes> GenerateKey();

 private:
  std::array<std::uint8_t, kKeyBytes> key_;
};

}  // namespace keyun::core
