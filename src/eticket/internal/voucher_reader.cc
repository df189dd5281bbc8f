// The voucher payload decoder: runs on every scan at a gate, so it reads the bytes in place and
// rebuilds ids in stack buffers; the only allocations are the payload's own strings.
#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <string>

#include "eticket/internal/voucher_layout.h"

namespace keyun::eticket::internal {
namespace {

// Reads fields in order. Every failure means a damaged or foreign payload and is reported with
// the field's name; only that message allocates.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  [[nodiscard]] std::size_t offset() const { return pos_; }

  Result<std::uint8_t> U8(std::string_view field) {
    if (pos_ >= bytes_.size()) return Truncated(field);
    return bytes_[pos_++];
  }
  Result<std::uint64_t> BigEndian(int bytes, std::string_view field) {
    if (bytes_.size() - pos_ < static_cast<std::size_t>(bytes)) return Truncated(field);
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | bytes_[pos_++];
    return v;
  }
  // Unsigned LEB128 in its shortest form, at most `max`.
  Result<std::uint64_t> Varint(std::uint64_t max, std::string_view field) {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= bytes_.size()) return Truncated(field);
      const std::uint8_t b = bytes_[pos_++];
      const std::uint64_t part = b & 0x7F;
      if (shift == 63 && part > 1) return Bad(field, "overflows 64 bits");
      v |= part << shift;
      if ((b & 0x80) == 0) {
        if (b == 0 && shift > 0) return Bad(field, "is not in its shortest form");
        if (v > max) return Bad(field, fmt::format("{} is out of range (at most {})", v, max));
        return v;
      }
    }
    return Bad(field, "overflows 64 bits");
  }
  // A length byte (min..max) and that many bytes, as a view into the input.
  Result<std::string_view> ShortString(std::size_t min, std::size_t max, std::string_view field) {
    Result<std::uint8_t> len = U8(field);
    if (!len) return Propagate(len);
    if (*len < min || *len > max) {
      return Bad(field, fmt::format("has length {} (expected {}..{})", *len, min, max));
    }
    return Take(*len, field);
  }
  Result<std::string_view> Take(std::size_t n, std::string_view field) {
    if (bytes_.size() - pos_ < n) return Truncated(field);
    std::string_view s(reinterpret_cast<const char*>(bytes_.data()) + pos_, n);
    pos_ += n;
    return s;
  }

  tl::unexpected<Error> Truncated(std::string_view field) const {
    return InvalidArgument(
        fmt::format("voucher payload is cut short at byte {}, in field {}", pos_, field));
  }
  tl::unexpected<Error> Bad(std::string_view field, std::string_view what) const {
    return InvalidArgument(fmt::format("voucher payload field {} {}", field, what));
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
};

// Evaluates `expr` (a Result) into `var`, returning its error from the enclosing function.
#define KEYUN_TRY(var, expr) \
  auto var = (expr);         \
  if (!var) return tl::unexpected(var.error())

// Writes `value` as exactly `width` decimal digits (zero-padded, value < 10^width) at `out`;
// returns the end.
char* WriteDigits(char* out, std::uint64_t value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out + width;
}

Result<std::string> ReadKeyId(Reader& in) {
  KEYUN_TRY(province_code, in.U8("key_id"));
  KEYUN_TRY(algorithm, in.U8("key_id"));
  if (*algorithm != static_cast<std::uint8_t>(SignatureAlgorithm::kEd25519)) {
    return in.Bad("key_id", *algorithm == kSm2AlgorithmCode
                                ? "names SM2 signatures, which this build does not implement"
                                : "names an unknown signature algorithm");
  }
  KEYUN_TRY(serial, in.Varint(kMaxKeySerial, "key_id"));
  if (*serial < 1) return in.Bad("key_id", "has serial 0");
  if (*province_code > 99) return in.Bad("key_id", "has a province out of range");
  char text[2];
  WriteDigits(text, *province_code, 2);
  KEYUN_TRY(province, core::ProvinceCode::Parse(std::string_view(text, 2)));
  return MakeKeyId(*province, static_cast<SignatureAlgorithm>(*algorithm),
                   static_cast<int>(*serial));
}

// The first 19 digits; the check character is recomputed, so Parse checks province and date.
Result<core::TicketNumber> ReadTicketNumber(Reader& in) {
  KEYUN_TRY(digits, in.BigEndian(8, "ticket_number"));
  if (*digits > kMaxTicketDigits) return in.Bad("ticket_number", "is out of range");
  char text[20];
  WriteDigits(text, *digits, 19);
  text[19] = core::Mod11_2CheckChar(std::string_view(text, 19)).value_or('?');
  return core::TicketNumber::Parse(std::string_view(text, 20));
}

Result<core::StationCode> ReadStation(Reader& in, std::string_view field) {
  KEYUN_TRY(digits, in.BigEndian(4, field));
  if (*digits > kMaxStationDigits) return in.Bad(field, "is out of range");
  char text[9];
  WriteDigits(text, *digits, 9);
  Result<core::StationCode> station = core::StationCode::Parse(std::string_view(text, 9));
  if (!station) return tl::unexpected(WithContext(station.error(), fmt::format("field {}", field)));
  return station;
}

