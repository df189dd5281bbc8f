// Sample vouchers shared by the eticket tests, with the temporary files and external tools of
// tests/support.
#pragma once

#include <gtest/gtest.h>
#include <stdio.h>
#include <stdlib.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "core/ids.h"
#include "core/money.h"
#include "core/time.h"
#include "eticket/voucher.h"
#include "support/test_tools.h"

namespace keyun::eticket::testing {

// 2026-11-22 08:30 Shanghai: the sample run's departure.
inline core::Instant SampleDeparture() {
  return core::Instant::FromShanghai(*core::LocalDate::Parse("2026-11-22"),
                                     *core::TimeOfDay::Parse("08:30"));
}

// An adult real-name ticket 济南 历下 (stop 0) → 烟台 芝罘 (stop 3), seat 12, ¥186.50.
inline VoucherPayload SamplePayload(std::string key_id = "37-ed25519-0001") {
  const core::Instant departs = SampleDeparture();
  IdHash hash{};
  for (std::size_t i = 0; i < hash.size(); ++i) hash[i] = static_cast<std::uint8_t>(0xA0 + i);
  return VoucherPayload{
      .key_id = std::move(key_id),
      .ticket_number = *core::TicketNumber::Make(*core::ProvinceCode::Parse("37"),
                                                 *core::LocalDate::Parse("2026-11-20"), 12345),
      .run = *core::RunId::Parse("370102001-20261122-K0301"),
      .boarding_stop = 0,
      .boarding_station = *core::StationCode::Parse("370102001"),
      .alighting_stop = 3,
      .alighting_station = *core::StationCode::Parse("370602001"),
      .seat = 12,
      .fare = core::Money::Fen(18650),
      .fare_type = FareType::kAdult,
      .passenger_name_masked = "欧**娜",
      .id_hash = hash,
      .valid_from = departs - std::chrono::hours(2),
      .valid_until = departs + std::chrono::hours(1),
      .issued_at = departs - std::chrono::hours(40) + std::chrono::seconds(17),
  };
}

// Temporary directories and external tools (tests/support/test_tools.h).
using keyun::testing::CommandResult;
using keyun::testing::HaveTool;
using keyun::testing::RunCommand;
using keyun::testing::TempDir;

}  // namespace keyun::eticket::testing
