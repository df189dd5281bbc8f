// The byte layout of a voucher payload (docs/eticket.md, "Byte layout"): constants and checks
// shared by the encoder (voucher.cc) and the decoder (voucher_reader.cc). Private to eticket.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/result.h"
#include "core/time.h"
#include "eticket/voucher.h"

namespace keyun::eticket::internal {

inline constexpr std::int64_t kMicrosPerSecond = 1'000'000;
inline constexpr std::uint64_t kMaxSeconds = 0xFFFF'FFFF;                        // 2106-02-07
inline constexpr std::uint64_t kMaxTicketDigits = 9'999'999'999'999'999'999ULL;  // 19 digits
inline constexpr std::uint64_t kMaxStationDigits = 999'999'999;                  // 9 digits
inline constexpr std::uint8_t kFlagIdHash = 0x01;
inline constexpr std::uint8_t kSm2AlgorithmCode = 1;  // reserved (key_id.h)
// Indexed by FareType's wire value.
inline constexpr std::string_view kFareTypeNames[] = {"adult", "child", "free_child", "discount"};

// Whole seconds of an instant, rounded down.
[[nodiscard]] constexpr std::int64_t FloorSeconds(core::Instant at) {
  const std::int64_t micros = at.unix_micros();
  return micros / kMicrosPerSecond - (micros % kMicrosPerSecond < 0 ? 1 : 0);
}

// Signed as unsigned with small magnitudes small: 0 → 0, -1 → 1, 1 → 2, -2 → 3 (protobuf's
// ZigZag), so a varint of a small negative number stays short.
[[nodiscard]] constexpr std::uint64_t ZigZag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
[[nodiscard]] constexpr std::int64_t UnZigZag(std::uint64_t v) {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

// Well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF) without C0
// control characters or DEL: what can be printed on a ticket.
[[nodiscard]] bool IsPrintableUtf8(std::string_view text);

// The rules between fields that both the encoder and the decoder enforce: stops in order, seat
// and fare consistent with the fare type, a non-empty validity window. InvalidArgument naming
// the field otherwise.
[[nodiscard]] Result<void> CheckRelations(const VoucherPayload& payload);

// Decodes the payload at the start of `bytes` and sets `consumed` to its length; what follows
// (the signature, in a signed voucher) is left to the caller. Allocates only for the returned
// payload's strings (and for an error's message).
[[nodiscard]] Result<VoucherPayload> DecodeVoucherPayloadPrefix(std::span<const std::uint8_t> bytes,
                                                                std::size_t& consumed);

}  // namespace keyun::eticket::internal
