// The NetworkService contract, run on SQLite and on PostgreSQL.
#include "network/network_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "network_fixture.h"

namespace keyun::network {
namespace {

using testing::CarrierCode;
using testing::DateOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::kChangqing;
using testing::kJinan;
using testing::kRoute;
using testing::kTaian;
using testing::NetworkTest;

class NetworkServiceTest : public NetworkTest {};
KEYUN_NETWORK_ENGINES(NetworkServiceTest);

TEST_P(NetworkServiceTest, StationUpsertGetAndUpdate) {
  auto inserted = network_->UpsertStation(testing::JinanStation());
  ASSERT_TRUE(inserted) << inserted.error().ToString();
  EXPECT_EQ(*inserted, Upserted::kInserted);
  EXPECT_EQ(network_->GetStation(kJinan).value(), testing::JinanStation());

  Station changed = testing::JinanStation();
  changed.grade = 2;
  changed.pinyin = "jnz";  // stored upper-case
  changed.active = false;
  EXPECT_EQ(network_->UpsertStation(changed).value(), Upserted::kUpdated);
  Station stored = network_->GetStation(kJinan).value();
  EXPECT_EQ(stored.grade, 2);
  EXPECT_EQ(stored.pinyin, "JNZ");
  EXPECT_FALSE(stored.active);

  auto missing = network_->GetStation(kTaian);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_P(NetworkServiceTest, InvalidStationIsRefusedNamingTheField) {
  Station bad = testing::JinanStation();
  bad.grade = 9;
  auto result = network_->UpsertStation(bad);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(result.error().field, "grade");
  EXPECT_FALSE(network_->GetStation(kJinan));
}

TEST_P(NetworkServiceTest, BatchIsAllOrNothingAndNamesEveryBadItem) {
  Station good = testing::JinanStation();
  Station bad_grade{.code = kChangqing, .name = "长清汽车站", .grade = 0};
  Station bad_name{.code = kTaian, .name = "", .grade = 3};
  Station duplicate = testing::JinanStation();
  const Station batch[] = {good, bad_grade, bad_name, duplicate};
  auto result = network_->UpsertStations(batch);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(result.error().field, "stations[1].grade");
  EXPECT_THAT(result.error().message, HasSubstr("stations[2].name"));
  EXPECT_THAT(result.error().message, HasSubstr("stations[3]"));
  EXPECT_THAT(result.error().message, HasSubstr("stations[0]"));  // the first of the duplicates
  EXPECT_TRUE(network_->ListStations().value().empty());          // nothing written

  const Station fine[] = {good, Station{.code = kTaian, .name = "泰安汽车站", .grade = 2}};
  auto counts = network_->UpsertStations(fine);
  ASSERT_TRUE(counts) << counts.error().ToString();
  EXPECT_EQ(counts->inserted, 2);
  EXPECT_EQ(counts->updated, 0);
  counts = network_->UpsertStations(fine);
  EXPECT_EQ(counts->inserted, 0);
  EXPECT_EQ(counts->updated, 2);
}

TEST_P(NetworkServiceTest, ListStationsSearchesCodeNameAndPinyin) {
  SeedSmallNetwork();
  auto codes = [&](StationQuery query) {
    std::vector<std::string> out;
    auto stations = network_->ListStations(query);
    EXPECT_TRUE(stations) << stations.error().ToString();
    if (stations) {
      for (const Station& s : *stations) out.push_back(s.code.str());
    }
    return out;
  };
  EXPECT_THAT(codes({}), ElementsAre("370102001", "370113001", "370902001"));
  EXPECT_THAT(codes({.text = "3701"}), ElementsAre("370102001", "370113001"));
  EXPECT_THAT(codes({.text = "泰安"}), ElementsAre("370902001"));
  EXPECT_THAT(codes({.text = "汽车站"}), ElementsAre("370113001", "370902001"));
  EXPECT_THAT(codes({.text = "jnct"}), ElementsAre("370102001"));  // pinyin, any case
  EXPECT_THAT(codes({.text = "%"}), ElementsAre());                // wildcards are literal
  EXPECT_THAT(codes({.text = "_"}), ElementsAre());
  EXPECT_THAT(codes({.text = "", .limit = 2}), ElementsAre("370102001", "370113001"));

  Station closed = network_->GetStation(kChangqing).value();
  closed.active = false;
  ASSERT_TRUE(network_->UpsertStation(closed));
  EXPECT_THAT(codes({.text = "", .limit = 100, .include_inactive = false}),
              ElementsAre("370102001", "370902001"));

  auto bad = network_->ListStations({.text = "", .limit = 0});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "limit");
}

TEST_P(NetworkServiceTest, CarrierNeedsAnExistingHomeStation) {
  Carrier carrier{.credit_code = CarrierCode(),
                  .name = "济南交运",
                  .licence_no = "鲁交运001",
                  .home_station = kJinan};
  auto result = network_->UpsertCarrier(carrier);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(result.error().field, "home_station");

  ASSERT_TRUE(network_->UpsertStation(testing::JinanStation()));
  EXPECT_EQ(network_->UpsertCarrier(carrier).value(), Upserted::kInserted);
  EXPECT_EQ(network_->GetCarrier(CarrierCode()).value(), carrier);
  carrier.home_station = std::nullopt;
  EXPECT_EQ(network_->UpsertCarrier(carrier).value(), Upserted::kUpdated);
  EXPECT_THAT(network_->ListCarriers().value(), ElementsAre(carrier));
}

TEST_P(NetworkServiceTest, VehiclesBelongToExistingCarriers) {
  SeedSmallNetwork();
  Vehicle bus = network_->GetVehicle("鲁A12345").value();
  EXPECT_EQ(bus.seats, 45);
  EXPECT_EQ(bus.carrier, CarrierCode());

  Vehicle stray = bus;
  stray.plate = "鲁A54321";
  stray.carrier = CarrierCode(87654321);
  auto result = network_->UpsertVehicle(stray);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(result.error().field, "carrier");

  EXPECT_EQ(network_->ListVehicles(CarrierCode()).value().size(), 1u);
  EXPECT_TRUE(network_->ListVehicles(CarrierCode(87654321)).value().empty());
  EXPECT_EQ(network_->GetVehicle("鲁B00000").error().code, ErrorCode::kNotFound);
}

TEST_P(NetworkServiceTest, RoutesKeepTheirStopsInOrder) {
  SeedSmallNetwork();
  EXPECT_EQ(network_->GetRoute(kRoute).value(), testing::JinanTaianRoute());
  EXPECT_EQ(network_->ListRoutes().value().size(), 1u);
  EXPECT_EQ(network_->ListRoutes(kChangqing).value().size(), 1u);
  EXPECT_TRUE(network_->ListRoutes(testing::StationCodeOf("370102002")).value().empty());
  EXPECT_EQ(network_->GetRoute("R9").error().code, ErrorCode::kNotFound);
}

TEST_P(NetworkServiceTest, RouteStopsMustExist) {
  ASSERT_TRUE(network_->UpsertStation(testing::JinanStation()));
  auto result = network_->UpsertRoute(testing::JinanTaianRoute());
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(result.error().field, "stops[1].station");
}

TEST_P(NetworkServiceTest, ChangingStopsDropsTheFareTableButSameStopsKeepIt) {
  SeedSmallNetwork();
  ASSERT_EQ(network_->ListFares(kRoute).value().size(), 3u);

  Route renamed = testing::JinanTaianRoute();
  renamed.name = "济南—泰安（经长清）";
  EXPECT_EQ(network_->UpsertRoute(renamed).value(), Upserted::kUpdated);
  EXPECT_EQ(network_->ListFares(kRoute).value().size(), 3u);

  Route direct = renamed;
  direct.stops = {{kJinan, 0}, {kTaian, 70}};
  EXPECT_EQ(network_->UpsertRoute(direct).value(), Upserted::kUpdated);
  EXPECT_EQ(network_->GetRoute(kRoute).value().stops, direct.stops);
  EXPECT_TRUE(network_->ListFares(kRoute).value().empty());
}

TEST_P(NetworkServiceTest, StopsCannotChangeUnderRunsOnSale) {
  SeedSmallNetwork();
  ASSERT_TRUE(network_->GenerateRuns(DateOf("2026-11-20"), DateOf("2026-11-21")));
  Route direct = testing::JinanTaianRoute();
  direct.stops = {{kJinan, 0}, {kTaian, 70}};
  auto result = network_->UpsertRoute(direct);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(result.error().field, "stops");
  EXPECT_EQ(network_->ListFares(kRoute).value().size(), 3u);  // nothing changed
}

TEST_P(NetworkServiceTest, OriginCannotMoveAwayFromItsSchedules) {
  SeedSmallNetwork();
  Route reversed = testing::JinanTaianRoute();
  reversed.stops = {{kTaian, 0}, {kChangqing, 43}, {kJinan, 75}};
  auto result = network_->UpsertRoute(reversed);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(result.error().field, "stops");
}

TEST_P(NetworkServiceTest, FaresAreValidatedAgainstTheirRoute) {
  SeedSmallNetwork();
  std::vector<Fare> fares = network_->ListFares(kRoute).value();
  ASSERT_EQ(fares.size(), 3u);
  EXPECT_EQ(fares[1].adult.ToString(), "11.00");

  Fare cheaper = fares[1];
  cheaper.adult = core::Money::Yuan(10);
  EXPECT_EQ(network_->UpsertFare(cheaper).value(), Upserted::kUpdated);
  EXPECT_EQ(network_->ListFares(kRoute).value()[1].adult, core::Money::Yuan(10));

  Fare beyond = fares[1];
  beyond.to_index = 5;
  auto result = network_->UpsertFare(beyond);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().field, "to_index");

