// Master data (业务管理 基础数据): the value types a provincial node is configured with, and the
// rules each must satisfy before it is stored (docs/master-data.md).
//
//   Station station{.code = *core::StationCode::Parse("370102001"),
//                   .name = "济南长途汽车总站", .grade = 1, .pinyin = "JNCTQCZZ"};
//   if (Result<void> ok = ValidateStation(station); !ok) Show(ok.error());  // names the field
//
//   Route route{.code = "R370102-001", .name = "济南—泰安", .route_class = 2,
//               .real_name_required = DefaultRealNameRequired(2),
//               .stops = {{jinan, 0}, {changqing, 32}, {taian, 75}}};
//   std::vector<Fare> fares = ComputeDefaultFares(route, {14, 13, 12, 12}, core::Money::Yuan(1));
//
// Every Validate* function checks one value on its own (formats, ranges, internal consistency)
// and returns kInvalidArgument whose `field` names the member at fault ("stops[2].km"). Checks
// that need other records (the carrier of a vehicle exists, a schedule starts at its route's
// origin) are made by NetworkService in the same transaction as the write.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/money.h"
#include "core/result.h"
#include "core/time.h"

namespace keyun::network {

// Limits shared by validation, CSV import and the schema (0002_master_data.sql).
inline constexpr int kMaxStationNameChars = 40;
inline constexpr int kMaxAddressChars = 100;
inline constexpr int kMaxPinyinChars = 40;
inline constexpr int kMaxCarrierNameChars = 60;
inline constexpr int kMaxLicenceChars = 30;
inline constexpr int kMinSeats = 5;
inline constexpr int kMaxSeats = 70;
inline constexpr int kMaxRouteStops = 64;
inline constexpr int kMaxRouteKm = 5000;

// Whether an upsert created the record or replaced an existing one.
enum class Upserted { kInserted, kUpdated };

// ---------------------------------------------------------------------------------------------
// Stations (客运站)

// "一级" … "五级" for grades 1–5; "" otherwise.
[[nodiscard]] std::string_view StationGradeName(int grade);

struct Station {
  core::StationCode code;  // county (GB/T 2260, must exist) + sequence
  std::string name{};      // 1–40 characters, at least one Chinese character
  int grade = 3;           // 1 (一级) … 5 (五级)
  std::string address{};   // 0–100 characters
  // Pinyin initials of the name for search ("JNCTQCZZ"), 0–40 letters A–Z; may be empty.
  // Lower-case letters are accepted and stored upper-case.
  std::string pinyin{};
  bool active = true;

  // The county the station is in: the first 6 digits of its code.
  [[nodiscard]] std::string_view county_code() const { return code.county(); }
  bool operator==(const Station&) const = default;
};

[[nodiscard]] Result<void> ValidateStation(const Station& station);

// ---------------------------------------------------------------------------------------------
// Carriers (承运人) and vehicles (营运客车)

struct Carrier {
  core::CreditCode credit_code;  // 统一社会信用代码
  std::string name{};            // 1–60 characters
  std::string licence_no{};      // 道路运输经营许可证号, 1–30 characters, free text
  std::optional<core::StationCode> home_station{};  // must exist if set
  bool operator==(const Carrier&) const = default;
};

[[nodiscard]] Result<void> ValidateCarrier(const Carrier& carrier);

// Vehicle type and grade (JT/T 325 营运客车类型划分及等级评定), the subset intercity lines use.
enum class VehicleClass {
  kLargeHigh3,    // 大型高三级
  kLargeHigh2,    // 大型高二级
  kLargeHigh1,    // 大型高一级
  kLargeMedium,   // 大型中级
  kMediumHigh2,   // 中型高二级
  kMediumHigh1,   // 中型高一级
  kMediumMedium,  // 中型中级
  kSmallHigh1,    // 小型高一级
  kSmallMedium,   // 小型中级
  kSleeperHigh2,  // 卧铺高二级
  kSleeperHigh1,  // 卧铺高一级
};

[[nodiscard]] std::span<const VehicleClass> AllVehicleClasses();
// Stable key stored and exported: "large_high1".
[[nodiscard]] std::string_view VehicleClassKey(VehicleClass vehicle_class);
// Chinese name for people: "大型高一级".
[[nodiscard]] std::string_view VehicleClassName(VehicleClass vehicle_class);
// Accepts the key or the Chinese name. InvalidArgument listing the keys otherwise.
[[nodiscard]] Result<VehicleClass> ParseVehicleClass(std::string_view key_or_name);

// Checks a Chinese licence plate (号牌): province abbreviation (京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂
// 桂甘晋蒙陕吉闽贵粤青藏川宁琼) + issuing-authority letter (A–Z except I and O) + 5 characters
// (digits and letters except I and O), or 6 for new-energy vehicles, whose six start or end with
// D or F. "鲁A12345", "鲁AD12345", "鲁A12345F". Lower-case letters are refused: store one spelling.
[[nodiscard]] Result<void> ValidatePlate(std::string_view plate);

// The abbreviation used on plates for a province code ("37" → "鲁"); "" if unknown.
[[nodiscard]] std::string_view PlateProvincePrefix(std::string_view province_code);

struct Vehicle {
  std::string plate{};       // see ValidatePlate
  core::CreditCode carrier;  // the carrier operating it; must exist
  int seats = 0;             // licensed seats (核定座位), 5–70
  std::string layout{};      // seat layout as painted: "2+2", "2+1", "2+1 sleeper"; 1–20 chars
  VehicleClass vehicle_class = VehicleClass::kLargeHigh1;
  bool active = true;
  bool operator==(const Vehicle&) const = default;
};

[[nodiscard]] Result<void> ValidateVehicle(const Vehicle& vehicle);

// ---------------------------------------------------------------------------------------------
// Routes (班线) and fares (票价)

// "一类" … "四类" for classes 1–4; "" otherwise. DESIGN.md §3: 一类 between prefecture seats or
// ≥ 800 km, 二类 prefecture seat ↔ county, 三类 between non-adjacent counties, 四类 adjacent
// counties or within a county.
[[nodiscard]] std::string_view RouteClassName(int route_class);
// Real-name sale and check are mandatory on classes 1 and 2; classes 3 and 4 default to off and
// may be switched on.
[[nodiscard]] constexpr bool DefaultRealNameRequired(int route_class) { return route_class <= 2; }

// A stop of a route: the station and its distance from the origin along the road.
struct RouteStop {
  core::StationCode station;
  int km = 0;  // cumulative; 0 at the origin, strictly increasing
  bool operator==(const RouteStop&) const = default;
};

struct Route {
  // Unique in the province: 2–24 characters, A–Z, 0–9 and '-', starting with a letter.
  // The demo uses "R" + origin county + "-" + sequence: "R370102-001".
  std::string code{};
  std::string name{};  // 1–60 characters, "济南—泰安"
  int route_class = 3;
  bool real_name_required = true;  // must be true for classes 1 and 2
  // Stops 0..k in travel order: at least 2, at most 64, no station twice, km 0 at the origin and
  // strictly increasing, at most 5000 km.
  std::vector<RouteStop> stops{};

