// The demo province: minimum sizes, domain rules, determinism, re-seeding.
#include "network/demo_province.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "core/admin_divisions.h"
#include "network/csv.h"
#include "network_fixture.h"

namespace keyun::network {
namespace {

using testing::DateOf;
using ::testing::HasSubstr;
using testing::NetworkTest;
using testing::TimeOf;

DemoOptions Options(std::uint64_t seed = 2026, std::string province = "37") {
  return DemoOptions{.seed = seed,
                     .province_code = std::move(province),
                     .first_date = DateOf("2026-11-20"),
                     .days = 7};
}

class DemoProvinceTest : public NetworkTest {};
KEYUN_NETWORK_ENGINES(DemoProvinceTest);

TEST_P(DemoProvinceTest, SeedsARealisticProvince) {
  int last_done = 0;
  int progress_calls = 0;
  const auto started = std::chrono::steady_clock::now();
  auto summary = SeedDemoProvince(*network_, Options(), [&](int done, int total, std::string_view) {
    EXPECT_GE(done, last_done);
    EXPECT_LE(done, total);
    last_done = done;
    ++progress_calls;
  });
  ASSERT_TRUE(summary) << summary.error().ToString();
  RecordProperty("seed_ms", static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                 std::chrono::steady_clock::now() - started)
                                                 .count()));
  EXPECT_FALSE(summary->already_seeded);
  EXPECT_GE(summary->stations, 40);
  EXPECT_GE(summary->carriers, 10);
  EXPECT_GE(summary->routes, 60);
  EXPECT_GT(summary->vehicles, summary->carriers);
  EXPECT_GT(summary->fares, summary->routes);
  EXPECT_GE(summary->schedules, 2 * summary->routes);
  EXPECT_GT(summary->runs_created, summary->schedules);
  EXPECT_GE(progress_calls, 8);

  // Stations: real counties of Shandong; seats grade 1–2, counties 3–5.
  const std::vector<Station> stations = network_->ListStations({.limit = 1000}).value();
  EXPECT_EQ(static_cast<int>(stations.size()), summary->stations);
  std::map<std::string, const Station*> by_code;
  for (const Station& s : stations) {
    by_code[s.code.str()] = &s;
    const core::Division* county = core::FindCounty(s.county_code());
    ASSERT_NE(county, nullptr) << s.code.str();
    EXPECT_EQ(county->province_code, "37");
    if (s.name.ends_with("长途汽车总站")) {
      EXPECT_LE(s.grade, 2) << s.name;
    } else {
      EXPECT_GE(s.grade, 3) << s.name;
    }
  }
  const Station& main = *by_code.at(summary->main_station->str());
  EXPECT_EQ(main.name, "济南长途汽车总站");
  EXPECT_EQ(main.pinyin, "JNCTQCZZ");
  EXPECT_EQ(network_->ListStations({.text = "JNCT"}).value().front().code, main.code);

  // Carriers have valid codes (they parsed on the way out) and a home station.
  const std::vector<Carrier> carriers = network_->ListCarriers().value();
  for (const Carrier& c : carriers) {
    EXPECT_TRUE(core::CreditCode::Parse(c.credit_code.str())) << c.credit_code.str();
    EXPECT_TRUE(c.home_station.has_value());
  }

  // Routes: 2–8 intermediate stops, 15–80 km per hop, classes per DESIGN §3, full fare tables.
  const std::vector<Route> routes = network_->ListRoutes().value();
  EXPECT_EQ(static_cast<int>(routes.size()), summary->routes);
  std::set<int> classes;
  for (const Route& r : routes) {
    EXPECT_GE(r.stops.size(), 4u) << r.code;
    EXPECT_LE(r.stops.size(), 10u) << r.code;
    for (std::size_t k = 1; k < r.stops.size(); ++k) {
      const int hop = r.stops[k].km - r.stops[k - 1].km;
      EXPECT_GE(hop, 15);
      EXPECT_LE(hop, 80);
    }
    const bool origin_seat = by_code.at(r.origin().station.str())->grade <= 2;
    const bool destination_seat = by_code.at(r.destination().station.str())->grade <= 2;
    if (origin_seat && destination_seat) {
      EXPECT_EQ(r.route_class, 1) << r.code;
    } else if (origin_seat || destination_seat) {
      EXPECT_EQ(r.route_class, 2) << r.code;
    } else {
      EXPECT_GE(r.route_class, 3) << r.code;
    }
    if (r.route_class <= 2) {
      EXPECT_TRUE(r.real_name_required);
    }
    classes.insert(r.route_class);
    const std::size_t n = r.stops.size();
    EXPECT_EQ(network_->ListFares(r.code).value().size(), n * (n - 1) / 2) << r.code;
  }
  EXPECT_GE(classes.size(), 3u);

