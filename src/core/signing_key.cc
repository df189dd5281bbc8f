#include "core/signing_key.h"

#include <sodium.h>

#include "core/hex.h"
#include "core/internal/sodium.h"

namespace keyun::core {

SigningKey SigningKey::Generate() {
  internal::EnsureSodium();
  SigningKey key;
  crypto_sign_keypair(key.public_key_.data(), key.secret_key_.data());
  return key;
}

SigningKey::~SigningKey() { sodium_memzero(secret_key_.data(), secret_key_.size()); }

std::string SigningKey::SignHex(std::string_view message) const {
  std::array<std::uint8_t, crypto_sign_BYTES> signature{};
  crypto_sign_detached(signature.data(), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       secret_key_.data());
  return ToHex(signature);
}

std::string SigningKey::PublicKeyHex() const { return ToHex(public_key_); }

Result<void> VerifySignatureHex(std::string_view public_key_hex, std::string_view message,
                                std::string_view signature_hex) {
  internal::EnsureSodium();
  auto key = FromHex(public_key_hex);
  if (!key || key->size() != crypto_sign_PUBLICKEYBYTES) {
    return InvalidArgument("the public key is not 64 hex characters");
  }
  auto signature = FromHex(signature_hex);
  if (!signature || signature->size() != crypto_sign_BYTES) {
    return InvalidArgument("the signature is not 128 hex characters");
  }
  if (crypto_sign_verify_detached(signature->data(),
                                  reinterpret_cast<const unsigned char*>(message.data()),
                                  message.size(), key->data()) != 0) {
    return FailedPrecondition("the signature does not match");
  }
  return {};
}

}  // namespace keyun::core
