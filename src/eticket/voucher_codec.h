// Signing and verifying e-ticket vouchers (DESIGN.md §4, docs/eticket.md).
//
// A voucher's text is
//     "KY1:" + Base45(payload bytes ‖ signature)
// where the payload bytes are EncodeVoucherPayload's (voucher.h) and the signature is made by
// the issuer key named in the payload, over exactly those bytes (version byte ‖ key id ‖
// fields). Every character is one of the 45 of QR alphanumeric mode: a typical voucher (91
// payload bytes + 64 signature bytes → 237 characters) fits a version 9 QR code at level M.
//
//   Result<VoucherSigner> signer = VoucherSigner::Generate("37-ed25519-0001");  // tests, tools
//   Result<std::string> text = signer->Issue(payload);           // "KY1:…"
//
//   VoucherVerifier verifier;                                    // a gate's trust list
//   verifier.AddKey("37-ed25519-0001", signer->public_key());    // from GET /keys
//   Result<VoucherPayload> p = verifier.Verify(*text);
//   if (!p) show(p.error().message);   // damaged / unknown key / forged, see Verify
//
// Algorithms. The key id (key_id.h) says which: "37-ed25519-0001". Only Ed25519 (libsodium) is
// implemented. SM2 with SM3 (GB/T 32918, GB/T 32905, through OpenSSL 3) is the planned
// alternative a regulator may require, with key ids "37-sm2-0001" and algorithm code 1 in the
// voucher bytes: its signature would travel as raw r ‖ s (64 bytes, like Ed25519's) and its
// public key as the 65-byte uncompressed point. Adding it means a SignatureAlgorithm enumerator,
// its name in key_id.cc, a case in each switch of voucher_codec.cc (key derivation, signing,
// key size, verification) and in IssuerKeyStore's key generation; the payload layout does not
// change. See docs/eticket.md, "SM2".
//
// Thread-safety: VoucherSigner and VoucherVerifier are immutable after construction (AddKey
// aside): const methods may be called from any number of threads at once.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "core/result.h"
#include "eticket/key_id.h"
#include "eticket/voucher.h"

namespace keyun::eticket {

// What every voucher's text starts with. Changing the framing (not the payload) would change it.
inline constexpr std::string_view kVoucherScheme = "KY1:";
// Longest voucher text Verify looks at; anything longer is refused before decoding.
inline constexpr std::size_t kMaxVoucherTextChars = 600;

// Secret key material: for Ed25519 the 32-byte seed the key pair is derived from.
inline constexpr std::size_t kSecretSeedBytes = 32;
using SecretSeed = std::array<std::uint8_t, kSecretSeedBytes>;

// Signs vouchers with one issuer key. Move-only; the secret is wiped on destruction.
class VoucherSigner final {
 public:
  // A signer for `key_id` from its secret seed. InvalidArgument/FailedPrecondition if the key id
  // is malformed or names an unimplemented algorithm.
  [[nodiscard]] static Result<VoucherSigner> FromSeed(
      std::string_view key_id, std::span<const std::uint8_t, kSecretSeedBytes> seed);
  // A signer with a fresh random key (libsodium's CSPRNG), for tests and tools; the node's keys
  // come from IssuerKeyStore.
  [[nodiscard]] static Result<VoucherSigner> Generate(std::string_view key_id);

  VoucherSigner(VoucherSigner&& other) noexcept;
  VoucherSigner& operator=(VoucherSigner&& other) noexcept;
  VoucherSigner(const VoucherSigner&) = delete;
  VoucherSigner& operator=(const VoucherSigner&) = delete;
  ~VoucherSigner();

  // The voucher text for `payload`. payload.key_id must be empty (the signer's id is used) or
  // equal to key_id(). InvalidArgument if the payload breaks a rule of voucher.h.
  [[nodiscard]] Result<std::string> Issue(const VoucherPayload& payload) const;
  // Issue with `payload` already carrying this signer's key id: the signed bytes, then the
  // signature, before Base45 (for tests and for the byte layout's documentation).
  [[nodiscard]] Result<std::vector<std::uint8_t>> SignBytes(const VoucherPayload& payload) const;

  [[nodiscard]] const std::string& key_id() const { return key_id_; }
  [[nodiscard]] SignatureAlgorithm algorithm() const { return algorithm_; }
  [[nodiscard]] std::span<const std::uint8_t> public_key() const { return public_key_; }

 private:
  VoucherSigner() = default;

  std::string key_id_;
  SignatureAlgorithm algorithm_ = SignatureAlgorithm::kEd25519;
  std::array<std::uint8_t, 32> public_key_{};
  std::array<std::uint8_t, 64> secret_key_{};  // libsodium's seed ‖ public key
};

// Verifies voucher texts against a trust list of issuer public keys (a gate holds every
// province's keys, retired ones included, as the hub publishes them).
class VoucherVerifier final {
 public:
  VoucherVerifier() = default;

  // Trusts `public_key` for vouchers signed under `key_id`. InvalidArgument if the id is
  // malformed or the key has the wrong length for its algorithm; FailedPrecondition if the
  // algorithm is not implemented; AlreadyExists if the id is trusted with a different key
  // (the same key again is accepted).
  [[nodiscard]] Result<void> AddKey(std::string_view key_id,
                                    std::span<const std::uint8_t> public_key);
  // AddKey with the key as hex (as GET /keys and the issuer_keys table give it).
  [[nodiscard]] Result<void> AddKeyHex(std::string_view key_id, std::string_view public_key_hex);

  // The payload of a genuine voucher. Decodes without touching the heap except for the
  // returned payload's strings; the signature check dominates (~40 µs for Ed25519).
  // Errors, in the order they are checked:
  //   InvalidArgument "the code is damaged or not a keyun e-ticket: <detail>" — wrong scheme
  //     tag, bad Base45, truncated, unknown format version, a field out of range, trailing or
  //     missing signature bytes;
  //   FailedPrecondition "signed by an unknown key <id>" — not in the trust list (a new key
  //     the gate has not synced yet, or another system's code);
  //   FailedPrecondition "forged or altered: the signature does not match".
  // Validity window, run, stop and revocation are the caller's checks (checkin/).
  [[nodiscard]] Result<VoucherPayload> Verify(std::string_view text) const;

  [[nodiscard]] std::size_t key_count() const { return keys_.size(); }
  [[nodiscard]] bool Trusts(std::string_view key_id) const { return keys_.contains(key_id); }

 private:
  struct TrustedKey {
    SignatureAlgorithm algorithm;
    std::array<std::uint8_t, 32> public_key;
  };
  std::map<std::string, TrustedKey, std::less<>> keys_;
};

}  // namespace keyun::eticket
