// Validation of master-data values on their own (no store).
#include "network/master_data.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "network_fixture.h"

namespace keyun::network {
namespace {

using testing::DateOf;
using ::testing::HasSubstr;
using testing::kChangqing;
using testing::kJinan;
using testing::kTaian;
using testing::TimeOf;

// The field an invalid value is reported against, or "ok".
template <class T>
std::string FieldOf(const Result<T>& result) {
  if (result) return "ok";
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument) << result.error().ToString();
  return result.error().field;
}

TEST(StationTest, ValidStationPasses) {
  EXPECT_EQ(FieldOf(ValidateStation(testing::JinanStation())), "ok");
  EXPECT_EQ(testing::JinanStation().county_code(), "370102");
}

TEST(StationTest, EachBadFieldIsNamed) {
  Station s = testing::JinanStation();
  s.grade = 6;
  EXPECT_EQ(FieldOf(ValidateStation(s)), "grade");
  s.grade = 0;
  EXPECT_EQ(FieldOf(ValidateStation(s)), "grade");

  s = testing::JinanStation();
  s.name = "";
  EXPECT_EQ(FieldOf(ValidateStation(s)), "name");
  s.name = "Jinan Bus Station";  // not a Chinese name
  EXPECT_EQ(FieldOf(ValidateStation(s)), "name");
  s.name = std::string(41 * 3, 'x').replace(0, 3, "济");  // 1 + 120 characters
  EXPECT_EQ(FieldOf(ValidateStation(s)), "name");
  s.name = " 济南站";
  EXPECT_EQ(FieldOf(ValidateStation(s)), "name");
  s.name = "济南\n站";
  EXPECT_EQ(FieldOf(ValidateStation(s)), "name");
  // Exactly 40 Chinese characters is fine (the limit counts characters, not bytes).
  std::string forty;
  for (int i = 0; i < 40; ++i) forty += "站";
  s.name = forty;
  EXPECT_EQ(FieldOf(ValidateStation(s)), "ok");

  s = testing::JinanStation();
  s.pinyin = "JN CZ";
  EXPECT_EQ(FieldOf(ValidateStation(s)), "pinyin");
  s.pinyin = "济南";
  EXPECT_EQ(FieldOf(ValidateStation(s)), "pinyin");
  s.pinyin = "jn";  // stored upper-case
  EXPECT_EQ(FieldOf(ValidateStation(s)), "ok");
  s.pinyin = "";
  EXPECT_EQ(FieldOf(ValidateStation(s)), "ok");

  // The code's county must be a real GB/T 2260 county: core refuses anything else already.
  EXPECT_FALSE(core::StationCode::Parse("379999001"));
}

TEST(StationTest, GradeNames) {
  EXPECT_EQ(StationGradeName(1), "一级");
  EXPECT_EQ(StationGradeName(5), "五级");
  EXPECT_EQ(StationGradeName(6), "");
}

TEST(CarrierTest, Validation) {
  Carrier c{.credit_code = testing::CarrierCode(), .name = "济南交运", .licence_no = "鲁交运001"};
  EXPECT_EQ(FieldOf(ValidateCarrier(c)), "ok");
  c.licence_no = "";
  EXPECT_EQ(FieldOf(ValidateCarrier(c)), "licence_no");
  c.licence_no = std::string(31, '1');
  EXPECT_EQ(FieldOf(ValidateCarrier(c)), "licence_no");
  c.licence_no = "x";
  c.name = "";
  EXPECT_EQ(FieldOf(ValidateCarrier(c)), "name");
}

TEST(CarrierTest, MakeCreditCodeGivesCodesTheCoreAccepts) {
  for (std::uint32_t serial : {0u, 1u, 12345678u, 99999999u, 31415926u}) {
    auto code = MakeCreditCode("370102", serial);
    ASSERT_TRUE(code) << code.error().ToString();
    EXPECT_TRUE(core::CreditCode::Parse(code->str()));
    EXPECT_EQ(code->division_code(), "370102");
    EXPECT_EQ(code->str().substr(0, 2), "91");
  }
}

TEST(VehicleTest, PlateFormats) {
  for (std::string_view good :
       {"鲁A12345", "京B0A23C", "粤BD12345", "鲁A12345F", "琼A99999", "新Q1234X"}) {
    EXPECT_TRUE(ValidatePlate(good)) << good;
  }
  for (std::string_view bad : {"", "鲁", "A12345", "鲁a12345", "鲁I12345", "鲁A1234", "鲁A1234567",
                               "鲁A123456", "鲁A12O45", "港A12345", "鲁A 12345", "鲁A12345 "}) {
    Result<void> result = ValidatePlate(bad);
    EXPECT_FALSE(result) << bad;
    if (!result) {
      EXPECT_EQ(result.error().field, "plate");
    }
  }
  EXPECT_EQ(PlateProvincePrefix("37"), "鲁");
  EXPECT_EQ(PlateProvincePrefix("65"), "新");
  EXPECT_EQ(PlateProvincePrefix("99"), "");
}

TEST(VehicleTest, Validation) {
  Vehicle v{.plate = "鲁A12345",
            .carrier = testing::CarrierCode(),
            .seats = 45,
            .layout = "2+2",
            .vehicle_class = VehicleClass::kLargeHigh1,
            .active = true};
  EXPECT_EQ(FieldOf(ValidateVehicle(v)), "ok");
  v.seats = 4;
  EXPECT_EQ(FieldOf(ValidateVehicle(v)), "seats");
  v.seats = 71;
  EXPECT_EQ(FieldOf(ValidateVehicle(v)), "seats");
  v.seats = 70;
  v.layout = "";
  EXPECT_EQ(FieldOf(ValidateVehicle(v)), "layout");
}

TEST(VehicleTest, ClassesParseByKeyOrChineseName) {
  for (VehicleClass c : AllVehicleClasses()) {
    EXPECT_EQ(ParseVehicleClass(VehicleClassKey(c)).value(), c);
    EXPECT_EQ(ParseVehicleClass(VehicleClassName(c)).value(), c);
  }
  EXPECT_EQ(ParseVehicleClass("大型高一级").value(), VehicleClass::kLargeHigh1);
  EXPECT_EQ(ParseVehicleClass("中型中级").value(), VehicleClass::kMediumMedium);
  auto bad = ParseVehicleClass("bus");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "vehicle_class");
  EXPECT_THAT(bad.error().message, HasSubstr("large_high1"));
}

