// A station, its runs and tickets, and vouchers signed for them, shared by the checkin tests.
//
// Station 370102001 (济南 历下). Run K0301 leaves it on 2026-11-22 at 08:30, K0302 at 14:00;
// both from stop 0. Vouchers are valid from 2 h before to 1 h after departure, like the ones
// sales issues. Tickets are numbered by their sequence: Ticket(1), Ticket(2), …
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "checkin/boarding_manifest.h"
#include "checkin/gate_verifier.h"
#include "core/ids.h"
#include "core/money.h"
#include "core/time.h"
#include "eticket/voucher.h"
#include "eticket/voucher_codec.h"

namespace keyun::checkin::testing {

inline constexpr std::string_view kHere = "370102001";
inline constexpr std::string_view kElsewhere = "370602001";  // 烟台 芝罘
inline constexpr std::string_view kMorningRun = "370102001-20261122-K0301";
inline constexpr std::string_view kAfternoonRun = "370102001-20261122-K0302";
inline constexpr std::string_view kKeyId = "37-ed25519-0001";

inline core::StationCode Station(std::string_view code = kHere) {
  return *core::StationCode::Parse(code);
}
inline core::RunId Run(std::string_view id = kMorningRun) { return *core::RunId::Parse(id); }
inline core::TicketNumber Ticket(std::int64_t sequence) {
  return *core::TicketNumber::Make(*core::ProvinceCode::Parse("37"),
                                   *core::LocalDate::Parse("2026-11-20"), sequence);
}
// 2026-11-22 at "hh:mm" Shanghai time, plus `plus` (e.g. -1 µs for "just before").
inline core::Instant At(std::string_view hh_mm,
                        std::chrono::microseconds plus = std::chrono::microseconds(0)) {
  return core::Instant::FromShanghai(*core::LocalDate::Parse("2026-11-22"),
                                     *core::TimeOfDay::Parse(hh_mm)) +
         plus;
}
inline core::Instant DepartureOf(std::string_view run) {
  return run == kAfternoonRun ? At("14:00") : At("08:30");
}
// A passenger's ID hash, distinct per `person`.
inline eticket::IdHash Person(int person) {
  eticket::IdHash hash{};
  for (std::size_t i = 0; i < hash.size(); ++i) {
    hash[i] = static_cast<std::uint8_t>(person * 7 + static_cast<int>(i));
  }
  return hash;
}

// An adult's manifest entry: seat = sequence, passenger `sequence`.
inline ManifestTicket Adult(std::int64_t sequence, std::string_view run = kMorningRun) {
  return ManifestTicket{
      .ticket_number = Ticket(sequence),
      .run_id = Run(run),
      .boarding_stop = 0,
      .boarding_station = Station(),
      .seat = static_cast<int>(sequence % 40 + 1),
      .fare_type = eticket::FareType::kAdult,
      .passenger_name_masked = "欧**娜",
      .id_hash = Person(static_cast<int>(sequence)),
      .departs_at = DepartureOf(run),
  };
}

inline ManifestTicket FreeChild(std::int64_t sequence, std::string_view run = kMorningRun) {
  ManifestTicket child = Adult(sequence, run);
  child.seat = 0;
  child.fare_type = eticket::FareType::kFreeChild;
  child.passenger_name_masked = "欧*";
  return child;
}

// The voucher payload sales would issue for `ticket` (to stop 3, 烟台).
inline eticket::VoucherPayload PayloadFor(const ManifestTicket& ticket) {
  return eticket::VoucherPayload{
      .key_id = std::string(kKeyId),
      .ticket_number = ticket.ticket_number,
      .run = ticket.run_id,
      .boarding_stop = ticket.boarding_stop,
      .boarding_station = ticket.boarding_station,
      .alighting_stop = 3,
      .alighting_station = Station(kElsewhere),
      .seat = ticket.seat,
      .fare = ticket.fare_type == eticket::FareType::kFreeChild ? core::Money::Fen(0)
                                                                : core::Money::Fen(18650),
      .fare_type = ticket.fare_type,
      .passenger_name_masked = ticket.passenger_name_masked,
      .id_hash = ticket.id_hash,
      .valid_from = ticket.departs_at - std::chrono::hours(2),
      .valid_until = ticket.departs_at + std::chrono::hours(1),
      .issued_at = ticket.departs_at - std::chrono::hours(40),
  };
}

// The issuer key of province 37, from a fixed seed so that its vouchers are reproducible.
inline eticket::VoucherSigner Signer(std::string_view key_id = kKeyId, std::uint8_t seed_byte = 7) {
  eticket::SecretSeed seed;
  seed.fill(seed_byte);
  return *eticket::VoucherSigner::FromSeed(key_id, seed);
}

inline eticket::VoucherVerifier TrustListOf(const eticket::VoucherSigner& signer) {
  eticket::VoucherVerifier trust;
  EXPECT_TRUE(trust.AddKey(signer.key_id(), signer.public_key()).has_value());
  return trust;
}

}  // namespace keyun::checkin::testing
