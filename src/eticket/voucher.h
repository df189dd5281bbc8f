// The e-ticket voucher payload (电子客票凭证): what a QR code on a phone screen or on paper says
// about one ticket, in a compact, versioned binary form (DESIGN.md §4, docs/eticket.md).
//
//   VoucherPayload p{
//       .key_id = "37-ed25519-0001",
//       .ticket_number = *core::TicketNumber::Parse("37261122000000012345"),
//       .run = *core::RunId::Parse("370102001-20261122-K0301"),
//       .boarding_stop = 0, .boarding_station = *core::StationCode::Parse("370102001"),
//       .alighting_stop = 2, .alighting_station = *core::StationCode::Parse("370602001"),
//       .seat = 12, .fare = core::Money::Fen(8650), .fare_type = FareType::kAdult,
//       .passenger_name_masked = core::MaskName("张三丰"),   // "张*丰"
//       .id_hash = *ParseIdHashHex(hasher.HashIdDocument(doc)),
//       .valid_from = ..., .valid_until = ..., .issued_at = clock.Now()};
//   Result<std::vector<std::uint8_t>> bytes = EncodeVoucherPayload(p);   // ~100 bytes
//   Result<VoucherPayload> back = DecodeVoucherPayload(*bytes);          // == p (see times)
//
// This header is the payload and its byte layout only. Signing, the Base45 text form and
// verification are in voucher_codec.h; VoucherSigner::Issue is what sales calls.
//
// Times travel to the whole second: encoding rounds each instant down to its second, so a
// decoded payload holds whole seconds (valid_until may lose up to 999 ms; nobody boards on
// that). Validity, run, stop and revocation are checked by the gate (checkin/), not here.
//
// Thread-safety: pure functions over values.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/money.h"
#include "core/result.h"
#include "core/time.h"
#include "eticket/key_id.h"

namespace keyun::eticket {

// The payload layout this build writes and reads (byte 0 of every voucher).
inline constexpr std::uint8_t kVoucherFormatVersion = 1;

// Limits of format version 1; EncodeVoucherPayload refuses payloads beyond them.
inline constexpr std::size_t kMaxMaskedNameBytes = 64;
inline constexpr int kMaxStopIndex = 255;
inline constexpr int kMaxSeat = 999;
// The largest encoded payload of version 1 (without the signature).
inline constexpr std::size_t kMaxVoucherPayloadBytes = 256;

// 票种. The wire value is the enumerator's value; never renumber.
enum class FareType : std::uint8_t {
  kAdult = 0,      // 全票
  kChild = 1,      // 半票: child with a seat at half fare
  kFreeChild = 2,  // 携童: free child, no seat (seat 0), fare 0
  kDiscount = 3,   // 优待票: disabled servicemen, police on duty
};
// "adult", "child", "free_child", "discount".
[[nodiscard]] std::string_view FareTypeName(FareType type);
// The inverse of FareTypeName; InvalidArgument for anything else.
[[nodiscard]] Result<FareType> ParseFareType(std::string_view name);

// Keyed BLAKE2b-256 of the passenger's ID document (core::KeyedHasher), raw bytes. A gate
// hashes a swiped ID card with the same key and compares.
using IdHash = std::array<std::uint8_t, 32>;
// From KeyedHasher's 64 lower- or upper-case hex characters; InvalidArgument otherwise.
[[nodiscard]] Result<IdHash> ParseIdHashHex(std::string_view hex);
// 64 lower-case hex characters, as KeyedHasher::Hash returns them.
[[nodiscard]] std::string IdHashHex(const IdHash& hash);

struct VoucherPayload {
  std::uint8_t version = kVoucherFormatVersion;
  // The issuer key that signs it, "{province}-{algorithm}-{serial}" (key_id.h), e.g.
  // "37-ed25519-0001". VoucherSigner::Issue fills it in when left empty.
  std::string key_id;
  core::TicketNumber ticket_number;
  core::RunId run;
  // Stop indexes on the run (0 = its departure station) and the stations at those stops.
  // boarding_stop < alighting_stop ≤ kMaxStopIndex.
  int boarding_stop = 0;
  core::StationCode boarding_station;
  int alighting_stop = 1;
  core::StationCode alighting_station;
  // 1..kMaxSeat; 0 = no seat, which only a free child (携童) has, and a free child always has.
  int seat = 0;
  // The fare charged (执行票价), ≥ 0; 0 for a free child.
  core::Money fare;
  FareType fare_type = FareType::kAdult;
  // core::MaskName of the passenger's name, UTF-8, at most kMaxMaskedNameBytes, no control
  // characters; empty when the ticket is not real-name (三类/四类 routes may sell those).
  std::string passenger_name_masked;
  // Absent when the ticket is not real-name.
  std::optional<IdHash> id_hash;
  // The voucher admits its holder from valid_from (inclusive) to valid_until (exclusive);
  // valid_from < valid_until. All three instants lie in 1970..2106 (32-bit unsigned seconds).
  core::Instant valid_from;
  core::Instant valid_until;
  core::Instant issued_at;

  // True if `now` lies in [valid_from, valid_until).
  [[nodiscard]] bool ValidAt(core::Instant now) const {
    return valid_from <= now && now < valid_until;
  }

  bool operator==(const VoucherPayload&) const = default;
};

// Checks every field against the rules above; InvalidArgument naming the field otherwise.
[[nodiscard]] Result<void> ValidateVoucherPayload(const VoucherPayload& payload);

// The payload's bytes (docs/eticket.md, "Byte layout"): the part of a voucher that the
// signature covers. InvalidArgument if ValidateVoucherPayload fails.
[[nodiscard]] Result<std::vector<std::uint8_t>> EncodeVoucherPayload(const VoucherPayload& payload);

// The payload in exactly `bytes` (trailing bytes are an error). InvalidArgument, with a
// message saying what is wrong, for anything EncodeVoucherPayload could not have written:
// an unknown version, a truncated or overlong field, a non-minimal varint, a field out of range.
[[nodiscard]] Result<VoucherPayload> DecodeVoucherPayload(std::span<const std::uint8_t> bytes);

}  // namespace keyun::eticket