TEST(RouteTest, ValidRoutePasses) {
  EXPECT_EQ(FieldOf(ValidateRoute(testing::JinanTaianRoute())), "ok");
  const Route route = testing::JinanTaianRoute();
  EXPECT_EQ(route.total_km(), 75);
  EXPECT_EQ(route.StopIndex(kChangqing), 1);
  EXPECT_EQ(route.StopIndex(testing::StationCodeOf("370102002")), std::nullopt);
}

TEST(RouteTest, StopRules) {
  Route r = testing::JinanTaianRoute();
  r.stops = {{kJinan, 0}};
  EXPECT_EQ(FieldOf(ValidateRoute(r)), "stops");

  r = testing::JinanTaianRoute();
  r.stops[0].km = 5;
  EXPECT_EQ(FieldOf(ValidateRoute(r)), "stops[0].km");

  r = testing::JinanTaianRoute();
  r.stops[2].km = 32;  // not strictly increasing
  EXPECT_EQ(FieldOf(ValidateRoute(r)), "stops[2].km");

  r = testing::JinanTaianRoute();
  r.stops[2].station = kJinan;  // twice
  EXPECT_EQ(FieldOf(ValidateRoute(r)), "stops[2].station");

  r = testing::JinanTaianRoute();
  r.stops[2].km = 5001;
  EXPECT_EQ(FieldOf(ValidateRoute(r)), "stops[2].km");

  // Intermediate stops are optional: origin and destination alone are a route.
  r = testing::JinanTaianRoute();
  r.stops = {{kJinan, 0}, {kTaian, 75}};
  EXPECT_EQ(FieldOf(ValidateRoute(r)), "ok");
}