  // Schedules: 2–6 per route, 06:00–19:00, at the route's origin.
  std::map<std::string, int> per_route;
  const std::vector<Schedule> schedules = network_->ListSchedules().value();
  for (const Schedule& s : schedules) {
    ++per_route[s.route_code];
    EXPECT_GE(s.departure, TimeOf("06:00"));
    EXPECT_LE(s.departure, TimeOf("19:00"));
  }
  for (const Route& r : routes) {
    EXPECT_GE(per_route[r.code], 2) << r.code;
    EXPECT_LE(per_route[r.code], 6) << r.code;
  }

  // Logins work with the demo password.
  std::set<std::string> usernames;
  for (const DemoLogin& login : summary->logins) {
    usernames.insert(login.username);
    auto staff = network_->Authenticate(login.username, login.password);
    ASSERT_TRUE(staff) << login.username;
    EXPECT_EQ(staff->role, login.role);
    EXPECT_EQ(login.password, kDemoPassword);
  }
  for (std::string_view name : {"admin", "clerk", "gate", "kiosk", "manager"}) {
    EXPECT_TRUE(usernames.contains(std::string(name))) << name;
  }
  EXPECT_EQ(network_->GetStaff("clerk").value().station, summary->main_station);
  EXPECT_EQ(network_->GetStaff("kiosk").value().role, Role::kKiosk);  // a machine, not a clerk

  // The main station has runs on the first day.
  EXPECT_FALSE(network_->ListRuns(DateOf("2026-11-20"), summary->main_station).value().empty());
}

// A demo seeded by an earlier version, whose machine account `kiosk` was a clerk, gets the
// role this version defines when served again; the password and station stay.
TEST_P(DemoProvinceTest, SeedingAgainGivesTheDemoAccountsTodaysRoles) {
  auto first = SeedDemoProvince(*network_, Options());
  ASSERT_TRUE(first) << first.error().ToString();
  Staff old = network_->GetStaff("kiosk").value();
  old.role = Role::kClerk;
  ASSERT_TRUE(network_->UpdateStaff(old));
  auto again = SeedDemoProvince(*network_, Options());
  ASSERT_TRUE(again) << again.error().ToString();
  Staff now = network_->GetStaff("kiosk").value();
  EXPECT_EQ(now.role, Role::kKiosk);
  EXPECT_EQ(now.station, old.station);
  EXPECT_TRUE(network_->Authenticate("kiosk", kDemoPassword));
  auto login = std::find_if(again->logins.begin(), again->logins.end(),
                            [](const DemoLogin& l) { return l.username == "kiosk"; });
  ASSERT_NE(login, again->logins.end());
  EXPECT_EQ(login->role, Role::kKiosk) << "the logins printed at start-up say so too";
}

TEST_P(DemoProvinceTest, SeedingAgainOnlyAddsMissingRuns) {
  auto first = SeedDemoProvince(*network_, Options());
  ASSERT_TRUE(first) << first.error().ToString();
  auto again = SeedDemoProvince(*network_, Options());
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_TRUE(again->already_seeded);
  EXPECT_EQ(again->runs_created, 0);
  EXPECT_EQ(again->stations, first->stations);
  EXPECT_EQ(again->routes, first->routes);
  EXPECT_EQ(again->fares, first->fares);
  EXPECT_EQ(again->schedules, first->schedules);
  EXPECT_EQ(again->main_station, first->main_station);

  DemoOptions later = Options();
  later.first_date = DateOf("2026-11-27");
  later.days = 1;
  auto next_day = SeedDemoProvince(*network_, later);
  ASSERT_TRUE(next_day);
  EXPECT_GT(next_day->runs_created, 0);
}