  [[nodiscard]] const RouteStop& origin() const { return stops.front(); }
  [[nodiscard]] const RouteStop& destination() const { return stops.back(); }
  [[nodiscard]] int total_km() const { return stops.empty() ? 0 : stops.back().km; }
  // The index of `station` among the stops, or nullopt.
  [[nodiscard]] std::optional<int> StopIndex(const core::StationCode& station) const;
  bool operator==(const Route&) const = default;
};

[[nodiscard]] Result<void> ValidateRoute(const Route& route);

// The fare between stops from_index < to_index of a route, in integer fen. The adult fare is the
// fare charged (执行票价) for the ride; the passenger station fee (旅客站务费) is a separate line
// on the ticket, added on top of each seated fare; the cap fare (上限票价) is the most that may be
// charged for the ride (≥ adult). Child (半票) and discount (优待票) fares are at most the adult.
struct Fare {
  std::string route_code{};
  int from_index = 0;
  int to_index = 1;
  core::Money adult{};
  core::Money child{};
  core::Money discount{};
  core::Money station_fee{};
  core::Money cap{};
  bool operator==(const Fare&) const = default;
};

// Checks amounts (adult > 0; child, discount, fee ≥ 0; child, discount ≤ adult ≤ cap) and that
// 0 ≤ from_index < to_index < route.stops.size().
[[nodiscard]] Result<void> ValidateFare(const Fare& fare, const Route& route);

// The default fare table for every stop pair i < j of `route`, in (i, j) order:
//   ride  = rate_fen_per_km_by_class[route_class - 1] × (km_j − km_i)
//   adult = ride rounded half-up to ¥0.50 when under ¥10, to ¥1 from ¥10 (never below ¥1)
//   child = discount = 50 % of adult, rounded half-up to ¥0.50
//   cap   = 110 % of ride, rounded up to ¥1, and never below adult
//   station_fee as given, the same for every pair.
// Preconditions: ValidateRoute(route) succeeded; rates and fee are ≥ 0.
[[nodiscard]] std::vector<Fare> ComputeDefaultFares(
    const Route& route, const std::array<std::int64_t, 4>& rate_fen_per_km_by_class,
    core::Money station_fee);

// ---------------------------------------------------------------------------------------------
// Schedules (班次) and runs

// A schedule's kind, copied to each of its runs: 正班 (regular) or 加班 (extra).
enum class RunKind { kRegular, kExtra };
[[nodiscard]] std::string_view RunKindKey(RunKind kind);   // "regular" / "extra"
[[nodiscard]] std::string_view RunKindName(RunKind kind);  // "正班" / "加班"
// Accepts the key or the Chinese name.
[[nodiscard]] Result<RunKind> ParseRunKind(std::string_view text);

// Days of operation as a bitmask: bit 0 = Monday … bit 6 = Sunday (ISO weekdays 1–7).
inline constexpr int kEveryDay = 0x7F;
// "1234567" style: each ISO weekday digit once, ascending ("135" = Mon, Wed, Fri).
[[nodiscard]] std::string DaysToString(int days_mask);
// Accepts digits 1–7 in any order without repeats; InvalidArgument otherwise or if empty.
[[nodiscard]] Result<int> ParseDays(std::string_view text);

struct Schedule {
  core::StationCode station;  // the departure station: must be the route's origin
  core::ScheduleCode code;    // unique within the station, "K0301"
  std::string route_code{};
  core::TimeOfDay departure{};
  int days_mask = kEveryDay;  // 1–127
  core::LocalDate valid_from{};
  std::optional<core::LocalDate> valid_to{};  // inclusive; none = until further notice
  core::CreditCode carrier;                   // the carrier operating it
  VehicleClass vehicle_class = VehicleClass::kLargeHigh1;
  int seats = 0;                               // seats on sale, 5–70
  std::optional<std::string> vehicle_plate{};  // default vehicle: the carrier's, ≥ seats
  RunKind kind = RunKind::kRegular;
  bool active = true;