  Fare above_cap = fares[1];
  above_cap.adult = above_cap.cap + core::Money::Fen(1);
  result = network_->UpsertFare(above_cap);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().field, "cap");

  Fare no_route = fares[1];
  no_route.route_code = "R999";
  result = network_->UpsertFare(no_route);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(result.error().field, "route_code");

  // SetFares replaces the whole table, all or nothing.
  const Fare partial[] = {fares[0], above_cap};
  auto set = network_->SetFares(kRoute, partial);
  ASSERT_FALSE(set);
  EXPECT_EQ(set.error().field, "fares[1].cap");
  EXPECT_EQ(network_->ListFares(kRoute).value().size(), 3u);
  const Fare one[] = {fares[0]};
  EXPECT_EQ(network_->SetFares(kRoute, one).value(), 1);
  EXPECT_THAT(network_->ListFares(kRoute).value(), ElementsAre(fares[0]));
  EXPECT_EQ(network_->ListFares("R999").error().code, ErrorCode::kNotFound);
}

TEST_P(NetworkServiceTest, SchedulesBelongToTheirRoutesOrigin) {
  SeedSmallNetwork();
  EXPECT_EQ(network_->GetSchedule(kJinan, testing::ScheduleCodeOf("K0101")).value(),
            testing::MorningSchedule());
  EXPECT_EQ(network_->ListSchedules(kJinan).value().size(), 1u);
  EXPECT_TRUE(network_->ListSchedules(kTaian).value().empty());

  Schedule elsewhere = testing::MorningSchedule();
  elsewhere.station = kTaian;
  auto result = network_->UpsertSchedule(elsewhere);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(result.error().field, "station");

  Schedule no_route = testing::MorningSchedule();
  no_route.route_code = "R999";
  EXPECT_EQ(network_->UpsertSchedule(no_route).error().field, "route_code");

  Schedule too_many_seats = testing::MorningSchedule();
  too_many_seats.seats = 50;  // the bus has 45
  EXPECT_EQ(network_->UpsertSchedule(too_many_seats).error().field, "vehicle_plate");

  Schedule foreign_carrier = testing::MorningSchedule();
  foreign_carrier.carrier = CarrierCode(87654321);
  EXPECT_EQ(network_->UpsertSchedule(foreign_carrier).error().field, "carrier");

  Schedule no_vehicle = testing::MorningSchedule();
  no_vehicle.vehicle_plate = std::nullopt;
  no_vehicle.seats = 50;  // without a default vehicle, seats are the schedule's own
  EXPECT_EQ(network_->UpsertSchedule(no_vehicle).value(), Upserted::kUpdated);
}

