// The demo province: realistic master data for `keyun serve --demo`, tests and benchmarks.
//
//   core::SystemClock clock;
//   NetworkService network(*store, clock);
//   Result<DemoSummary> demo = SeedDemoProvince(network, DemoOptions{}, [](int done, int total,
//                                               std::string_view step) { Show(step); });
//   for (const DemoLogin& login : demo->logins) Print(login.username, login.password);
//
// What it makes, deterministically from the seed (docs/master-data.md, "Demo province"):
// a station at the seat of every prefecture-level city (grade 1–2, "<市>长途汽车总站") and at every
// county and county-level city (grade 3–5, "<县>汽车站") of the province, from the real GB/T 2260
// codes (core::CountiesOfProvince); 12 carriers with valid unified social credit codes; 4–8
// vehicles each; 72 routes with 2–8 intermediate stops through the same or neighbouring
// prefectures, classed by DESIGN.md §3; default fares (ComputeDefaultFares, rates 15/14/13/12
// fen per km for classes 1–4, station fee ¥1); 2–6 schedules per route between 06:00 and 19:00;
// staff accounts (see DemoSummary::logins); and the runs of `days` days from `first_date`.
//
// Randomness: std::mt19937_64 seeded with `seed`, mapped to ranges by our own modulo (never
// std::uniform_int_distribution, whose output differs between standard libraries), so a seed
// gives the same province on every platform. Password hashes are salted and differ per run.
//
// Seeding a store that already holds the demo (it has stations and an `admin` province
// administrator) seeds nothing again: it only generates the runs of the requested days
// (idempotent) and returns the store's counts with already_seeded = true. Seeding a store that
// holds other master data is refused with kFailedPrecondition.
//
// Thread-safety: as NetworkService; do not seed the same store from two threads at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/result.h"
#include "core/time.h"
#include "network/master_data.h"
#include "network/network_service.h"

namespace keyun::network {

// The password of every demo account. Demo only: it is public, in this header and the docs.
inline constexpr std::string_view kDemoPassword = "keyun-demo";

struct DemoOptions {
  std::uint64_t seed = 2026;
  std::string province_code = "37";  // 山东省; any of the 31 mainland provinces
  // First day of runs and of the schedules' validity; none = today (Shanghai) by the clock.
  std::optional<core::LocalDate> first_date{};
  int days = 7;  // days of runs to generate, 0–366
};

struct DemoLogin {
  std::string username{};
  std::string password{};
  Role role = Role::kClerk;
  std::optional<core::StationCode> station{};
};

struct DemoSummary {
  bool already_seeded = false;
  int stations = 0;
  int carriers = 0;
  int vehicles = 0;
  int routes = 0;
  int fares = 0;
  int schedules = 0;
  int staff = 0;
  int runs_created = 0;                             // by this call
  std::optional<core::StationCode> main_station{};  // the capital's 长途汽车总站
  std::vector<DemoLogin> logins{};
};

// Errors: kInvalidArgument for an unknown province (field "province_code") or days outside
// 0–366 ("days"); kFailedPrecondition if the store holds master data that is not the demo's;
// the store's errors otherwise.
[[nodiscard]] Result<DemoSummary> SeedDemoProvince(NetworkService& network,
                                                   const DemoOptions& options,
                                                   const ProgressFn& progress = {});

// A valid unified social credit code ("91" + division + GB 11714 organisation code with its own
// check character + GB 32100 check character) for a 6-digit division code and an 8-digit
// organisation serial. Used by the demo; public so tests can make valid carriers.
[[nodiscard]] Result<core::CreditCode> MakeCreditCode(std::string_view division_code,
                                                      std::uint32_t organisation_serial);

// Pinyin initials of `name` ("济南长途汽车总站" → "JNCTQCZZ") from the demo's small hand-made table
// of the characters in Shandong's place names and station words; "" if any character is not in
// the table (search then falls back to the code and the name).
[[nodiscard]] std::string DemoPinyinInitials(std::string_view name);

}  // namespace keyun::network
