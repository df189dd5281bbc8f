#include "eticket/voucher.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>

#include "core/hex.h"
#include "eticket/internal/voucher_layout.h"

namespace keyun::eticket {
namespace {

using internal::CheckRelations;
using internal::FloorSeconds;
using internal::IsPrintableUtf8;
using internal::kFlagIdHash;
using internal::kMaxSeconds;
using internal::ZigZag;

std::uint64_t DigitsValue(std::string_view digits) {
  std::uint64_t value = 0;
  for (char c : digits) value = value * 10 + static_cast<std::uint64_t>(c - '0');
  return value;
}

// ---- writing ----------------------------------------------------------------------------------

class Writer {
 public:
  explicit Writer(std::vector<std::uint8_t>& out) : out_(out) {}

  void U8(std::uint8_t v) { out_.push_back(v); }
  void BigEndian(std::uint64_t v, int bytes) {
    for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
      out_.push_back(static_cast<std::uint8_t>(v >> shift));
    }
  }
  void Varint(std::uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<std::uint8_t>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<std::uint8_t>(v));
  }
  // A length byte and the bytes; the caller has checked the length fits.
  void ShortString(std::string_view s) {
    out_.push_back(static_cast<std::uint8_t>(s.size()));
    out_.insert(out_.end(), s.begin(), s.end());
  }
  void Bytes(std::span<const std::uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }

 private:
  std::vector<std::uint8_t>& out_;
};

}  // namespace

std::string_view FareTypeName(FareType type) {
  const auto i = static_cast<std::size_t>(type);
  return i < std::size(internal::kFareTypeNames) ? internal::kFareTypeNames[i] : "unknown";
}

Result<FareType> ParseFareType(std::string_view name) {
  for (std::size_t i = 0; i < std::size(internal::kFareTypeNames); ++i) {
    if (internal::kFareTypeNames[i] == name) return static_cast<FareType>(i);
  }
  return InvalidArgument(
      fmt::format("fare type \"{}\" is not one of adult, child, free_child, discount", name),
      "fare_type");
}

Result<IdHash> ParseIdHashHex(std::string_view hex) {
  std::optional<std::vector<std::uint8_t>> bytes = core::FromHex(hex);
  IdHash hash{};
  if (!bytes || bytes->size() != hash.size()) {
    return InvalidArgument("an ID hash is 64 hex characters", "id_hash");
  }
  std::copy(bytes->begin(), bytes->end(), hash.begin());
  return hash;
}

std::string IdHashHex(const IdHash& hash) { return core::ToHex(hash); }

Result<void> ValidateVoucherPayload(const VoucherPayload& p) {
  if (p.version != kVoucherFormatVersion) {
    return InvalidArgument(fmt::format("voucher format version {} is not supported (this build "
                                       "writes version {})",
                                       p.version, kVoucherFormatVersion),
                           "version");
  }
  if (Result<KeyIdParts> key = ParseKeyId(p.key_id); !key) return Propagate(key);
  if (p.run.date().Days() < 0 || p.run.date().Days() > 0xFFFF) {
    return InvalidArgument("the run's date must lie in 1970..2149", "run");
  }
  if (Result<void> relations = CheckRelations(p); !relations) return relations;
  if (p.passenger_name_masked.size() > kMaxMaskedNameBytes ||
      !IsPrintableUtf8(p.passenger_name_masked)) {
    return InvalidArgument(fmt::format("the masked name must be printable UTF-8 of at most {} "
                                       "bytes",
                                       kMaxMaskedNameBytes),
                           "passenger_name_masked");
  }
  for (auto [at, field] :
       {std::pair{p.valid_from, "valid_from"}, std::pair{p.valid_until, "valid_until"},
        std::pair{p.issued_at, "issued_at"}}) {
    const std::int64_t s = FloorSeconds(at);
    if (s < 0 || static_cast<std::uint64_t>(s) > kMaxSeconds) {
      return InvalidArgument("times must lie between 1970 and 2106", field);
    }
  }
  return {};
}