TEST_P(NetworkServiceTest, DatabaseConstraintsBackTheValidation) {
  SeedSmallNetwork();
  // Written around the service: the schema itself refuses what validation would.
  auto bad_grade = store_->Transact<std::int64_t>([](store::Transaction& tx) {
    return tx.Execute(
        "INSERT INTO stations (code, name, grade, county_code) VALUES ($1, $2, $3, $4)",
        {std::string("370124001"), std::string("平阴汽车站"), std::int64_t{7},
         std::string("370124")});
  });
  ASSERT_FALSE(bad_grade);
  EXPECT_EQ(bad_grade.error().code, ErrorCode::kFailedPrecondition);

  auto dangling = store_->Transact<std::int64_t>([](store::Transaction& tx) {
    return tx.Execute(
        "INSERT INTO route_stops (route_code, stop_index, station_code, km) "
        "VALUES ($1, $2, $3, $4)",
        {std::string(kRoute), std::int64_t{3}, std::string("370124001"), std::int64_t{90}});
  });
  ASSERT_FALSE(dangling);
  EXPECT_EQ(dangling.error().code, ErrorCode::kFailedPrecondition);

  auto twice = store_->Transact<std::int64_t>([](store::Transaction& tx) {
    return tx.Execute(
        "INSERT INTO route_stops (route_code, stop_index, station_code, km) "
        "VALUES ($1, $2, $3, $4)",
        {std::string(kRoute), std::int64_t{3}, kJinan.str(), std::int64_t{90}});
  });
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, ErrorCode::kAlreadyExists);

  auto cap_below = store_->Transact<std::int64_t>([](store::Transaction& tx) {
    return tx.Execute("UPDATE fares SET cap_fen = adult_fen - 1 WHERE route_code = $1",
                      {std::string(kRoute)});
  });
  ASSERT_FALSE(cap_below);
  EXPECT_EQ(cap_below.error().code, ErrorCode::kFailedPrecondition);
}

}  // namespace
}  // namespace keyun::network
