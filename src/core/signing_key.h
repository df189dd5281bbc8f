// Ed25519 signatures over arbitrary messages (libsodium), for parties that sign what they send
// us: the sandbox payment provider's notifications, gate terminals' messages.
//
//   SigningKey key = SigningKey::Generate();
//   std::string signature = key.SignHex("amount_fen=1200&order_id=…");
//   Result<void> ok = VerifySignatureHex(key.PublicKeyHex(), message, signature);
//
// Vouchers have their own codec (eticket/voucher_codec.h); this is for plain text messages.
// Thread-safety: SigningKey is immutable after construction; safe from many threads.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace keyun::core {

class SigningKey final {
 public:
  [[nodiscard]] static SigningKey Generate();
  SigningKey(const SigningKey&) = default;
  SigningKey& operator=(const SigningKey&) = default;
  ~SigningKey();  // wipes the secret

  // The 64-byte signature of `message`, as 128 lower-case hex characters.
  [[nodiscard]] std::string SignHex(std::string_view message) const;
  // The 32-byte public key as 64 hex characters.
  [[nodiscard]] std::string PublicKeyHex() const;

 private:
  SigningKey() = default;
  std::array<std::uint8_t, 32> public_key_{};
  std::array<std::uint8_t, 64> secret_key_{};
};

// Ok if `signature_hex` is `public_key_hex`'s Ed25519 signature of `message`.
// InvalidArgument if either is not hex of the right length; FailedPrecondition
// "the signature does not match" if the message was altered or signed by another key.
[[nodiscard]] Result<void> VerifySignatureHex(std::string_view public_key_hex,
                                              std::string_view message,
                                              std::string_view signature_hex);

}  // namespace keyun::core