TEST(RouteTest, ClassAndRealName) {
  Route r = testing::JinanTaianRoute();
  r.route_class = 5;
  EXPECT_EQ(FieldOf(ValidateRoute(r)), "route_class");
  r.route_class = 1;
  r.real_name_required = false;  // mandatory on 一类 and 二类
  EXPECT_EQ(FieldOf(ValidateRoute(r)), "real_name_required");
  r.route_class = 2;
  EXPECT_EQ(FieldOf(ValidateRoute(r)), "real_name_required");
  r.route_class = 3;  // may be off on 三类 and 四类 …
  EXPECT_EQ(FieldOf(ValidateRoute(r)), "ok");
  r.real_name_required = true;  // … and switched on
  EXPECT_EQ(FieldOf(ValidateRoute(r)), "ok");
  EXPECT_TRUE(DefaultRealNameRequired(1));
  EXPECT_TRUE(DefaultRealNameRequired(2));
  EXPECT_FALSE(DefaultRealNameRequired(3));
  EXPECT_FALSE(DefaultRealNameRequired(4));
  EXPECT_EQ(RouteClassName(1), "一类");
}

TEST(RouteTest, CodeFormat) {
  Route r = testing::JinanTaianRoute();
  for (std::string_view bad :
       {"", "R", "r370102-001", "1ABC", "R 1", "R_1", "R0123456789012345678901234"}) {
    r.code = bad;
    EXPECT_EQ(FieldOf(ValidateRoute(r)), "code") << bad;
  }
}

TEST(FareTest, DefaultFaresAreIntegerAndRounded) {
  const Route route = testing::JinanTaianRoute();  // 0, 32, 75 km; class 2 → 14 fen/km
  const std::vector<Fare> fares =
      ComputeDefaultFares(route, {15, 14, 13, 12}, core::Money::Yuan(1));
  ASSERT_EQ(fares.size(), 3u);  // (0,1) (0,2) (1,2)
  // 0→1: 32 km × 14 = 4.48 → under ¥10: to ¥0.50 → 4.50; half 2.25 → 2.50 (half-up to ¥0.50).
  EXPECT_EQ(fares[0].from_index, 0);
  EXPECT_EQ(fares[0].to_index, 1);
  EXPECT_EQ(fares[0].adult.ToString(), "4.50");
  EXPECT_EQ(fares[0].child.ToString(), "2.50");
  EXPECT_EQ(fares[0].discount.ToString(), "2.50");
  EXPECT_EQ(fares[0].station_fee.ToString(), "1.00");
  EXPECT_EQ(fares[0].cap.ToString(), "5.00");  // 4.928 → up to ¥1
  // 0→2: 75 km × 14 = 10.50 → from ¥10: to the yuan, half-up → 11.00.
  EXPECT_EQ(fares[1].to_index, 2);
  EXPECT_EQ(fares[1].adult.ToString(), "11.00");
  EXPECT_EQ(fares[1].child.ToString(), "5.50");
  EXPECT_EQ(fares[1].cap.ToString(), "12.00");  // 11.55 → 12
  // 1→2: 43 km × 14 = 6.02 → 6.00.
  EXPECT_EQ(fares[2].from_index, 1);
  EXPECT_EQ(fares[2].adult.ToString(), "6.00");
  for (const Fare& fare : fares) {
    EXPECT_EQ(fare.route_code, route.code);
    EXPECT_TRUE(ValidateFare(fare, route)) << ValidateFare(fare, route).error().ToString();
    EXPECT_GE(fare.cap, fare.adult);
  }
}

