// The fixture every store-backed network test uses: a fresh database on each engine (SQLite in
// memory, and a new database on the shared PostgreSQL test server), a fake clock and a
// NetworkService, plus a small network to build on.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include "core/ids.h"
#include "core/money.h"
#include "core/time.h"
#include "network/demo_province.h"
#include "network/master_data.h"
#include "network/network_service.h"
#include "store/store.h"
#include "support/postgres_test_server.h"

namespace keyun::network::testing {

enum class Engine { kSqlite, kPostgres };

inline void PrintTo(Engine engine, std::ostream* out) {
  *out << (engine == Engine::kSqlite ? "SQLite" : "PostgreSQL");
}

inline std::string EngineLabel(const ::testing::TestParamInfo<Engine>& info) {
  return info.param == Engine::kSqlite ? "Sqlite" : "Postgres";
}

// Test shorthands for values known to be valid.
inline core::StationCode StationCodeOf(std::string_view text) {
  return core::StationCode::Parse(text).value();
}
inline core::ScheduleCode ScheduleCodeOf(std::string_view text) {
  return core::ScheduleCode::Parse(text).value();
}
inline core::LocalDate DateOf(std::string_view text) {
  return core::LocalDate::Parse(text).value();
}
inline core::TimeOfDay TimeOf(std::string_view text) {
  return core::TimeOfDay::Parse(text).value();
}
inline core::CreditCode CarrierCode(std::uint32_t serial = 12345678) {
  return MakeCreditCode("370102", serial).value();
}

// 济南 → 长清 → 泰安, the little network most tests start from.
inline const core::StationCode kJinan = StationCodeOf("370102001");
inline const core::StationCode kChangqing = StationCodeOf("370113001");
inline const core::StationCode kTaian = StationCodeOf("370902001");
inline constexpr std::string_view kRoute = "R370102-001";

inline Station JinanStation() {
  return Station{.code = kJinan,
                 .name = "济南长途汽车总站",
                 .grade = 1,
                 .address = "济南市天桥区济泺路",
                 .pinyin = "JNCTQCZZ",
                 .active = true};
}

inline Route JinanTaianRoute() {
  return Route{.code = std::string(kRoute),
               .name = "济南—泰安",
               .route_class = 2,
               .real_name_required = true,
               .stops = {{kJinan, 0}, {kChangqing, 32}, {kTaian, 75}}};
}

inline Schedule MorningSchedule() {
  return Schedule{.station = kJinan,
                  .code = ScheduleCodeOf("K0101"),
                  .route_code = std::string(kRoute),
                  .departure = TimeOf("08:30"),
                  .days_mask = kEveryDay,
                  .valid_from = DateOf("2026-11-20"),
                  .valid_to = std::nullopt,
                  .carrier = CarrierCode(),
                  .vehicle_class = VehicleClass::kLargeHigh1,
                  .seats = 45,
                  .vehicle_plate = "鲁A12345",
                  .kind = RunKind::kRegular,
                  .active = true};
}

class NetworkTest : public ::testing::TestWithParam<Engine> {
 protected:
  // 2026-11-20 06:00 in Shanghai, a Friday.
  NetworkTest() : clock_(core::Instant::FromShanghai(DateOf("2026-11-20"), TimeOf("06:00"))) {}

  void SetUp() override {
    std::string location = ":memory:";
    if (GetParam() == Engine::kPostgres) {
      Result<keyun::testing::PostgresTestServer*> server =
          keyun::testing::PostgresTestServer::Shared();
      ASSERT_TRUE(server) << server.error().message;
      server_ = *server;
      Result<std::string> url = server_->CreateDatabase();
      ASSERT_TRUE(url) << url.error().message;
      location = *url;
      database_ = keyun::testing::PostgresTestServer::DatabaseOf(location);
    }
    auto opened = store::Store::Open(location);
    ASSERT_TRUE(opened) << opened.error().ToString();
    store_ = std::move(*opened);
    network_ = std::make_unique<NetworkService>(
        *store_, clock_,
        NetworkService::Options{.password_cost = core::PasswordCost::kFastForTests});
  }

  void TearDown() override {
    network_.reset();
    store_.reset();  // closes connections before the database is dropped
    if (server_ != nullptr && !database_.empty()) (void)server_->DropDatabase(database_);
  }

  // 济南, 长清 and 泰安 stations, one carrier with one bus, the route 济南—长清—泰安 with default
  // fares, and one daily schedule at 08:30.
  void SeedSmallNetwork() {
    Station changqing{.code = kChangqing, .name = "长清汽车站", .grade = 3};
    Station taian{.code = kTaian, .name = "泰安汽车站", .grade = 2};
    const Station stations[] = {JinanStation(), changqing, taian};
    auto saved = network_->UpsertStations(stations);
    ASSERT_TRUE(saved) << saved.error().ToString();
    auto carrier = network_->UpsertCarrier(Carrier{.credit_code = CarrierCode(),
                                                   .name = "济南交运汽车运输有限公司",
                                                   .licence_no = "鲁交运管许可济字370100000001号",
                                                   .home_station = kJinan});
    ASSERT_TRUE(carrier) << carrier.error().ToString();
    auto vehicle = network_->UpsertVehicle(Vehicle{.plate = "鲁A12345",
                                                   .carrier = CarrierCode(),
                                                   .seats = 45,
                                                   .layout = "2+2",
                                                   .vehicle_class = VehicleClass::kLargeHigh1,
                                                   .active = true});
    ASSERT_TRUE(vehicle) << vehicle.error().ToString();
    auto route = network_->UpsertRoute(JinanTaianRoute());
    ASSERT_TRUE(route) << route.error().ToString();
    auto fares = network_->SetFares(
        kRoute, ComputeDefaultFares(JinanTaianRoute(), {15, 14, 13, 12}, core::Money::Yuan(1)));
    ASSERT_TRUE(fares) << fares.error().ToString();
    auto schedule = network_->UpsertSchedule(MorningSchedule());
    ASSERT_TRUE(schedule) << schedule.error().ToString();
  }

  core::FakeClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<NetworkService> network_;
  keyun::testing::PostgresTestServer* server_ = nullptr;
  std::string database_;
};

#define KEYUN_NETWORK_ENGINES(Suite)                                                        \
  INSTANTIATE_TEST_SUITE_P(Engines, Suite,                                                  \
                           ::testing::Values(::keyun::network::testing::Engine::kSqlite,    \
                                             ::keyun::network::testing::Engine::kPostgres), \
                           ::keyun::network::testing::EngineLabel)

}  // namespace keyun::network::testing