Result<std::vector<std::uint8_t>> EncodeVoucherPayload(const VoucherPayload& p) {
  if (Result<void> valid = ValidateVoucherPayload(p); !valid) return Propagate(valid);
  std::vector<std::uint8_t> bytes;
  bytes.reserve(kMaxVoucherPayloadBytes);
  Writer out(bytes);
  const KeyIdParts key = *ParseKeyId(p.key_id);  // validated above
  out.U8(p.version);
  out.U8(static_cast<std::uint8_t>(DigitsValue(key.province.str())));
  out.U8(static_cast<std::uint8_t>(key.algorithm));
  out.Varint(static_cast<std::uint64_t>(key.serial));
  out.BigEndian(DigitsValue(std::string_view(p.ticket_number.str()).substr(0, 19)), 8);
  out.BigEndian(DigitsValue(p.run.station().str()), 4);
  out.BigEndian(static_cast<std::uint64_t>(p.run.date().Days()), 2);
  out.ShortString(p.run.schedule().str());
  out.Varint(static_cast<std::uint64_t>(p.boarding_stop));
  out.BigEndian(DigitsValue(p.boarding_station.str()), 4);
  out.Varint(static_cast<std::uint64_t>(p.alighting_stop));
  out.BigEndian(DigitsValue(p.alighting_station.str()), 4);
  out.Varint(static_cast<std::uint64_t>(p.seat));
  out.Varint(static_cast<std::uint64_t>(p.fare.fen()));
  out.U8(static_cast<std::uint8_t>(p.fare_type));
  out.U8(p.id_hash ? kFlagIdHash : 0);
  out.ShortString(p.passenger_name_masked);
  if (p.id_hash) out.Bytes(*p.id_hash);
  // issued_at in full; the window relative to it, which takes 2 or 3 bytes instead of 5.
  const std::int64_t issued = FloorSeconds(p.issued_at);
  const std::int64_t from = FloorSeconds(p.valid_from);
  const std::int64_t until = FloorSeconds(p.valid_until);
  out.Varint(static_cast<std::uint64_t>(issued));
  out.Varint(ZigZag(from - issued));
  out.Varint(static_cast<std::uint64_t>(until - from));
  return bytes;
}

Result<VoucherPayload> DecodeVoucherPayload(std::span<const std::uint8_t> bytes) {
  std::size_t consumed = 0;
  Result<VoucherPayload> payload = internal::DecodeVoucherPayloadPrefix(bytes, consumed);
  if (!payload) return payload;
  if (consumed != bytes.size()) {
    return InvalidArgument(
        fmt::format("voucher payload has {} bytes after its end", bytes.size() - consumed));
  }
  return payload;
}

namespace internal {

bool IsPrintableUtf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    if (b0 < 0x80) {
      if (b0 < 0x20 || b0 == 0x7F) return false;
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0;
    std::uint32_t min = 0;
    if ((b0 & 0xE0) == 0xC0) {
      len = 2, cp = b0 & 0x1F, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
      len = 3, cp = b0 & 0x0F, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
      len = 4, cp = b0 & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (i + len > text.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(text[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

Result<void> CheckRelations(const VoucherPayload& p) {
  if (p.boarding_stop < 0 || p.boarding_stop >= p.alighting_stop ||
      p.alighting_stop > kMaxStopIndex) {
    return InvalidArgument(
        fmt::format("stops {} → {}: the boarding stop must come before the alighting stop, "
                    "both in 0..{}",
                    p.boarding_stop, p.alighting_stop, kMaxStopIndex),
        "alighting_stop");
  }
  if (p.seat < 0 || p.seat > kMaxSeat) {
    return InvalidArgument(fmt::format("seat {} is out of range 0..{}", p.seat, kMaxSeat), "seat");
  }
  const bool free_child = p.fare_type == FareType::kFreeChild;
  if (free_child != (p.seat == 0)) {
    return InvalidArgument(free_child ? "a free child (携童) has no seat: seat must be 0"
                                      : "seat 0 (no seat) is only for a free child (携童)",
                           "seat");
  }
  if (p.fare.fen() < 0 || (free_child && p.fare.fen() != 0)) {
    return InvalidArgument(
        fmt::format("fare {} fen: must be ≥ 0, and 0 for a free child", p.fare.fen()), "fare");
  }
  if (FloorSeconds(p.valid_from) >= FloorSeconds(p.valid_until)) {
    return InvalidArgument("valid_from must be before valid_until (in whole seconds)",
                           "valid_until");
  }
  return {};
}

}  // namespace internal
}  // namespace keyun::eticket
