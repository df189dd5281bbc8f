// Sample vouchers, temporary files and external tools shared by the eticket tests.
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

// A directory removed with everything in it when the object goes away.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "keyun-eticket-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed";
      return;
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// What a shell command printed on stdout, and its wait status (0: exited with 0).
struct CommandResult {
  int status = -1;
  std::string out;
};

inline CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  std::size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) result.out.append(buffer, n);
  result.status = pclose(pipe);
  return result;
}

// Whether `tool` is on the PATH. The tests that need one fail (never skip) without it.
inline bool HaveTool(const std::string& tool) {
  return RunCommand("command -v " + tool + " >/dev/null 2>&1").status == 0;
}

}  // namespace keyun::eticket::testing