// "{station:09}-{yyyymmdd}-{schedule}" from station, days since 1970 and schedule code.
Result<core::RunId> ReadRun(Reader& in) {
  KEYUN_TRY(station, in.BigEndian(4, "run"));
  if (*station > kMaxStationDigits) return in.Bad("run", "has a station out of range");
  KEYUN_TRY(days, in.BigEndian(2, "run"));
  KEYUN_TRY(schedule, in.ShortString(1, core::ScheduleCode::kMaxLength, "run"));
  const core::LocalDate date = core::LocalDate::FromDays(static_cast<std::int64_t>(*days));
  char text[9 + 1 + 8 + 1 + core::ScheduleCode::kMaxLength];
  char* end = WriteDigits(text, *station, 9);
  *end++ = '-';
  end = WriteDigits(end, static_cast<std::uint64_t>(date.year()), 4);
  end = WriteDigits(end, static_cast<std::uint64_t>(date.month()), 2);
  end = WriteDigits(end, static_cast<std::uint64_t>(date.day()), 2);
  *end++ = '-';
  end = std::copy(schedule->begin(), schedule->end(), end);
  return core::RunId::Parse(std::string_view(text, static_cast<std::size_t>(end - text)));
}

struct Times {
  core::Instant issued_at;
  core::Instant valid_from;
  core::Instant valid_until;
};

// issued_at in seconds; valid_from as a signed offset from it; valid_until as the window length.
Result<Times> ReadTimes(Reader& in) {
  KEYUN_TRY(issued, in.Varint(kMaxSeconds, "issued_at"));
  KEYUN_TRY(from_offset, in.Varint(2 * kMaxSeconds + 1, "valid_from"));
  const std::int64_t from = static_cast<std::int64_t>(*issued) + UnZigZag(*from_offset);
  if (from < 0 || static_cast<std::uint64_t>(from) > kMaxSeconds) {
    return in.Bad("valid_from", "is out of range");
  }
  KEYUN_TRY(window, in.Varint(kMaxSeconds, "valid_until"));
  const std::int64_t until = from + static_cast<std::int64_t>(*window);
  if (static_cast<std::uint64_t>(until) > kMaxSeconds) {
    return in.Bad("valid_until", "is out of range");
  }
  return Times{
      .issued_at =
          core::Instant::FromUnixMicros(static_cast<std::int64_t>(*issued) * kMicrosPerSecond),
      .valid_from = core::Instant::FromUnixMicros(from * kMicrosPerSecond),
      .valid_until = core::Instant::FromUnixMicros(until * kMicrosPerSecond),
  };
}

}  // namespace

Result<VoucherPayload> DecodeVoucherPayloadPrefix(std::span<const std::uint8_t> bytes,
                                                  std::size_t& consumed) {
  Reader in(bytes);
  KEYUN_TRY(version, in.U8("version"));
  if (*version != kVoucherFormatVersion) {
    return InvalidArgument(fmt::format(
        "voucher format version {} is not supported by this build (it reads version {})", *version,
        kVoucherFormatVersion));
  }
  KEYUN_TRY(key_id, ReadKeyId(in));
  KEYUN_TRY(ticket, ReadTicketNumber(in));
  KEYUN_TRY(run, ReadRun(in));
  KEYUN_TRY(boarding_stop, in.Varint(kMaxStopIndex, "boarding_stop"));
  KEYUN_TRY(boarding_station, ReadStation(in, "boarding_station"));
  KEYUN_TRY(alighting_stop, in.Varint(kMaxStopIndex, "alighting_stop"));
  KEYUN_TRY(alighting_station, ReadStation(in, "alighting_station"));
  KEYUN_TRY(seat, in.Varint(kMaxSeat, "seat"));
  KEYUN_TRY(fare, in.Varint(std::numeric_limits<std::int64_t>::max(), "fare"));
  KEYUN_TRY(fare_type, in.U8("fare_type"));
  if (*fare_type >= std::size(kFareTypeNames)) return in.Bad("fare_type", "is unknown");
  KEYUN_TRY(flags, in.U8("flags"));
  if ((*flags & ~kFlagIdHash) != 0) return in.Bad("flags", "has unknown bits set");
  KEYUN_TRY(name, in.ShortString(0, kMaxMaskedNameBytes, "passenger_name_masked"));
  if (!IsPrintableUtf8(*name)) return in.Bad("passenger_name_masked", "is not printable UTF-8");
  std::optional<IdHash> id_hash;
  if (*flags & kFlagIdHash) {
    KEYUN_TRY(hash, in.Take(IdHash().size(), "id_hash"));
    id_hash.emplace();
    std::copy(hash->begin(), hash->end(), id_hash->begin());
  }
  KEYUN_TRY(times, ReadTimes(in));

  VoucherPayload payload{
      .version = *version,
      .key_id = std::move(*key_id),
      .ticket_number = std::move(*ticket),
      .run = std::move(*run),
      .boarding_stop = static_cast<int>(*boarding_stop),
      .boarding_station = std::move(*boarding_station),
      .alighting_stop = static_cast<int>(*alighting_stop),
      .alighting_station = std::move(*alighting_station),
      .seat = static_cast<int>(*seat),
      .fare = core::Money::Fen(static_cast<std::int64_t>(*fare)),
      .fare_type = static_cast<FareType>(*fare_type),
      .passenger_name_masked = std::string(*name),
      .id_hash = id_hash,
      .valid_from = times->valid_from,
      .valid_until = times->valid_until,
      .issued_at = times->issued_at,
  };
  if (Result<void> relations = CheckRelations(payload); !relations) {
    return InvalidArgument("voucher payload is inconsistent: " + relations.error().message);
  }
  consumed = in.offset();
  return payload;
}

#undef KEYUN_TRY

}  // namespace keyun::eticket::internal