TEST(FareTest, ShortRideCostsAtLeastOneYuan) {
  Route route = testing::JinanTaianRoute();
  route.stops = {{kJinan, 0}, {kTaian, 1}};
  const auto fares = ComputeDefaultFares(route, {15, 14, 13, 12}, core::Money::Zero());
  ASSERT_EQ(fares.size(), 1u);
  EXPECT_EQ(fares[0].adult.ToString(), "1.00");
  EXPECT_EQ(fares[0].child.ToString(), "0.50");
  EXPECT_GE(fares[0].cap, fares[0].adult);
}

TEST(FareTest, Validation) {
  const Route route = testing::JinanTaianRoute();
  const Fare good = ComputeDefaultFares(route, {15, 14, 13, 12}, core::Money::Yuan(1))[1];
  Fare f = good;
  f.from_index = 2;
  EXPECT_EQ(FieldOf(ValidateFare(f, route)), "from_index");
  f = good;
  f.to_index = 3;
  EXPECT_EQ(FieldOf(ValidateFare(f, route)), "to_index");
  f = good;
  f.from_index = 1;
  f.to_index = 1;
  EXPECT_EQ(FieldOf(ValidateFare(f, route)), "to_index");
  f = good;
  f.adult = core::Money::Zero();
  EXPECT_EQ(FieldOf(ValidateFare(f, route)), "adult");
  f = good;
  f.child = f.adult + core::Money::Fen(1);
  EXPECT_EQ(FieldOf(ValidateFare(f, route)), "child");
  f = good;
  f.discount = core::Money::Fen(-1);
  EXPECT_EQ(FieldOf(ValidateFare(f, route)), "discount");
  f = good;
  f.station_fee = core::Money::Fen(-1);
  EXPECT_EQ(FieldOf(ValidateFare(f, route)), "station_fee");
  f = good;
  f.cap = f.adult - core::Money::Fen(1);  // the cap may not be below the fare charged
  EXPECT_EQ(FieldOf(ValidateFare(f, route)), "cap");
}

TEST(ScheduleTest, DaysRoundTrip) {
  EXPECT_EQ(ParseDays("1234567").value(), kEveryDay);
  EXPECT_EQ(ParseDays("135").value(), 0b10101);
  EXPECT_EQ(ParseDays("71").value(), 0b1000001);
  EXPECT_EQ(DaysToString(0b1000001), "17");
  EXPECT_EQ(DaysToString(kEveryDay), "1234567");
  for (std::string_view bad : {"", "0", "8", "1,2", "11", "mon"}) {
    auto result = ParseDays(bad);
    EXPECT_FALSE(result) << bad;
    if (!result) {
      EXPECT_EQ(result.error().field, "days");
    }
  }
}

TEST(ScheduleTest, OperatesOnHonoursWeekdaysAndValidity) {
  Schedule s = testing::MorningSchedule();
  s.days_mask = *ParseDays("67");  // Saturday and Sunday
  s.valid_from = DateOf("2026-11-21");
  s.valid_to = DateOf("2026-11-29");
  EXPECT_FALSE(s.OperatesOn(DateOf("2026-11-20")));  // Friday, before validity anyway
  EXPECT_TRUE(s.OperatesOn(DateOf("2026-11-21")));   // Saturday
  EXPECT_TRUE(s.OperatesOn(DateOf("2026-11-22")));   // Sunday
  EXPECT_FALSE(s.OperatesOn(DateOf("2026-11-23")));  // Monday
  EXPECT_TRUE(s.OperatesOn(DateOf("2026-11-29")));   // Sunday, last valid day
  EXPECT_FALSE(s.OperatesOn(DateOf("2026-12-05")));  // Saturday after validity
}