  // Whether the schedule operates on `date` (valid range and weekday; ignores `active`).
  [[nodiscard]] bool OperatesOn(core::LocalDate date) const;
  bool operator==(const Schedule&) const = default;
};

[[nodiscard]] Result<void> ValidateSchedule(const Schedule& schedule);

// A run's state (DESIGN.md §3). Runs are created open; sales, check-in and operations move them.
enum class RunStatus {
  kOpen,         // 开班: on sale
  kStopped,      // 停班: cancelled before any sale
  kStoppedSold,  // 停班有售: cancelled with tickets sold (forces fee-free refund or transfer)
  kDeparted,     // 已发车
};
[[nodiscard]] std::string_view RunStatusKey(RunStatus status);   // "open", "stopped_sold", …
[[nodiscard]] std::string_view RunStatusName(RunStatus status);  // "开班", "停班有售", …
[[nodiscard]] Result<RunStatus> ParseRunStatus(std::string_view key);

// A schedule on a date. The route, carrier, seats, class and kind are copied from the schedule
// when the run is generated.
struct Run {
  core::RunId id;  // "{station}-{yyyymmdd}-{schedule}"
  std::string route_code{};
  core::Instant departs_at{};
  RunStatus status = RunStatus::kOpen;
  RunKind kind = RunKind::kRegular;
  int seats = 0;
  core::CreditCode carrier;
  VehicleClass vehicle_class = VehicleClass::kLargeHigh1;

  [[nodiscard]] core::StationCode station() const { return id.station(); }
  [[nodiscard]] core::LocalDate date() const { return id.date(); }
  [[nodiscard]] core::ScheduleCode schedule() const { return id.schedule(); }
  bool operator==(const Run&) const = default;
};

// A run with what a timetable shows next to it.
struct RunSummary {
  Run run;
  std::string route_name{};
  core::StationCode origin;
  std::string origin_name{};
  core::StationCode destination;
  std::string destination_name{};
  core::TimeOfDay departure{};  // Shanghai wall-clock time of departs_at
  std::string carrier_name{};
  bool operator==(const RunSummary&) const = default;
};

// ---------------------------------------------------------------------------------------------
// Staff (工作人员) and roles

// What each role may do (enforced by http/ and the services that take an acting Staff):
enum class Role {
  kProvinceAdmin,      // 省级管理员: all master data, staff accounts, every station's data
  kStationManager,     // 站务经理: own station's schedules, runs (stop/extra), staff, reports
  kClerk,              // 售票员: sell, refund, change and reprint at own station's window
  kKiosk,              // 自助售取票机: a self-service machine of one station (channel kiosk)
  kGateOperator,       // 检票员: check in passengers and close departures at own station
  kCarrierDispatcher,  // 承运人调度: own carrier's vehicles, crew check-in (报班), its runs
  kAuditor,            // 审计员: read-only access to everything, ledger and reports
};
[[nodiscard]] std::span<const Role> AllRoles();
[[nodiscard]] std::string_view RoleKey(Role role);   // "province_admin", …
[[nodiscard]] std::string_view RoleName(Role role);  // "省级管理员", …
// Accepts the key or the Chinese name.
[[nodiscard]] Result<Role> ParseRole(std::string_view text);
// Station roles (manager, clerk, self-service machine, gate operator) require a station.
[[nodiscard]] bool RoleRequiresStation(Role role);

struct Staff {
  std::string username{};      // 3–32 characters of a–z 0–9 _ . ; login name
  std::string display_name{};  // 1–40 characters
  Role role = Role::kClerk;
  // Required for station roles; forbidden for province_admin and auditor; optional for
  // carrier_dispatcher (the station they dispatch at).
  std::optional<core::StationCode> station{};
  // Required for carrier_dispatcher, forbidden for every other role.
  std::optional<core::CreditCode> carrier{};
  bool active = true;
  bool operator==(const Staff&) const = default;
};

[[nodiscard]] Result<void> ValidateStaff(const Staff& staff);
// At least 8 characters and at most 128 bytes. The field is "password".
[[nodiscard]] Result<void> ValidatePassword(std::string_view password);

}  // namespace keyun::network
