// Issuer key ids (签发密钥标识): "{province}-{algorithm}-{serial}", e.g. "37-ed25519-0001" —
// the province whose node signs, the signature algorithm, and a serial counting the province's
// keys of that algorithm from 1 (written with at least 4 digits, at most 9).
//
//   std::string id = MakeKeyId(*core::ProvinceCode::Parse("37"), SignatureAlgorithm::kEd25519, 1);
//   Result<KeyIdParts> parts = ParseKeyId("37-ed25519-0001");   // {37, kEd25519, 1}
//
// The key id says which algorithm verifies a voucher. Only Ed25519 is implemented; "sm2" (SM2
// with SM3, GB/T 32918 / GB/T 32905, through OpenSSL 3) is reserved: see voucher_codec.h and
// docs/eticket.md, "SM2".
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/ids.h"
#include "core/result.h"

namespace keyun::eticket {

// The value is the algorithm's code in the voucher bytes; never renumber. Code 1 is reserved
// for SM2 with SM3.
enum class SignatureAlgorithm : std::uint8_t {
  kEd25519 = 0,  // RFC 8032 via libsodium: 32-byte public keys, 64-byte signatures
};

// "ed25519": the name in key ids, in GET /keys and in the issuer_keys table.
[[nodiscard]] std::string_view AlgorithmName(SignatureAlgorithm algorithm);

inline constexpr int kMaxKeySerial = 999'999'999;

// serial in 1..kMaxKeySerial (a programmer error otherwise: throws std::out_of_range).
[[nodiscard]] std::string MakeKeyId(const core::ProvinceCode& province,
                                    SignatureAlgorithm algorithm, int serial);

struct KeyIdParts {
  core::ProvinceCode province;
  SignatureAlgorithm algorithm;
  int serial;

  bool operator==(const KeyIdParts&) const = default;
};

// The parts of a key id in its one canonical spelling (MakeKeyId(parts) == key_id).
// InvalidArgument if it is malformed ("37-ed25519-1", "37-ED25519-0001", "99-ed25519-0001");
// FailedPrecondition if it names SM2, which this build does not implement.
[[nodiscard]] Result<KeyIdParts> ParseKeyId(std::string_view key_id);

}  // namespace keyun::eticket
