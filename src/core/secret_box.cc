#include "core/secret_box.h"

#include <sodium.h>

#include <vector>

#include "core/internal/sodium.h"

namespace keyun::core {

SecretBox::SecretBox(std::span<const std::uint8_t, kKeyBytes> key) {
  static_assert(kKeyBytes == crypto_secretbox_KEYBYTES);
  internal::EnsureSodium();
  std::copy(key.begin(), key.end(), key_.begin());
}

SecretBox::~SecretBox() { sodium_memzero(key_.data(), key_.size()); }

std::string SecretBox::Seal(std::string_view plaintext) const {
  std::vector<unsigned char> out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES +
                                 plaintext.size());
  randombytes_buf(out.data(), crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(out.data() + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                        out.data(), key_.data());
  std::string hex(out.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), out.data(), out.size());
  hex.pop_back();
  return hex;
}

Result<std::string> SecretBox::Open(std::string_view sealed) const {
  std::vector<unsigned char> bytes(sealed.size() / 2 + 1);
  std::size_t length = 0;
  if (sodium_hex2bin(bytes.data(), bytes.size(), sealed.data(), sealed.size(), nullptr, &length,
                     nullptr) != 0 ||
      length * 2 != sealed.size() ||
      length < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
    return InvalidArgument("sealed data is not valid hex of a sealed box");
  }
  std::string clear(length - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(clear.data()),
                                 bytes.data() + crypto_secretbox_NONCEBYTES,
                                 length - crypto_secretbox_NONCEBYTES, bytes.data(),
                                 key_.data()) != 0) {
    return InvalidArgument("sealed data was altered or sealed under another key");
  }
  return clear;
}

std::array<std::uint8_t, SecretBox::kKeyBytes> SecretBox::GenerateKey() {
  internal::EnsureSodium();
  std::array<std::uint8_t, kKeyBytes> key{};
  randombytes_buf(key.data(), key.size());
  return key;
}

}  // namespace keyun::core