TEST(ScheduleTest, Validation) {
  Schedule s = testing::MorningSchedule();
  EXPECT_EQ(FieldOf(ValidateSchedule(s)), "ok");
  s.days_mask = 0;
  EXPECT_EQ(FieldOf(ValidateSchedule(s)), "days");
  s = testing::MorningSchedule();
  s.valid_to = DateOf("2026-11-19");
  EXPECT_EQ(FieldOf(ValidateSchedule(s)), "valid_to");
  s = testing::MorningSchedule();
  s.seats = 71;
  EXPECT_EQ(FieldOf(ValidateSchedule(s)), "seats");
  s = testing::MorningSchedule();
  s.vehicle_plate = "A12345";
  EXPECT_EQ(FieldOf(ValidateSchedule(s)), "vehicle_plate");
  s = testing::MorningSchedule();
  s.route_code = "";
  EXPECT_EQ(FieldOf(ValidateSchedule(s)), "route_code");
}

TEST(ScheduleTest, KindsAndStatuses) {
  EXPECT_EQ(ParseRunKind("正班").value(), RunKind::kRegular);
  EXPECT_EQ(ParseRunKind("extra").value(), RunKind::kExtra);
  EXPECT_FALSE(ParseRunKind("special"));
  for (RunStatus status :
       {RunStatus::kOpen, RunStatus::kStopped, RunStatus::kStoppedSold, RunStatus::kDeparted}) {
    EXPECT_EQ(ParseRunStatus(RunStatusKey(status)).value(), status);
  }
  EXPECT_EQ(RunStatusName(RunStatus::kStoppedSold), "停班有售");
}

TEST(StaffTest, UsernameAndRoles) {
  Staff s{
      .username = "clerk.01", .display_name = "售票员", .role = Role::kClerk, .station = kJinan};
  EXPECT_EQ(FieldOf(ValidateStaff(s)), "ok");
  for (std::string_view bad :
       {"ab", "Clerk", "clerk-1", "clérk", "a b", "abcdefghijklmnopqrstuvwxyz0123456"}) {
    s.username = bad;
    EXPECT_EQ(FieldOf(ValidateStaff(s)), "username") << bad;
  }
  s.username = "clerk";
  s.station = std::nullopt;  // a clerk works at a station
  EXPECT_EQ(FieldOf(ValidateStaff(s)), "station");
  s.role = Role::kProvinceAdmin;
  EXPECT_EQ(FieldOf(ValidateStaff(s)), "ok");
  s.station = kJinan;  // an administrator is province-wide
  EXPECT_EQ(FieldOf(ValidateStaff(s)), "station");
  s.role = Role::kCarrierDispatcher;
  EXPECT_EQ(FieldOf(ValidateStaff(s)), "carrier");
  s.carrier = testing::CarrierCode();
  EXPECT_EQ(FieldOf(ValidateStaff(s)), "ok");
  s.role = Role::kGateOperator;  // only dispatchers act for a carrier
  EXPECT_EQ(FieldOf(ValidateStaff(s)), "carrier");
  s.carrier = std::nullopt;
  s.role = Role::kKiosk;  // a self-service machine stands in one station's hall
  s.station = std::nullopt;
  EXPECT_EQ(FieldOf(ValidateStaff(s)), "station");
  s.station = kJinan;
  EXPECT_EQ(FieldOf(ValidateStaff(s)), "ok");
  EXPECT_EQ(ParseRole("自助售取票机").value(), Role::kKiosk);

  for (Role role : AllRoles()) {
    EXPECT_EQ(ParseRole(RoleKey(role)).value(), role);
    EXPECT_EQ(ParseRole(RoleName(role)).value(), role);
  }
}

TEST(StaffTest, PasswordRules) {
  EXPECT_TRUE(ValidatePassword("keyun-demo"));
  EXPECT_TRUE(ValidatePassword("密码密码密码密码"));  // 8 characters
  EXPECT_EQ(FieldOf(ValidatePassword("short")), "password");
  EXPECT_EQ(FieldOf(ValidatePassword(std::string(129, 'x'))), "password");
}

}  // namespace
}  // namespace keyun::network
