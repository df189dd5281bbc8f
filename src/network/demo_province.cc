#include "network/demo_province.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "core/admin_divisions.h"
#include "network/internal/demo_geography.h"
#include "network/internal/text.h"

namespace keyun::network {
namespace {

using internal::DemoCity;
using internal::DemoRandom;

constexpr int kCarriers = 12;
constexpr int kRoutes = 72;
constexpr std::size_t kMinStations = 40;
constexpr std::array<std::int64_t, 4> kRateFenPerKm = {15, 14, 13, 12};

struct DemoStation {
  Station station;
  int city = 0;
  bool seat = false;
  std::string short_name;  // for route names: "济南", "平阴"
};

// What the generator has made so far, in the order it is made.
struct Province {
  std::vector<DemoCity> cities;
  std::vector<DemoStation> stations;
  std::vector<int> seat_of;                   // city → its seat station
  std::vector<std::vector<int>> stations_in;  // city → its stations
  std::vector<Carrier> carriers;
  std::vector<Vehicle> vehicles;
  std::vector<std::vector<int>> vehicles_of;  // carrier → its vehicles
  std::vector<Route> routes;
  std::vector<Schedule> schedules;
};

// ---- Stations ---------------------------------------------------------------------------------

Result<void> AddStation(Province& p, const core::Division& county, int sequence, int city,
                        bool seat, std::string name, std::string short_name, int grade) {
  auto code = core::StationCode::Make(county.code, sequence);
  if (!code) return Propagate(code);
  std::string pinyin = DemoPinyinInitials(name);
  p.stations.push_back(DemoStation{
      .station = Station{.code = *code,
                         .name = std::move(name),
                         .grade = grade,
                         .address = fmt::format("{}{}", p.cities[city].full_name, county.name),
                         .pinyin = std::move(pinyin),
                         .active = true},
      .city = city,
      .seat = seat,
      .short_name = std::move(short_name)});
  return {};
}

// Seats (grade 1–2, the capital's grade 1), then counties and county-level cities (3–5), then,
// for provinces with too few of those, districts and more stations per area.
Result<void> MakeStations(Province& p, DemoRandom& rng) {
  for (std::size_t c = 0; c < p.cities.size(); ++c) {
    const DemoCity& city = p.cities[c];
    const int grade = c == 0 ? 1 : (rng.Chance(25) ? 1 : 2);
    if (auto ok =
            AddStation(p, *city.seat, 1, static_cast<int>(c), true,
                       fmt::format("{}长途汽车总站", city.short_name), city.short_name, grade);
        !ok) {
      return ok;
    }
  }
  for (std::size_t c = 0; c < p.cities.size(); ++c) {
    for (const core::Division* county : p.cities[c].counties) {
      if (internal::IsDistrict(county->name)) continue;
      const int roll = rng.Between(1, 100);
      const int grade = county->name.ends_with("市") ? (roll <= 60 ? 3 : 4)
                                                     : (roll <= 30   ? 3
                                                        : roll <= 75 ? 4
                                                                     : 5);
      const std::string short_name = internal::ShortPlaceName(county->name);
      if (auto ok = AddStation(p, *county, 1, static_cast<int>(c), false,
                               fmt::format("{}汽车站", short_name), short_name, grade);
          !ok) {
        return ok;
      }
    }
  }
  for (std::size_t c = 0; c < p.cities.size() && p.stations.size() < kMinStations; ++c) {
    for (const core::Division* county : p.cities[c].counties) {
      if (!internal::IsDistrict(county->name) || p.stations.size() >= kMinStations) continue;
      const std::string short_name = internal::ShortPlaceName(county->name);
      if (auto ok = AddStation(p, *county, 1, static_cast<int>(c), false,
                               fmt::format("{}汽车站", short_name), short_name, rng.Between(3, 5));
          !ok) {
        return ok;
      }
    }
  }
  constexpr std::string_view kExtra[] = {"东站", "西站", "南站", "北站"};
  for (int round = 0; round < 4 && p.stations.size() < kMinStations; ++round) {
    const std::size_t existing = p.stations.size();
    for (std::size_t s = 0; s < existing && p.stations.size() < kMinStations; ++s) {
      if (p.stations[s].station.code.sequence() != 1) continue;
      const DemoStation base = p.stations[s];
      const core::Division* county = core::FindCounty(base.station.code.county());
      if (county == nullptr) return Internal("demo station outside the division table");
      if (auto ok = AddStation(p, *county, 2 + round, base.city, false,
                               fmt::format("{}汽车{}", base.short_name, kExtra[round]),
                               base.short_name, rng.Between(3, 5));
          !ok) {
        return ok;
      }
    }
  }
  p.seat_of.assign(p.cities.size(), -1);
  p.stations_in.assign(p.cities.size(), {});
  for (std::size_t i = 0; i < p.stations.size(); ++i) {
    if (p.stations[i].seat) p.seat_of[p.stations[i].city] = static_cast<int>(i);
    p.stations_in[p.stations[i].city].push_back(static_cast<int>(i));
  }
  return {};
}

// ---- Carriers and vehicles --------------------------------------------------------------------

constexpr std::string_view kCarrierWords[kCarriers] = {
    "交运", "长途", "快客", "顺达", "通达", "远航", "金桥", "鸿运", "安达", "畅通", "恒通", "华运"};

// Twelve carriers: the first four in the first four cities, the rest anywhere; each at home at
// its city's seat station.
Result<void> MakeCarriers(Province& p, std::string_view plate_prefix, DemoRandom& rng) {
  const int cities = static_cast<int>(p.cities.size());
  for (int k = 0; k < kCarriers; ++k) {
    const int c = k < std::min(4, cities) ? k : rng.Between(0, cities - 1);
    const DemoCity& city = p.cities[c];
    auto code = MakeCreditCode(city.seat->code,
                               static_cast<std::uint32_t>(rng.Between(10000000, 99999999)));
    if (!code) return Propagate(code);
    p.carriers.push_back(Carrier{
        .credit_code = *code,
        .name = fmt::format("{}{}汽车运输有限公司", city.short_name, kCarrierWords[k]),
        .licence_no = fmt::format("{}交运管许可{}字{}00{:06}号", plate_prefix,
                                  city.short_name.substr(0, 3), city.code, rng.Between(1, 999999)),
        .home_station = p.stations[p.seat_of[c]].station.code});
  }
  return {};
}

struct VehicleModel {
  VehicleClass vehicle_class;
  int seats;
  std::string_view layout;
};

constexpr VehicleModel kModels[] = {
    {VehicleClass::kLargeHigh1, 45, "2+2"},           {VehicleClass::kLargeHigh2, 49, "2+2"},
    {VehicleClass::kLargeHigh1, 51, "2+2"},           {VehicleClass::kMediumHigh1, 35, "2+2"},
    {VehicleClass::kMediumMedium, 33, "2+2"},         {VehicleClass::kSmallMedium, 19, "2+1"},
    {VehicleClass::kSleeperHigh1, 36, "2+1 sleeper"},
};

// 4–8 vehicles per carrier, plated in its home city; about one in ten new-energy.
void MakeVehicles(Province& p, std::string_view plate_prefix, DemoRandom& rng) {
  std::set<std::string> plates;
  p.vehicles_of.assign(p.carriers.size(), {});
  for (std::size_t k = 0; k < p.carriers.size(); ++k) {
    const auto home = std::find_if(p.stations.begin(), p.stations.end(), [&](const DemoStation& s) {
      return s.station.code == *p.carriers[k].home_station;
    });
    const char letter = p.cities[home != p.stations.end() ? home->city : 0].plate_letter;
    const int count = rng.Between(4, 8);
    for (int v = 0; v < count; ++v) {
      const VehicleModel& model = kModels[rng.Between(0, static_cast<int>(std::size(kModels)) - 1)];
      std::string plate;
      do {
        plate = rng.Chance(10)
                    ? fmt::format("{}{}D{:05}", plate_prefix, letter, rng.Between(0, 99999))
                    : fmt::format("{}{}{:05}", plate_prefix, letter, rng.Between(0, 99999));
      } while (!plates.insert(plate).second);
      p.vehicles_of[k].push_back(static_cast<int>(p.vehicles.size()));
      p.vehicles.push_back(Vehicle{.plate = plate,
                                   .carrier = p.carriers[k].credit_code,
                                   .seats = model.seats,
                                   .layout = std::string(model.layout),
                                   .vehicle_class = model.vehicle_class,
                                   .active = true});
    }
  }
}

// ---- Routes -----------------------------------------------------------------------------------

// The ends of a route and the cities it passes through, in travel order.
struct RoutePlan {
  int origin = 0;
  int destination = 0;
  std::vector<int> path;
};

int Neighbour(const Province& p, int city, DemoRandom& rng) {
  const auto& n = p.cities[city].neighbours;
  return n.empty() ? city : rng.Pick(n);
}

std::vector<int> NonSeatStations(const Province& p, int city) {
  std::vector<int> out;
  for (int s : p.stations_in[city]) {
    if (!p.stations[s].seat) out.push_back(s);
  }
  return out;
}

// Kind 0: seat ↔ seat through a neighbour or two; 1: seat → county in the city or a neighbour;
// 2: county ↔ county likewise. nullopt when the draw does not give a usable pair.
std::optional<RoutePlan> DrawPlan(const Province& p, int kind, int from_city, DemoRandom& rng) {
  RoutePlan plan;
  const int a = from_city;
  if (kind == 0) {
    int b = Neighbour(p, a, rng);
    plan.path = {a};
    if (rng.Chance(35)) {
      const int c = Neighbour(p, b, rng);
      if (c != a && c != b) {
        plan.path.push_back(b);
        b = c;
      }
    }
    if (b == a) return std::nullopt;
    plan.path.push_back(b);
    plan.origin = p.seat_of[a];
    plan.destination = p.seat_of[b];
    return plan;
  }
  const int b = rng.Chance(kind == 1 ? 50 : 40) ? a : Neighbour(p, a, rng);
  const std::vector<int> to = NonSeatStations(p, b);
  if (to.empty()) return std::nullopt;
  plan.path = a == b ? std::vector<int>{a} : std::vector<int>{a, b};
  if (kind == 1) {
    plan.origin = p.seat_of[a];
  } else {
    const std::vector<int> from = NonSeatStations(p, a);
    if (from.empty()) return std::nullopt;
    plan.origin = rng.Pick(from);
  }
  plan.destination = rng.Pick(to);
  if (plan.origin == plan.destination) return std::nullopt;
  return plan;
}

// DESIGN.md §3: both ends prefecture seats (or ≥ 800 km) 一类, one seat 二类, counties in
// different prefectures 三类, in the same prefecture 四类.
int RouteClassOf(const DemoStation& origin, const DemoStation& destination, int total_km) {
  if ((origin.seat && destination.seat) || total_km >= 800) return 1;
  if (origin.seat || destination.seat) return 2;
  return origin.city == destination.city ? 4 : 3;
}

// 72 routes with 2–8 intermediate stops from the cities on the way, in path order, 15–80 km per
// hop. The first ten start at the capital's seat, so the main station is busy.
void MakeRoutes(Province& p, DemoRandom& rng) {
  std::set<std::pair<int, int>> used;
  std::map<std::string, int> routes_from;  // origin county → routes numbered so far
  const int cities = static_cast<int>(p.cities.size());
  for (int attempt = 0; attempt < 5000 && static_cast<int>(p.routes.size()) < kRoutes; ++attempt) {
    const bool capital = attempt < 10;
    const int kind = capital ? 0 : rng.Between(0, 2);
    const std::optional<RoutePlan> plan =
        DrawPlan(p, kind, capital ? 0 : rng.Between(0, cities - 1), rng);
    if (!plan) continue;
    const bool reverse = !capital && kind != 0 && rng.Chance(40);
    if (!used.insert({plan->origin, plan->destination}).second) continue;

    std::vector<std::pair<int, int>> pool;  // (position on the path, station)
    for (std::size_t k = 0; k < plan->path.size(); ++k) {
      for (int s : p.stations_in[plan->path[k]]) {
        if (s != plan->origin && s != plan->destination) pool.push_back({static_cast<int>(k), s});
      }
    }
    if (pool.size() < 2) continue;
    rng.Shuffle(pool);
    pool.resize(
        static_cast<std::size_t>(rng.Between(2, std::min(8, static_cast<int>(pool.size())))));
    std::stable_sort(pool.begin(), pool.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    std::vector<int> order{plan->origin};
    for (const auto& [position, s] : pool) order.push_back(s);
    order.push_back(plan->destination);
    if (reverse) std::reverse(order.begin(), order.end());

    Route route;
    int km = 0;
    for (std::size_t k = 0; k < order.size(); ++k) {
      if (k > 0) km += rng.Between(15, 80);
      route.stops.push_back(RouteStop{.station = p.stations[order[k]].station.code, .km = km});
    }
    const DemoStation& origin = p.stations[order.front()];
    const DemoStation& destination = p.stations[order.back()];
    const std::string county(origin.station.code.county());
    route.code = fmt::format("R{}-{:03}", county, ++routes_from[county]);
    route.name = fmt::format("{}—{}", origin.short_name, destination.short_name);
    route.route_class = RouteClassOf(origin, destination, km);
    route.real_name_required = DefaultRealNameRequired(route.route_class) || rng.Chance(30);
    p.routes.push_back(std::move(route));
  }
}

// ---- Schedules --------------------------------------------------------------------------------

// 2–6 per route between 06:00 and 19:00, coded K + route number at the origin + schedule number
// ("K0301"); mostly daily, some weekdays or Friday–Sunday only, some extra (加班) Fri/Sun runs.
Result<void> MakeSchedules(Province& p, core::LocalDate first, DemoRandom& rng) {
  constexpr int kWeekdays = 0b0011111;
  constexpr int kFridayToSunday = 0b1110000;
  constexpr int kFridayAndSunday = 0b1010000;
  std::map<std::string, int> route_number;  // origin station → routes numbered so far
  for (const Route& route : p.routes) {
    const int number = ++route_number[route.origin().station.str()];
    std::set<int> minutes;
    const int count = rng.Between(2, 6);
    while (static_cast<int>(minutes.size()) < count) minutes.insert(360 + 10 * rng.Between(0, 78));
    const auto carrier = static_cast<std::size_t>(rng.Between(0, kCarriers - 1));
    int k = 0;
    for (int minute : minutes) {
      const Vehicle& vehicle = p.vehicles[rng.Pick(p.vehicles_of[carrier])];
      auto code = core::ScheduleCode::Parse(fmt::format("K{:02}{:02}", number, ++k));
      if (!code) return Propagate(code);
      const bool extra = count >= 4 && k == count && rng.Chance(50);
      const int roll = rng.Between(1, 100);
      const int days = extra        ? kFridayAndSunday
                       : roll <= 80 ? kEveryDay
                       : roll <= 90 ? kWeekdays
                                    : kFridayToSunday;
      p.schedules.push_back(
          Schedule{.station = route.origin().station,
                   .code = *code,
                   .route_code = route.code,
                   .departure = *core::TimeOfDay::FromMinutes(minute),
                   .days_mask = days,
                   .valid_from = first,
                   .valid_to = rng.Chance(10) ? std::optional(first.AddDays(90)) : std::nullopt,
                   .carrier = p.carriers[carrier].credit_code,
                   .vehicle_class = vehicle.vehicle_class,
                   .seats = vehicle.seats,
                   .vehicle_plate = rng.Chance(50) ? std::optional(vehicle.plate) : std::nullopt,
                   .kind = extra ? RunKind::kExtra : RunKind::kRegular,
                   .active = true});
    }
  }
  return {};
}

// ---- Staff and the summary --------------------------------------------------------------------

std::vector<Staff> DemoAccounts(const core::StationCode& main, const core::CreditCode& carrier) {
  return {
      Staff{
          .username = "admin", .display_name = "省级管理员（演示）", .role = Role::kProvinceAdmin},
      Staff{.username = "manager",
            .display_name = "站务经理（演示）",
            .role = Role::kStationManager,
            .station = main},
      Staff{.username = "clerk",
            .display_name = "售票员（演示）",
            .role = Role::kClerk,
            .station = main},
      // The self-service machine (自助售取票机) of the main station: station staff log it in
      // once (/kiosk); its sales, refunds, changes and prints go out on channel kiosk.
      Staff{.username = "kiosk",
            .display_name = "自助售票机（演示）",
            .role = Role::kKiosk,
            .station = main},
      Staff{.username = "gate",
            .display_name = "检票员（演示）",
            .role = Role::kGateOperator,
            .station = main},
      Staff{.username = "dispatcher",
            .display_name = "承运人调度（演示）",
            .role = Role::kCarrierDispatcher,
            .station = main,
            .carrier = carrier},
      Staff{.username = "auditor", .display_name = "审计员（演示）", .role = Role::kAuditor},
  };
}

DemoLogin LoginOf(const Staff& staff) {
  return DemoLogin{.username = staff.username,
                   .password = std::string(kDemoPassword),
                   .role = staff.role,
                   .station = staff.station};
}

// Gives the demo's accounts the roles this version defines for them, on a demo seeded by an
// earlier one (the machine's account `kiosk` was a clerk before role kiosk existed), so the
// documented logins keep working. Only the role changes; station, carrier and password stay.
Result<void> UpdateDemoRoles(NetworkService& network, std::vector<Staff>& staff) {
  const Staff* clerk = nullptr;
  const Staff* dispatcher = nullptr;
  for (const Staff& s : staff) {
    if (s.username == "clerk") clerk = &s;
    if (s.username == "dispatcher") dispatcher = &s;
  }
  if (!clerk || !clerk->station || !dispatcher || !dispatcher->carrier) return {};
  const std::vector<Staff> demo = DemoAccounts(*clerk->station, *dispatcher->carrier);
  for (Staff& s : staff) {
    auto defined = std::find_if(demo.begin(), demo.end(),
                                [&](const Staff& d) { return d.username == s.username; });
    if (defined == demo.end() || defined->role == s.role) continue;
    spdlog::info("demo: account {} becomes {} (was {})", s.username, RoleKey(defined->role),
                 RoleKey(s.role));
    Staff updated = s;
    updated.role = defined->role;
    auto saved = network.UpdateStaff(updated);
    if (!saved) return Propagate(saved);
    s = std::move(updated);
  }
  return {};
}

// Counts of what the store holds, for a demo seeded earlier.
Result<DemoSummary> CountExisting(NetworkService& network) {
  DemoSummary summary;
  summary.already_seeded = true;
  auto stations = network.ListStations(StationQuery{.text = "", .limit = 1000});
  auto carriers = network.ListCarriers();
  auto vehicles = network.ListVehicles();
  auto routes = network.ListRoutes();
  auto schedules = network.ListSchedules();
  auto staff = network.ListStaff();
  if (!stations) return Propagate(stations);
  if (!carriers) return Propagate(carriers);
  if (!vehicles) return Propagate(vehicles);
  if (!routes) return Propagate(routes);
  if (!schedules) return Propagate(schedules);
  if (!staff) return Propagate(staff);
  if (auto updated = UpdateDemoRoles(network, *staff); !updated) return Propagate(updated);
  summary.stations = static_cast<int>(stations->size());
  summary.carriers = static_cast<int>(carriers->size());
  summary.vehicles = static_cast<int>(vehicles->size());
  summary.routes = static_cast<int>(routes->size());
  summary.schedules = static_cast<int>(schedules->size());
  summary.staff = static_cast<int>(staff->size());
  for (const Route& route : *routes) {
    auto fares = network.ListFares(route.code);
    if (!fares) return Propagate(fares);
    summary.fares += static_cast<int>(fares->size());
  }
  for (const Staff& s : *staff) {
    summary.logins.push_back(LoginOf(s));
    if (s.role == Role::kClerk && !summary.main_station) summary.main_station = s.station;
  }
  return summary;
}

// Progress over the fixed steps, then one per day of runs.
class Steps {
 public:
  Steps(const ProgressFn& progress, int total) : progress_(progress), total_(total) {}
  void Done(std::string_view what) {
    ++done_;
    if (progress_) progress_(done_, total_, what);
  }
  [[nodiscard]] int done() const { return done_; }
  [[nodiscard]] int total() const { return total_; }

 private:
  const ProgressFn& progress_;
  const int total_;
  int done_ = 0;
};

// Stores everything made so far, one batch per table (fares per route).
Result<DemoSummary> Store(NetworkService& network, const Province& p, Steps& steps) {
  DemoSummary summary;
  std::vector<Station> stations;
  for (const DemoStation& s : p.stations) stations.push_back(s.station);
  if (auto ok = network.UpsertStations(stations); !ok) return Propagate(ok);
  steps.Done(fmt::format("{} stations", stations.size()));
  if (auto ok = network.UpsertCarriers(p.carriers); !ok) return Propagate(ok);
  steps.Done(fmt::format("{} carriers", p.carriers.size()));
  if (auto ok = network.UpsertVehicles(p.vehicles); !ok) return Propagate(ok);
  steps.Done(fmt::format("{} vehicles", p.vehicles.size()));
  if (auto ok = network.UpsertRoutes(p.routes); !ok) return Propagate(ok);
  steps.Done(fmt::format("{} routes", p.routes.size()));
  for (const Route& route : p.routes) {
    auto stored = network.SetFares(route.code,
                                   ComputeDefaultFares(route, kRateFenPerKm, core::Money::Yuan(1)));
    if (!stored) return Propagate(stored);
    summary.fares += *stored;
  }
  steps.Done(fmt::format("{} fares", summary.fares));
  if (auto ok = network.UpsertSchedules(p.schedules); !ok) return Propagate(ok);
  steps.Done(fmt::format("{} schedules", p.schedules.size()));

  const core::StationCode main = p.stations[p.seat_of[0]].station.code;
  const std::vector<Staff> accounts = DemoAccounts(main, p.carriers.front().credit_code);
  for (const Staff& staff : accounts) {
    auto created = network.CreateStaff(staff, kDemoPassword, core::PasswordCost::kFastForTests);
    if (!created) return Propagate(created);
    summary.logins.push_back(LoginOf(staff));
  }
  steps.Done(fmt::format("{} staff accounts", accounts.size()));

  summary.stations = static_cast<int>(p.stations.size());
  summary.carriers = static_cast<int>(p.carriers.size());
  summary.vehicles = static_cast<int>(p.vehicles.size());
  summary.routes = static_cast<int>(p.routes.size());
  summary.schedules = static_cast<int>(p.schedules.size());
  summary.staff = static_cast<int>(accounts.size());
  summary.main_station = main;
  return summary;
}

}  // namespace

Result<core::CreditCode> MakeCreditCode(std::string_view division_code,
                                        std::uint32_t organisation_serial) {
  // GB 11714 organisation code: 8 characters + check, weights 3 7 9 10 5 8 4 2, mod 11.
  const std::string body = fmt::format("{:08}", organisation_serial % 100000000u);
  static constexpr int kWeights[] = {3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 8; ++i) sum += (body[i] - '0') * kWeights[i];
  const int check = 11 - sum % 11;
  const char org_check = check == 10 ? 'X' : check == 11 ? '0' : static_cast<char>('0' + check);
  const std::string first17 = fmt::format("91{}{}{}", division_code, body, org_check);
  const std::optional<char> last = core::CreditCode::CheckChar(first17);
  if (!last) {
    return InvalidArgument(
        fmt::format("cannot make a credit code from division {}", internal::Quote(division_code)),
        "division_code");
  }
  return core::CreditCode::Parse(first17 + *last);
}

std::string DemoPinyinInitials(std::string_view name) {
  std::string out;
  for (std::size_t i = 0; i < name.size();) {
    const auto lead = static_cast<unsigned char>(name[i]);
    const std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    const char initial = internal::PinyinInitialOf(name.substr(i, length));
    if (initial == '\0') return "";
    out += initial;
    i += length;
  }
  return out.size() <= static_cast<std::size_t>(kMaxPinyinChars) ? out : "";
}

Result<DemoSummary> SeedDemoProvince(NetworkService& network, const DemoOptions& options,
                                     const ProgressFn& progress) {
  auto province = core::ProvinceCode::Parse(options.province_code);
  if (!province) {
    Error error = province.error();
    error.field = "province_code";
    return tl::unexpected(std::move(error));
  }
  if (options.days < 0 || options.days > 366) {
    return InvalidArgument(fmt::format("days must be 0 to 366, not {}", options.days), "days");
  }
  const core::LocalDate first = options.first_date.value_or(network.clock().Now().ShanghaiDate());
  const auto generate_runs = [&](const ProgressFn& report) -> Result<int> {
    if (options.days == 0) return 0;
    return network.GenerateRuns(first, first.AddDays(options.days - 1), report);
  };

  auto any = network.ListStations(StationQuery{.text = "", .limit = 1});
  if (!any) return Propagate(any);
  if (!any->empty()) {
    auto admin = network.GetStaff("admin");
    if (!admin || admin->role != Role::kProvinceAdmin) {
      return FailedPrecondition(
          "the store already holds master data that is not the demo's; seed the demo into an "
          "empty store");
    }
    auto summary = CountExisting(network);
    if (!summary) return Propagate(summary);
    auto runs = generate_runs(progress);
    if (!runs) return Propagate(runs);
    summary->runs_created = *runs;
    return summary;
  }

  // Everything is drawn before anything is stored, in a fixed order: the seed decides it all.
  DemoRandom rng(options.seed);
  Province p;
  p.cities = internal::DemoCitiesOf(province->str());
  if (p.cities.empty()) return InvalidArgument("the province has no counties", "province_code");
  const std::string_view plate_prefix = PlateProvincePrefix(province->str());
  if (auto ok = MakeStations(p, rng); !ok) return Propagate(ok);
  if (auto ok = MakeCarriers(p, plate_prefix, rng); !ok) return Propagate(ok);
  MakeVehicles(p, plate_prefix, rng);
  MakeRoutes(p, rng);
  if (auto ok = MakeSchedules(p, first, rng); !ok) return Propagate(ok);

  Steps steps(progress, 8 + options.days);
  auto summary = Store(network, p, steps);
  if (!summary) return Propagate(summary);
  auto runs = generate_runs([&](int done, int, std::string_view step) {
    if (progress) progress(steps.done() + done, steps.total(), step);
  });
  if (!runs) return Propagate(runs);
  summary->runs_created = *runs;
  if (progress) progress(steps.total(), steps.total(), "demo province ready");
  spdlog::info("network: demo province {} seeded (seed {}): {} stations, {} routes, {} runs",
               province->str(), options.seed, summary->stations, summary->routes,
               summary->runs_created);
  return summary;
}

}  // namespace keyun::network
