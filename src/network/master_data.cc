#include "network/master_data.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/admin_divisions.h"
#include "network/csv.h"
#include "network/internal/text.h"

namespace keyun::network {
namespace {

using internal::CheckText;
using internal::Quote;

// Fails with `reason` prefixed by the field's name, e.g. "name must not be empty".
tl::unexpected<Error> Invalid(std::string_view field, std::string_view reason) {
  return InvalidArgument(fmt::format("{} {}", field, reason), std::string(field));
}

Result<void> CheckTextField(std::string_view field, std::string_view text, int min_chars,
                            int max_chars) {
  if (std::string reason = CheckText(text, min_chars, max_chars); !reason.empty()) {
    return Invalid(field, reason);
  }
  return {};
}

bool IsPlateLetter(char c) { return c >= 'A' && c <= 'Z' && c != 'I' && c != 'O'; }
bool IsPlateAlnum(char c) { return (c >= '0' && c <= '9') || IsPlateLetter(c); }

struct PlatePrefix {
  std::string_view province_code;
  std::string_view abbreviation;
};

constexpr PlatePrefix kPlatePrefixes[] = {
    {"11", "京"}, {"12", "津"}, {"13", "冀"}, {"14", "晋"}, {"15", "蒙"}, {"21", "辽"},
    {"22", "吉"}, {"23", "黑"}, {"31", "沪"}, {"32", "苏"}, {"33", "浙"}, {"34", "皖"},
    {"35", "闽"}, {"36", "赣"}, {"37", "鲁"}, {"41", "豫"}, {"42", "鄂"}, {"43", "湘"},
    {"44", "粤"}, {"45", "桂"}, {"46", "琼"}, {"50", "渝"}, {"51", "川"}, {"52", "贵"},
    {"53", "云"}, {"54", "藏"}, {"61", "陕"}, {"62", "甘"}, {"63", "青"}, {"64", "宁"},
    {"65", "新"},
};

struct VehicleClassInfo {
  VehicleClass value;
  std::string_view key;
  std::string_view name;
};

constexpr VehicleClassInfo kVehicleClasses[] = {
    {VehicleClass::kLargeHigh3, "large_high3", "大型高三级"},
    {VehicleClass::kLargeHigh2, "large_high2", "大型高二级"},
    {VehicleClass::kLargeHigh1, "large_high1", "大型高一级"},
    {VehicleClass::kLargeMedium, "large_medium", "大型中级"},
    {VehicleClass::kMediumHigh2, "medium_high2", "中型高二级"},
    {VehicleClass::kMediumHigh1, "medium_high1", "中型高一级"},
    {VehicleClass::kMediumMedium, "medium_medium", "中型中级"},
    {VehicleClass::kSmallHigh1, "small_high1", "小型高一级"},
    {VehicleClass::kSmallMedium, "small_medium", "小型中级"},
    {VehicleClass::kSleeperHigh2, "sleeper_high2", "卧铺高二级"},
    {VehicleClass::kSleeperHigh1, "sleeper_high1", "卧铺高一级"},
};

constexpr VehicleClass kAllVehicleClasses[] = {
    VehicleClass::kLargeHigh3,   VehicleClass::kLargeHigh2,   VehicleClass::kLargeHigh1,
    VehicleClass::kLargeMedium,  VehicleClass::kMediumHigh2,  VehicleClass::kMediumHigh1,
    VehicleClass::kMediumMedium, VehicleClass::kSmallHigh1,   VehicleClass::kSmallMedium,
    VehicleClass::kSleeperHigh2, VehicleClass::kSleeperHigh1,
};

struct RoleInfo {
  Role value;
  std::string_view key;
  std::string_view name;
};

constexpr RoleInfo kRoles[] = {
    {Role::kProvinceAdmin, "province_admin", "省级管理员"},
    {Role::kStationManager, "station_manager", "站务经理"},
    {Role::kClerk, "clerk", "售票员"},
    {Role::kKiosk, "kiosk", "自助售取票机"},
    {Role::kGateOperator, "gate_operator", "检票员"},
    {Role::kCarrierDispatcher, "carrier_dispatcher", "承运人调度"},
    {Role::kAuditor, "auditor", "审计员"},
};

constexpr Role kAllRoles[] = {Role::kProvinceAdmin, Role::kStationManager,
                              Role::kClerk,         Role::kKiosk,
                              Role::kGateOperator,  Role::kCarrierDispatcher,
                              Role::kAuditor};

std::string StopField(std::size_t index, std::string_view member) {
  return fmt::format("stops[{}].{}", index, member);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Stations

std::string_view StationGradeName(int grade) {
  static constexpr std::string_view kNames[] = {"一级", "二级", "三级", "四级", "五级"};
  return grade >= 1 && grade <= 5 ? kNames[grade - 1] : std::string_view();
}

Result<void> ValidateStation(const Station& station) {
  if (core::FindCounty(station.code.county()) == nullptr) {
    return Invalid("code", fmt::format("{} does not start with a GB/T 2260 county code ({} is "
                                       "not a county)",
                                       station.code.str(), station.code.county()));
  }
  if (auto ok = CheckTextField("name", station.name, 1, kMaxStationNameChars); !ok) return ok;
  if (!internal::HasChineseCharacter(station.name)) {
    return Invalid("name", "must be the station's Chinese name, e.g. \"济南长途汽车总站\"");
  }
  if (station.grade < 1 || station.grade > 5) {
    return Invalid("grade", fmt::format("must be 1 (一级) to 5 (五级), not {}", station.grade));
  }
  if (auto ok = CheckTextField("address", station.address, 0, kMaxAddressChars); !ok) return ok;
  if (station.pinyin.size() > static_cast<std::size_t>(kMaxPinyinChars) ||
      !std::all_of(station.pinyin.begin(), station.pinyin.end(),
                   [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); })) {
    return Invalid("pinyin", fmt::format("must be the name's pinyin initials, up to {} letters "
                                         "A–Z (\"JNCTQCZZ\"), not {}",
                                         kMaxPinyinChars, Quote(station.pinyin)));
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// Carriers and vehicles

Result<void> ValidateCarrier(const Carrier& carrier) {
  if (auto ok = CheckTextField("name", carrier.name, 1, kMaxCarrierNameChars); !ok) return ok;
  if (auto ok = CheckTextField("licence_no", carrier.licence_no, 1, kMaxLicenceChars); !ok) {
    return ok;
  }
  return {};
}

std::span<const VehicleClass> AllVehicleClasses() { return kAllVehicleClasses; }

std::string_view VehicleClassKey(VehicleClass vehicle_class) {
  for (const auto& info : kVehicleClasses) {
    if (info.value == vehicle_class) return info.key;
  }
  return "";
}

std::string_view VehicleClassName(VehicleClass vehicle_class) {
  for (const auto& info : kVehicleClasses) {
    if (info.value == vehicle_class) return info.name;
  }
  return "";
}

Result<VehicleClass> ParseVehicleClass(std::string_view key_or_name) {
  for (const auto& info : kVehicleClasses) {
    if (info.key == key_or_name || info.name == key_or_name) return info.value;
  }
  std::string keys;
  for (const auto& info : kVehicleClasses) {
    keys += fmt::format("{}{} ({})", keys.empty() ? "" : ", ", info.key, info.name);
  }
  return Invalid("vehicle_class", fmt::format("{} is not a vehicle class; use one of: {}",
                                              Quote(key_or_name), keys));
}

std::string_view PlateProvincePrefix(std::string_view province_code) {
  for (const auto& prefix : kPlatePrefixes) {
    if (prefix.province_code == province_code) return prefix.abbreviation;
  }
  return "";
}

Result<void> ValidatePlate(std::string_view plate) {
  const auto fail = [&](std::string_view why) {
    return Invalid("plate", fmt::format("{} is not a licence plate: {} (e.g. \"鲁A12345\", or "
                                        "\"鲁AD12345\" for a new-energy vehicle)",
                                        Quote(plate), why));
  };
  const PlatePrefix* prefix = nullptr;
  for (const auto& candidate : kPlatePrefixes) {
    if (plate.starts_with(candidate.abbreviation)) prefix = &candidate;
  }
  if (prefix == nullptr) return fail("it must start with a province abbreviation such as 鲁");
  std::string_view rest = plate.substr(prefix->abbreviation.size());
  if (rest.empty() || !IsPlateLetter(rest.front())) {
    return fail("the second character must be a capital letter A–Z other than I and O");
  }
  rest.remove_prefix(1);
  if (!std::all_of(rest.begin(), rest.end(), IsPlateAlnum)) {
    return fail("after the letter come only digits and capital letters other than I and O");
  }
  if (rest.size() == 5) return {};
  if (rest.size() == 6) {
    const auto energy = [](char c) { return c == 'D' || c == 'F'; };
    if (energy(rest.front()) || energy(rest.back())) return {};
    return fail("a six-character new-energy number starts or ends with D or F");
  }
  return fail("after the letter come 5 characters (6 for new-energy vehicles)");
}

Result<void> ValidateVehicle(const Vehicle& vehicle) {
  if (auto ok = ValidatePlate(vehicle.plate); !ok) return ok;
  if (vehicle.seats < kMinSeats || vehicle.seats > kMaxSeats) {
    return Invalid("seats", fmt::format("must be {} to {} licensed seats, not {}", kMinSeats,
                                        kMaxSeats, vehicle.seats));
  }
  if (auto ok = CheckTextField("layout", vehicle.layout, 1, 20); !ok) return ok;
  if (VehicleClassKey(vehicle.vehicle_class).empty()) {
    return Invalid("vehicle_class", "is not a known vehicle class");
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// Routes and fares

std::string_view RouteClassName(int route_class) {
  static constexpr std::string_view kNames[] = {"一类", "二类", "三类", "四类"};
  return route_class >= 1 && route_class <= 4 ? kNames[route_class - 1] : std::string_view();
}

std::optional<int> Route::StopIndex(const core::StationCode& station) const {
  for (std::size_t i = 0; i < stops.size(); ++i) {
    if (stops[i].station == station) return static_cast<int>(i);
  }
  return std::nullopt;
}

Result<void> ValidateRoute(const Route& route) {
  const std::string_view code = route.code;
  const bool code_ok = code.size() >= 2 && code.size() <= 24 && code.front() >= 'A' &&
                       code.front() <= 'Z' && std::all_of(code.begin(), code.end(), [](char c) {
                         return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
                       });
  if (!code_ok) {
    return Invalid("code", fmt::format("must be 2–24 characters A–Z, 0–9 and '-', starting with "
                                       "a letter (\"R370102-001\"), not {}",
                                       Quote(code)));
  }
  if (auto ok = CheckTextField("name", route.name, 1, 60); !ok) return ok;
  if (route.route_class < 1 || route.route_class > 4) {
    return Invalid("route_class",
                   fmt::format("must be 1 (一类) to 4 (四类), not {}", route.route_class));
  }
  if (!route.real_name_required && DefaultRealNameRequired(route.route_class)) {
    return Invalid("real_name_required",
                   fmt::format("cannot be switched off: real-name sale and check are mandatory "
                               "on {} routes",
                               RouteClassName(route.route_class)));
  }
  if (route.stops.size() < 2) {
    return Invalid("stops", "must list at least the origin and the destination");
  }
  if (route.stops.size() > static_cast<std::size_t>(kMaxRouteStops)) {
    return Invalid("stops", fmt::format("must have at most {} stops, not {}", kMaxRouteStops,
                                        route.stops.size()));
  }
  if (route.stops.front().km != 0) {
    return Invalid(StopField(0, "km"),
                   fmt::format("must be 0 at the origin, not {}", route.stops.front().km));
  }
  std::set<std::string_view> seen;
  for (std::size_t i = 0; i < route.stops.size(); ++i) {
    const RouteStop& stop = route.stops[i];
    if (!seen.insert(stop.station.str()).second) {
      return Invalid(StopField(i, "station"),
                     fmt::format("{} appears twice on the route", stop.station.str()));
    }
    if (i > 0 && stop.km <= route.stops[i - 1].km) {
      return Invalid(StopField(i, "km"),
                     fmt::format("must be greater than the previous stop's {} km, not {}",
                                 route.stops[i - 1].km, stop.km));
    }
    if (stop.km > kMaxRouteKm) {
      return Invalid(StopField(i, "km"),
                     fmt::format("must be at most {} km, not {}", kMaxRouteKm, stop.km));
    }
  }
  return {};
}

Result<void> ValidateFare(const Fare& fare, const Route& route) {
  const int stops = static_cast<int>(route.stops.size());
  if (fare.from_index < 0 || fare.from_index >= stops - 1) {
    return Invalid("from_index", fmt::format("must be a stop of route {} before its last (0 to "
                                             "{}), not {}",
                                             route.code, stops - 2, fare.from_index));
  }
  if (fare.to_index <= fare.from_index || fare.to_index >= stops) {
    return Invalid("to_index",
                   fmt::format("must be a stop of route {} after the boarding stop "
                               "({} to {}), not {}",
                               route.code, fare.from_index + 1, stops - 1, fare.to_index));
  }
  if (fare.adult <= core::Money::Zero()) {
    return Invalid("adult", fmt::format("must be more than 0.00, not {}", fare.adult.ToString()));
  }
  const struct {
    std::string_view field;
    core::Money amount;
  } parts[] = {{"child", fare.child}, {"discount", fare.discount}};
  for (const auto& part : parts) {
    if (part.amount < core::Money::Zero() || part.amount > fare.adult) {
      return Invalid(part.field, fmt::format("must be 0.00 to the adult fare {}, not {}",
                                             fare.adult.ToString(), part.amount.ToString()));
    }
  }
  if (fare.station_fee < core::Money::Zero()) {
    return Invalid("station_fee",
                   fmt::format("must not be negative, not {}", fare.station_fee.ToString()));
  }
  if (fare.cap < fare.adult) {
    return Invalid("cap",
                   fmt::format("the cap fare (上限票价) {} is below the adult fare charged {}",
                               fare.cap.ToString(), fare.adult.ToString()));
  }
  return {};
}

std::vector<Fare> ComputeDefaultFares(const Route& route,
                                      const std::array<std::int64_t, 4>& rate_fen_per_km_by_class,
                                      core::Money station_fee) {
  using core::Money;
  using core::Rounding;
  const int class_index = std::clamp(route.route_class, 1, 4) - 1;
  const std::int64_t rate = rate_fen_per_km_by_class[class_index];
  std::vector<Fare> fares;
  for (std::size_t i = 0; i < route.stops.size(); ++i) {
    for (std::size_t j = i + 1; j < route.stops.size(); ++j) {
      const Money ride = Money::Fen(rate * (route.stops[j].km - route.stops[i].km));
      Money adult = ride < Money::Yuan(10) ? ride.Rounded(Rounding::kToHalfYuan)
                                           : ride.Rounded(Rounding::kToYuan);
      adult = std::max(adult, Money::Yuan(1));
      const Money half = adult.PercentOf(5000, Rounding::kToHalfYuan);
      // 110 % rounded up to the yuan: up to the fen first, then any fen to the next yuan.
      Money cap = ride.PercentOf(11000, Rounding::kUp);
      if (cap.fen() % 100 != 0) cap = Money::Fen((cap.fen() / 100 + 1) * 100);
      cap = std::max(cap, adult);
      fares.push_back(Fare{.route_code = route.code,
                           .from_index = static_cast<int>(i),
                           .to_index = static_cast<int>(j),
                           .adult = adult,
                           .child = half,
                           .discount = half,
                           .station_fee = station_fee,
                           .cap = cap});
    }
  }
  return fares;
}

// ---------------------------------------------------------------------------------------------
// Schedules and runs

std::string_view RunKindKey(RunKind kind) {
  return kind == RunKind::kRegular ? "regular" : "extra";
}

std::string_view RunKindName(RunKind kind) { return kind == RunKind::kRegular ? "正班" : "加班"; }

Result<RunKind> ParseRunKind(std::string_view text) {
  if (text == "regular" || text == "正班") return RunKind::kRegular;
  if (text == "extra" || text == "加班") return RunKind::kExtra;
  return Invalid("kind",
                 fmt::format("must be regular (正班) or extra (加班), not {}", Quote(text)));
}

std::string DaysToString(int days_mask) {
  std::string out;
  for (int day = 1; day <= 7; ++day) {
    if (days_mask & (1 << (day - 1))) out += static_cast<char>('0' + day);
  }
  return out;
}

Result<int> ParseDays(std::string_view text) {
  int mask = 0;
  for (char c : text) {
    if (c < '1' || c > '7') {
      return Invalid("days", fmt::format("must be weekday digits 1 (Monday) to 7 (Sunday), e.g. "
                                         "\"1234567\" or \"135\", not {}",
                                         Quote(text)));
    }
    const int bit = 1 << (c - '1');
    if (mask & bit) return Invalid("days", fmt::format("lists day {} twice in {}", c, Quote(text)));
    mask |= bit;
  }
  if (mask == 0) return Invalid("days", "must list at least one weekday, e.g. \"1234567\"");
  return mask;
}

bool Schedule::OperatesOn(core::LocalDate date) const {
  if (date < valid_from) return false;
  if (valid_to && date > *valid_to) return false;
  return (days_mask & (1 << (date.DayOfWeek() - 1))) != 0;
}

Result<void> ValidateSchedule(const Schedule& schedule) {
  if (schedule.route_code.empty()) return Invalid("route_code", "must name the route");
  if (schedule.days_mask < 1 || schedule.days_mask > kEveryDay) {
    return Invalid("days", "must include at least one weekday");
  }
  if (schedule.valid_to && *schedule.valid_to < schedule.valid_from) {
    return Invalid("valid_to",
                   fmt::format("{} is before valid_from {}", schedule.valid_to->ToString(),
                               schedule.valid_from.ToString()));
  }
  if (schedule.seats < kMinSeats || schedule.seats > kMaxSeats) {
    return Invalid("seats", fmt::format("must be {} to {} seats, not {}", kMinSeats, kMaxSeats,
                                        schedule.seats));
  }
  if (VehicleClassKey(schedule.vehicle_class).empty()) {
    return Invalid("vehicle_class", "is not a known vehicle class");
  }
  if (schedule.vehicle_plate) {
    if (auto ok = ValidatePlate(*schedule.vehicle_plate); !ok) {
      Error error = ok.error();
      error.field = "vehicle_plate";
      return tl::unexpected(std::move(error));
    }
  }
  return {};
}

std::string_view RunStatusKey(RunStatus status) {
  switch (status) {
    case RunStatus::kOpen:
      return "open";
    case RunStatus::kStopped:
      return "stopped";
    case RunStatus::kStoppedSold:
      return "stopped_sold";
    case RunStatus::kDeparted:
      return "departed";
  }
  return "";
}

std::string_view RunStatusName(RunStatus status) {
  switch (status) {
    case RunStatus::kOpen:
      return "开班";
    case RunStatus::kStopped:
      return "停班";
    case RunStatus::kStoppedSold:
      return "停班有售";
    case RunStatus::kDeparted:
      return "已发车";
  }
  return "";
}

Result<RunStatus> ParseRunStatus(std::string_view key) {
  for (RunStatus status :
       {RunStatus::kOpen, RunStatus::kStopped, RunStatus::kStoppedSold, RunStatus::kDeparted}) {
    if (RunStatusKey(status) == key || RunStatusName(status) == key) return status;
  }
  return Invalid(
      "status", fmt::format("must be open, stopped, stopped_sold or departed, not {}", Quote(key)));
}

// ---------------------------------------------------------------------------------------------
// Staff

std::span<const Role> AllRoles() { return kAllRoles; }

std::string_view RoleKey(Role role) {
  for (const auto& info : kRoles) {
    if (info.value == role) return info.key;
  }
  return "";
}

std::string_view RoleName(Role role) {
  for (const auto& info : kRoles) {
    if (info.value == role) return info.name;
  }
  return "";
}

Result<Role> ParseRole(std::string_view text) {
  for (const auto& info : kRoles) {
    if (info.key == text || info.name == text) return info.value;
  }
  return Invalid("role", fmt::format("must be one of province_admin, station_manager, clerk, "
                                     "kiosk, gate_operator, carrier_dispatcher, auditor, not {}",
                                     Quote(text)));
}

bool RoleRequiresStation(Role role) {
  return role == Role::kStationManager || role == Role::kClerk || role == Role::kKiosk ||
         role == Role::kGateOperator;
}

Result<void> ValidateStaff(const Staff& staff) {
  const std::string_view name = staff.username;
  const bool username_ok =
      name.size() >= 3 && name.size() <= 32 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
      });
  if (!username_ok) {
    return Invalid("username", fmt::format("must be 3–32 characters of a–z, 0–9, '_' and '.', "
                                           "not {}",
                                           Quote(name)));
  }
  if (auto ok = CheckTextField("display_name", staff.display_name, 1, 40); !ok) return ok;
  if (RoleKey(staff.role).empty()) return Invalid("role", "is not a known role");
  if (RoleRequiresStation(staff.role) && !staff.station) {
    return Invalid("station", fmt::format("is required for the role {} ({})", RoleKey(staff.role),
                                          RoleName(staff.role)));
  }
  const bool province_wide = staff.role == Role::kProvinceAdmin || staff.role == Role::kAuditor;
  if (province_wide && staff.station) {
    return Invalid("station",
                   fmt::format("must be empty for the province-wide role {}", RoleKey(staff.role)));
  }
  if (staff.role == Role::kCarrierDispatcher && !staff.carrier) {
    return Invalid("carrier", "is required for the role carrier_dispatcher (承运人调度)");
  }
  if (staff.role != Role::kCarrierDispatcher && staff.carrier) {
    return Invalid("carrier", fmt::format("must be empty for the role {}: only carrier "
                                          "dispatchers act for a carrier",
                                          RoleKey(staff.role)));
  }
  return {};
}

Result<void> ValidatePassword(std::string_view password) {
  if (!IsValidUtf8(password)) {
    return Invalid("password", "is not valid UTF-8 text");
  }
  if (internal::Utf8Length(password) < 8) {
    return Invalid("password", "must have at least 8 characters");
  }
  if (password.size() > 128) return Invalid("password", "must be at most 128 bytes long");
  return {};
}

}  // namespace keyun::network
