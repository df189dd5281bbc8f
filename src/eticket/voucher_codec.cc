#include "eticket/voucher_codec.h"

#include <fmt/format.h>
#include <sodium.h>

#include <optional>

#include "eticket/base45.h"
#include "core/hex.h"
#include "eticket/internal/sodium_init.h"
#include "eticket/internal/voucher_layout.h"

namespace keyun::eticket {
namespace {

// Every algorithm's signature is 64 bytes on the wire (Ed25519's R ‖ S; SM2's r ‖ s when it
// comes), so the framing needs no length: the signature is what follows the payload.
constexpr std::size_t kSignatureBytes = 64;
static_assert(kSignatureBytes == crypto_sign_BYTES);
static_assert(crypto_sign_PUBLICKEYBYTES == 32 && crypto_sign_SECRETKEYBYTES == 64 &&
              crypto_sign_SEEDBYTES == kSecretSeedBytes);

constexpr std::string_view kDamaged = "the code is damaged or not a keyun e-ticket";

tl::unexpected<Error> Damaged(std::string_view detail) {
  return InvalidArgument(fmt::format("{}: {}", kDamaged, detail), "voucher");
}

}  // namespace

// ---- VoucherSigner ----------------------------------------------------------------------------

Result<VoucherSigner> VoucherSigner::FromSeed(
    std::string_view key_id, std::span<const std::uint8_t, kSecretSeedBytes> seed) {
  Result<KeyIdParts> parts = ParseKeyId(key_id);
  if (!parts) return Propagate(parts);
  internal::EnsureSodium();
  VoucherSigner signer;
  signer.key_id_ = std::string(key_id);
  signer.algorithm_ = parts->algorithm;
  switch (parts->algorithm) {
    case SignatureAlgorithm::kEd25519:
      crypto_sign_seed_keypair(signer.public_key_.data(), signer.secret_key_.data(), seed.data());
      break;
  }
  return signer;
}

Result<VoucherSigner> VoucherSigner::Generate(std::string_view key_id) {
  internal::EnsureSodium();
  SecretSeed seed;
  randombytes_buf(seed.data(), seed.size());
  Result<VoucherSigner> signer = FromSeed(key_id, seed);
  sodium_memzero(seed.data(), seed.size());
  return signer;
}

VoucherSigner::VoucherSigner(VoucherSigner&& other) noexcept
    : key_id_(std::move(other.key_id_)),
      algorithm_(other.algorithm_),
      public_key_(other.public_key_),
      secret_key_(other.secret_key_) {
  sodium_memzero(other.secret_key_.data(), other.secret_key_.size());
}

VoucherSigner& VoucherSigner::operator=(VoucherSigner&& other) noexcept {
  if (this != &other) {
    key_id_ = std::move(other.key_id_);
    algorithm_ = other.algorithm_;
    public_key_ = other.public_key_;
    secret_key_ = other.secret_key_;
    sodium_memzero(other.secret_key_.data(), other.secret_key_.size());
  }
  return *this;
}

VoucherSigner::~VoucherSigner() { sodium_memzero(secret_key_.data(), secret_key_.size()); }

Result<std::vector<std::uint8_t>> VoucherSigner::SignBytes(const VoucherPayload& payload) const {
  if (payload.key_id != key_id_) {
    return InvalidArgument(fmt::format("the payload names key {} but this signer holds key {}",
                                       payload.key_id, key_id_),
                           "key_id");
  }
  Result<std::vector<std::uint8_t>> bytes = EncodeVoucherPayload(payload);
  if (!bytes) return bytes;
  const std::size_t signed_size = bytes->size();
  bytes->resize(signed_size + kSignatureBytes);
  switch (algorithm_) {
    case SignatureAlgorithm::kEd25519:
      crypto_sign_detached(bytes->data() + signed_size, nullptr, bytes->data(), signed_size,
                           secret_key_.data());
      break;
  }
  return bytes;
}

Result<std::string> VoucherSigner::Issue(const VoucherPayload& payload) const {
  Result<std::vector<std::uint8_t>> bytes;
  if (payload.key_id.empty()) {
    VoucherPayload with_key = payload;
    with_key.key_id = key_id_;
    bytes = SignBytes(with_key);
  } else {
    bytes = SignBytes(payload);
  }
  if (!bytes) return Propagate(bytes);
  std::string text(kVoucherScheme);
  text += Base45Encode(*bytes);
  return text;
}

// ---- VoucherVerifier --------------------------------------------------------------------------

Result<void> VoucherVerifier::AddKey(std::string_view key_id,
                                     std::span<const std::uint8_t> public_key) {
  Result<KeyIdParts> parts = ParseKeyId(key_id);
  if (!parts) return Propagate(parts);
  TrustedKey key{parts->algorithm, {}};
  switch (parts->algorithm) {
    case SignatureAlgorithm::kEd25519:
      if (public_key.size() != crypto_sign_PUBLICKEYBYTES) {
        return InvalidArgument(
            fmt::format("an Ed25519 public key is 32 bytes, not {}", public_key.size()),
            "public_key");
      }
      break;
  }
  std::copy(public_key.begin(), public_key.end(), key.public_key.begin());
  if (auto it = keys_.find(key_id); it != keys_.end()) {
    if (it->second.public_key == key.public_key) return {};
    return AlreadyExists(
        fmt::format("key id {} is already trusted with a different public key", key_id), "key_id");
  }
  internal::EnsureSodium();
  keys_.emplace(std::string(key_id), key);
  return {};
}

Result<void> VoucherVerifier::AddKeyHex(std::string_view key_id, std::string_view public_key_hex) {
  std::optional<std::vector<std::uint8_t>> key = core::FromHex(public_key_hex);
  if (!key) return InvalidArgument("the public key is not hex", "public_key");
  return AddKey(key_id, *key);
}

Result<VoucherPayload> VoucherVerifier::Verify(std::string_view text) const {
  if (!text.starts_with(kVoucherScheme)) {
    return Damaged(fmt::format("it does not start with {}", kVoucherScheme));
  }
  text.remove_prefix(kVoucherScheme.size());
  if (text.size() > kMaxVoucherTextChars) {
    return Damaged(fmt::format("it is longer than {} characters", kMaxVoucherTextChars));
  }
  std::array<std::uint8_t, Base45DecodedSize(kMaxVoucherTextChars)> buffer;
  Result<std::size_t> size = Base45Decode(text, buffer);
  if (!size) return Damaged(size.error().message);
  const std::span<const std::uint8_t> bytes(buffer.data(), *size);

  std::size_t signed_size = 0;
  Result<VoucherPayload> payload = internal::DecodeVoucherPayloadPrefix(bytes, signed_size);
  if (!payload) return Damaged(payload.error().message);
  if (bytes.size() - signed_size != kSignatureBytes) {
    return Damaged(bytes.size() - signed_size < kSignatureBytes
                       ? "its signature is cut short"
                       : "it has bytes after its signature");
  }
  const auto key = keys_.find(payload->key_id);
  if (key == keys_.end()) {
    return FailedPrecondition(fmt::format("signed by an unknown key {}", payload->key_id),
                              "voucher");
  }
  bool genuine = false;
  switch (key->second.algorithm) {
    case SignatureAlgorithm::kEd25519:
      genuine = crypto_sign_verify_detached(bytes.data() + signed_size, bytes.data(), signed_size,
                                            key->second.public_key.data()) == 0;
      break;
  }
  if (!genuine) {
    return FailedPrecondition("forged or altered: the signature does not match", "voucher");
  }
  return payload;
}

}  // namespace keyun::eticket