TEST_P(DemoProvinceTest, RefusesAStoreWithOtherMasterData) {
  ASSERT_TRUE(network_->UpsertStation(testing::JinanStation()));
  auto seeded = SeedDemoProvince(*network_, Options());
  ASSERT_FALSE(seeded);
  EXPECT_EQ(seeded.error().code, ErrorCode::kFailedPrecondition);
}

TEST_P(DemoProvinceTest, ChecksItsOptions) {
  auto bad_province = SeedDemoProvince(*network_, Options(2026, "99"));
  ASSERT_FALSE(bad_province);
  EXPECT_EQ(bad_province.error().field, "province_code");
  DemoOptions bad_days = Options();
  bad_days.days = 400;
  EXPECT_EQ(SeedDemoProvince(*network_, bad_days).error().field, "days");
}

// ---- Determinism (SQLite only: it is about the generator, not the engine) --------------------

// Every table's export, with the staff password hashes (salted, so never equal) left out.
std::map<Table, std::string> ExportAll(NetworkService& network) {
  std::map<Table, std::string> out;
  for (Table table : AllTables()) {
    std::string text = network.ExportCsv(table).value();
    if (table == Table::kStaff) {
      std::string without_hashes;
      std::vector<CsvRecord> records = ParseCsv(text).value();
      for (CsvRecord& record : records) {
        record.fields.pop_back();
        AppendCsvRecord(without_hashes, record.fields);
      }
      text = without_hashes;
    }
    out[table] = text;
  }
  return out;
}

std::map<Table, std::string> SeedAndExport(const DemoOptions& options) {
  auto store = store::Store::Open(":memory:");
  EXPECT_TRUE(store);
  core::FakeClock clock(core::Instant::FromShanghai(DateOf("2026-11-20"), TimeOf("06:00")));
  NetworkService network(**store, clock, {.password_cost = core::PasswordCost::kFastForTests});
  auto summary = SeedDemoProvince(network, options);
  EXPECT_TRUE(summary) << summary.error().ToString();
  return ExportAll(network);
}

TEST(DemoDeterminismTest, SameSeedGivesIdenticalExports) {
  const auto first = SeedAndExport(Options(7));
  const auto second = SeedAndExport(Options(7));
  for (Table table : AllTables()) {
    EXPECT_EQ(first.at(table), second.at(table)) << TableName(table);
    EXPECT_THAT(first.at(table), HasSubstr("\r\n")) << TableName(table);
  }
}

TEST(DemoDeterminismTest, DifferentSeedGivesADifferentProvince) {
  const auto first = SeedAndExport(Options(7));
  const auto other = SeedAndExport(Options(8));
  EXPECT_NE(first.at(Table::kRoutes), other.at(Table::kRoutes));
  EXPECT_NE(first.at(Table::kSchedules), other.at(Table::kSchedules));
  EXPECT_NE(first.at(Table::kCarriers), other.at(Table::kCarriers));
}

TEST(DemoDeterminismTest, WorksForAMunicipalityToo) {
  auto store = store::Store::Open(":memory:");
  ASSERT_TRUE(store);
  core::FakeClock clock(core::Instant::FromShanghai(DateOf("2026-11-20"), TimeOf("06:00")));
  NetworkService network(**store, clock, {.password_cost = core::PasswordCost::kFastForTests});
  auto summary = SeedDemoProvince(network, Options(2026, "11"));  // 北京市: districts only
  ASSERT_TRUE(summary) << summary.error().ToString();
  EXPECT_GE(summary->stations, 40);
  EXPECT_GE(summary->routes, 60);
  EXPECT_EQ(network.GetStation(*summary->main_station).value().name, "北京长途汽车总站");
}

TEST(DemoPinyinTest, InitialsFromTheTable) {
  EXPECT_EQ(DemoPinyinInitials("济南长途汽车总站"), "JNCTQCZZ");
  EXPECT_EQ(DemoPinyinInitials("单县汽车站"), "SXQCZ");
  EXPECT_EQ(DemoPinyinInitials("费县汽车站"), "BXQCZ");
  EXPECT_EQ(DemoPinyinInitials("乌鲁木齐汽车站"), "");  // not in the table: left empty
}

}  // namespace
}  // namespace keyun::network
