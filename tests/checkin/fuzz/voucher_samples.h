// Genuine vouchers for the voucher fuzz target and its seed corpus: fixed-seed issuer keys (so
// the fuzz target can verify and re-issue what the seed tool wrote) and payloads that between
// them use every field's extremes. Header-only; no GoogleTest (the fuzz build has none).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/ids.h"
#include "core/money.h"
#include "core/time.h"
#include "eticket/voucher.h"
#include "eticket/voucher_codec.h"

namespace keyun::checkin::fuzz {

inline eticket::VoucherSigner SampleSigner(const char* key_id, std::uint8_t seed_byte) {
  eticket::SecretSeed seed;
  seed.fill(seed_byte);
  return *eticket::VoucherSigner::FromSeed(key_id, seed);
}

// Shandong's key and a far-off one with the longest serial.
inline std::vector<eticket::VoucherSigner> SampleSigners() {
  std::vector<eticket::VoucherSigner> signers;
  signers.push_back(SampleSigner("37-ed25519-0001", 7));
  signers.push_back(SampleSigner("65-ed25519-999999999", 8));
  return signers;
}

// The station the fuzzed gate stands in, and its run's departure.
inline const char* kSampleStation = "370102001";
inline core::Instant SampleDeparture() {
  return core::Instant::FromShanghai(*core::LocalDate::Parse("2026-11-22"),
                                     *core::TimeOfDay::Parse("08:30"));
}

inline std::vector<eticket::VoucherPayload> SamplePayloads() {
  using std::chrono::hours;
  using std::chrono::seconds;
  const core::Instant departs = SampleDeparture();
  const auto ticket = [](const char* province, std::int64_t sequence) {
    return *core::TicketNumber::Make(*core::ProvinceCode::Parse(province),
                                     *core::LocalDate::Parse("2026-11-20"), sequence);
  };
  eticket::IdHash hash{};
  for (std::size_t i = 0; i < hash.size(); ++i) hash[i] = static_cast<std::uint8_t>(0xA0 + i);

  std::vector<eticket::VoucherPayload> payloads;
  // An adult, real-name, boarding at the gate's station.
  payloads.push_back(eticket::VoucherPayload{
      .key_id = "37-ed25519-0001",
      .ticket_number = ticket("37", 1),
      .run = *core::RunId::Parse("370102001-20261122-K0301"),
      .boarding_stop = 0,
      .boarding_station = *core::StationCode::Parse(kSampleStation),
      .alighting_stop = 3,
      .alighting_station = *core::StationCode::Parse("370602001"),
      .seat = 12,
      .fare = core::Money::Fen(18650),
      .fare_type = eticket::FareType::kAdult,
      .passenger_name_masked = "欧**娜",
      .id_hash = hash,
      .valid_from = departs - hours(2),
      .valid_until = departs + hours(1),
      .issued_at = departs - hours(40) + seconds(17),
  });
  // Their free child (携童): no seat, no fare.
  eticket::VoucherPayload child = payloads[0];
  child.ticket_number = ticket("37", 2);
  child.seat = 0;
  child.fare = core::Money::Fen(0);
  child.fare_type = eticket::FareType::kFreeChild;
  child.passenger_name_masked = "欧*";
  hash[0] = 0x01;
  child.id_hash = hash;
  payloads.push_back(child);
  // Not real-name (三类 route), a discount ticket, validity starting before its issue.
  eticket::VoucherPayload anonymous = payloads[0];
  anonymous.ticket_number = ticket("37", 3);
  anonymous.fare_type = eticket::FareType::kDiscount;
  anonymous.fare = core::Money::Fen(9325);
  anonymous.passenger_name_masked.clear();
  anonymous.id_hash.reset();
  anonymous.issued_at = departs - hours(1);
  anonymous.valid_from = departs - hours(3);
  payloads.push_back(anonymous);
  // Every field at its widest: the longest name, serial, schedule code, last stops, seat 999.
  payloads.push_back(eticket::VoucherPayload{
      .key_id = "65-ed25519-999999999",
      .ticket_number = ticket("65", core::TicketNumber::kMaxSequence),
      .run = *core::RunId::Parse("659012999-21490606-ABCDEFGHIJKL"),
      .boarding_stop = 254,
      .boarding_station = *core::StationCode::Parse("659012999"),
      .alighting_stop = 255,
      .alighting_station = *core::StationCode::Parse("110101001"),
      .seat = 999,
      .fare = core::Money::Fen(INT64_MAX),
      .fare_type = eticket::FareType::kChild,
      .passenger_name_masked =
          [] {
            std::string name;  // kMaxMaskedNameBytes: 21 three-byte characters and a '*'
            for (int i = 0; i < 21; ++i) name += "欧";
            return name + "*";
          }(),
      .id_hash = hash,
      .valid_from = core::Instant::FromUnixMicros(0),
      .valid_until = core::Instant::FromUnixMicros(0xFFFF'FFFFLL * 1'000'000),
      .issued_at = core::Instant::FromUnixMicros(0xFFFF'FFFFLL * 1'000'000),
  });
  return payloads;
}

}  // namespace keyun::checkin::fuzz
