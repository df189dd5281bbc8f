#include "network/demo_province.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "core/admin_divisions.h"
#include "network/internal/text.h"

namespace keyun::network {
namespace {

// ---- Randomness that is the same on every platform -------------------------------------------

class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}

  // In [lo, hi]. Plain modulo: the bias is below 2^-50 for the small ranges used here, and
  // unlike std::uniform_int_distribution the mapping is ours, hence portable.
  int Between(int lo, int hi) {
    return lo + static_cast<int>(engine_() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  bool Chance(int percent) { return Between(1, 100) <= percent; }
  template <class T>
  const T& Pick(const std::vector<T>& items) {
    return items[static_cast<std::size_t>(Between(0, static_cast<int>(items.size()) - 1))];
  }
  template <class T>
  void Shuffle(std::vector<T>& items) {
    for (std::size_t i = items.size(); i > 1; --i) {
      std::swap(items[i - 1], items[static_cast<std::size_t>(Between(0, static_cast<int>(i) - 1))]);
    }
  }

 private:
  std::mt19937_64 engine_;
};

// ---- Pinyin initials of the characters in Shandong's station names ---------------------------

struct PinyinInitial {
  std::string_view character;
  char initial;
};

// Readings as used in the place names (单县 Shàn, 莘县 Shēn, 费县 Bì, 东阿 Ē, 乐陵 Lè).
constexpr PinyinInitial kPinyin[] = {
    {"上", 'S'}, {"丘", 'Q'}, {"东", 'D'}, {"临", 'L'}, {"乐", 'L'}, {"乡", 'X'}, {"乳", 'R'},
    {"云", 'Y'}, {"五", 'W'}, {"信", 'X'}, {"光", 'G'}, {"兰", 'L'}, {"兴", 'X'}, {"冠", 'G'},
    {"利", 'L'}, {"单", 'S'}, {"南", 'N'}, {"博", 'B'}, {"原", 'Y'}, {"县", 'X'}, {"口", 'K'},
    {"台", 'T'}, {"唐", 'T'}, {"商", 'S'}, {"嘉", 'J'}, {"坊", 'F'}, {"城", 'C'}, {"夏", 'X'},
    {"威", 'W'}, {"宁", 'N'}, {"安", 'A'}, {"密", 'M'}, {"寿", 'S'}, {"山", 'S'}, {"岛", 'D'},
    {"州", 'Z'}, {"巨", 'J'}, {"平", 'P'}, {"广", 'G'}, {"庄", 'Z'}, {"庆", 'Q'}, {"度", 'D'},
    {"微", 'W'}, {"德", 'D'}, {"总", 'Z'}, {"惠", 'H'}, {"成", 'C'}, {"招", 'Z'}, {"新", 'X'},
    {"无", 'W'}, {"日", 'R'}, {"昌", 'C'}, {"明", 'M'}, {"曲", 'Q'}, {"曹", 'C'}, {"朐", 'Q'},
    {"枣", 'Z'}, {"栖", 'Q'}, {"桓", 'H'}, {"梁", 'L'}, {"棣", 'D'}, {"武", 'W'}, {"民", 'M'},
    {"水", 'S'}, {"汶", 'W'}, {"汽", 'Q'}, {"沂", 'Y'}, {"沭", 'S'}, {"河", 'H'}, {"泗", 'S'},
    {"泰", 'T'}, {"泽", 'Z'}, {"津", 'J'}, {"济", 'J'}, {"海", 'H'}, {"淄", 'Z'}, {"清", 'Q'},
    {"源", 'Y'}, {"滕", 'T'}, {"滨", 'B'}, {"潍", 'W'}, {"烟", 'Y'}, {"照", 'Z'}, {"祥", 'X'},
    {"禹", 'Y'}, {"站", 'Z'}, {"聊", 'L'}, {"肥", 'F'}, {"胶", 'J'}, {"荣", 'R'}, {"莒", 'J'},
    {"莘", 'S'}, {"莱", 'L'}, {"莲", 'L'}, {"菏", 'H'}, {"营", 'Y'}, {"蒙", 'M'}, {"西", 'X'},
    {"诸", 'Z'}, {"谷", 'G'}, {"费", 'B'}, {"车", 'C'}, {"远", 'Y'}, {"途", 'T'}, {"邑", 'Y'},
    {"邹", 'Z'}, {"郓", 'Y'}, {"郯", 'T'}, {"鄄", 'J'}, {"野", 'Y'}, {"金", 'J'}, {"长", 'C'},
    {"阜", 'F'}, {"阳", 'Y'}, {"阴", 'Y'}, {"阿", 'E'}, {"陵", 'L'}, {"霞", 'X'}, {"青", 'Q'},
    {"饶", 'R'}, {"高", 'G'}, {"鱼", 'Y'}, {"齐", 'Q'}, {"龙", 'L'}, {"北", 'B'}, {"客", 'K'},
    {"运", 'Y'}, {"中", 'Z'},
};

// ---- Geography --------------------------------------------------------------------------------

// Neighbouring prefecture-level cities of Shandong (shared borders). Other provinces fall back to
// neighbours in code order, which is coarse but keeps routes within a few prefectures.
const std::map<std::string_view, std::vector<std::string_view>>& ShandongNeighbours() {
  static const std::map<std::string_view, std::vector<std::string_view>> kNeighbours = {
      {"3701", {"3714", "3715", "3709", "3703", "3716"}},
      {"3702", {"3706", "3707", "3711"}},
      {"3703", {"3701", "3716", "3705", "3707", "3713", "3709"}},
      {"3704", {"3708", "3713"}},
      {"3705", {"3716", "3703", "3707"}},
      {"3706", {"3710", "3702", "3707"}},
      {"3707", {"3702", "3706", "3705", "3703", "3713", "3711"}},
      {"3708", {"3717", "3709", "3704", "3713", "3715"}},
      {"3709", {"3701", "3708", "3715", "3713", "3703"}},
      {"3710", {"3706"}},
      {"3711", {"3702", "3707", "3713"}},
      {"3713", {"3711", "3707", "3703", "3709", "3708", "3704"}},
      {"3714", {"3701", "3715", "3716"}},
      {"3715", {"3714", "3701", "3709", "3708", "3717"}},
      {"3716", {"3714", "3701", "3703", "3705"}},
      {"3717", {"3708", "3715"}},
  };
  return kNeighbours;
}

// Shandong's plate letters (鲁A 济南 … 鲁R 菏泽); elsewhere letters follow city order.
const std::map<std::string_view, char>& ShandongPlateLetters() {
  static const std::map<std::string_view, char> kLetters = {
      {"3701", 'A'}, {"3702", 'B'}, {"3703", 'C'}, {"3704", 'D'}, {"3705", 'E'}, {"3706", 'F'},
      {"3707", 'G'}, {"3708", 'H'}, {"3709", 'J'}, {"3710", 'K'}, {"3711", 'L'}, {"3713", 'Q'},
      {"3714", 'N'}, {"3715", 'P'}, {"3716", 'M'}, {"3717", 'R'},
  };
  return kLetters;
}

bool IsDevelopmentZone(std::string_view name) {
  for (std::string_view word : {"开发区", "高新", "管理区", "工业园", "示范区", "试验区", "新区"}) {
    if (name.find(word) != std::string_view::npos) return true;
  }
  return false;
}

bool IsDistrict(std::string_view name) { return name.ends_with("区"); }

// "平阴县" → "平阴", "滕州市" → "滕州"; two-character names keep their suffix ("莒县").
std::string ShortName(std::string_view name) {
  for (std::string_view suffix : {"县", "市", "区", "旗"}) {
    if (name.ends_with(suffix) && internal::Utf8Length(name) > 2) {
      return std::string(name.substr(0, name.size() - suffix.size()));
    }
  }
  return std::string(name);
}

struct City {
  std::string code;
  std::string short_name;                       // "济南"
  std::string full_name;                        // "济南市"
  const core::Division* seat = nullptr;         // the seat district or county
  std::vector<const core::Division*> counties;  // non-seat, non-zone areas
  std::vector<int> neighbours;                  // indexes into the city list
  char plate_letter = 'A';
};

std::vector<City> CitiesOf(std::string_view province) {
  std::vector<City> cities;
  std::map<std::string, std::size_t> index;
  const std::string province_name(core::ProvinceName(province));
  for (const core::Division& county : core::CountiesOfProvince(province)) {
    if (IsDevelopmentZone(county.name)) continue;
    auto [it, fresh] = index.emplace(std::string(county.city_code), cities.size());
    if (fresh) {
      std::string full(core::CityName(county.city_code));
      // Municipalities list their districts under the placeholder "市辖区".
      if (full.empty() || full == "市辖区" || full == "县") full = province_name;
      cities.push_back(City{.code = std::string(county.city_code),
                            .short_name = ShortName(full),
                            .full_name = full,
                            .seat = nullptr,
                            .counties = {},
                            .neighbours = {},
                            .plate_letter = 'A'});
    }
    City& city = cities[it->second];
    if (city.seat == nullptr) {
      city.seat = &county;  // the lowest code: the first urban district
    } else {
      city.counties.push_back(&county);
    }
  }
  const auto& known = ShandongNeighbours();
  const auto& letters = ShandongPlateLetters();
  constexpr std::string_view kLetters = "ABCDEFGHJKLMNPQRSTUVWXYZ";
  for (std::size_t i = 0; i < cities.size(); ++i) {
    City& city = cities[i];
    if (auto found = known.find(city.code); found != known.end()) {
      for (std::string_view code : found->second) {
        if (auto n = index.find(std::string(code)); n != index.end()) {
          city.neighbours.push_back(static_cast<int>(n->second));
        }
      }
    } else {
      if (i > 0) city.neighbours.push_back(static_cast<int>(i - 1));
      if (i + 1 < cities.size()) city.neighbours.push_back(static_cast<int>(i + 1));
    }
    auto letter = letters.find(city.code);
    city.plate_letter = letter != letters.end() ? letter->second : kLetters[i % kLetters.size()];
  }
  return cities;
}

// ---- Stations ---------------------------------------------------------------------------------

struct DemoStation {
  Station station;
  int city = 0;
  bool seat = false;
  std::string short_name;
};

Result<core::StationCode> StationAt(std::string_view county, int sequence) {
  return core::StationCode::Make(county, sequence);
}

Result<std::vector<DemoStation>> MakeStations(const std::vector<City>& cities, Random& rng) {
  std::vector<DemoStation> stations;
  const auto add = [&](const core::Division& county, int sequence, int city, bool seat,
                       std::string name, std::string short_name, int grade) -> Result<void> {
    auto code = StationAt(county.code, sequence);
    if (!code) return Propagate(code);
    std::string pinyin = DemoPinyinInitials(name);
    stations.push_back(DemoStation{
        .station = Station{.code = *code,
                           .name = std::move(name),
                           .grade = grade,
                           .address = fmt::format("{}{}", cities[city].full_name, county.name),
                           .pinyin = std::move(pinyin),
                           .active = true},
        .city = city,
        .seat = seat,
        .short_name = std::move(short_name)});
    return {};
  };
  // Prefecture seats first, then counties and county-level cities.
  for (std::size_t c = 0; c < cities.size(); ++c) {
    const City& city = cities[c];
    const int grade = c == 0 ? 1 : (rng.Chance(25) ? 1 : 2);
    if (auto ok = add(*city.seat, 1, static_cast<int>(c), true,
                      fmt::format("{}长途汽车总站", city.short_name), city.short_name, grade);
        !ok) {
      return Propagate(ok);
    }
  }
  for (std::size_t c = 0; c < cities.size(); ++c) {
    for (const core::Division* county : cities[c].counties) {
      if (IsDistrict(county->name)) continue;
      const int roll = rng.Between(1, 100);
      const int grade = county->name.ends_with("市") ? (roll <= 60 ? 3 : 4)
                                                     : (roll <= 30   ? 3
                                                        : roll <= 75 ? 4
                                                                     : 5);
      const std::string short_name = ShortName(county->name);
      if (auto ok = add(*county, 1, static_cast<int>(c), false, fmt::format("{}汽车站", short_name),
                        short_name, grade);
          !ok) {
        return Propagate(ok);
      }
    }
  }
  // Small provinces (municipalities): districts too, then more stations per area.
  constexpr std::size_t kMinStations = 40;
  for (std::size_t c = 0; c < cities.size() && stations.size() < kMinStations; ++c) {
    for (const core::Division* county : cities[c].counties) {
      if (!IsDistrict(county->name) || stations.size() >= kMinStations) continue;
      const std::string short_name = ShortName(county->name);
      if (auto ok = add(*county, 1, static_cast<int>(c), false, fmt::format("{}汽车站", short_name),
                        short_name, rng.Between(3, 5));
          !ok) {
        return Propagate(ok);
      }
    }
  }
  constexpr std::string_view kExtra[] = {"东站", "西站", "南站", "北站"};
  for (int round = 0; round < 4 && stations.size() < kMinStations; ++round) {
    const std::size_t existing = stations.size();
    for (std::size_t s = 0; s < existing && stations.size() < kMinStations; ++s) {
      if (stations[s].station.code.sequence() != 1) continue;
      const DemoStation base = stations[s];
      const core::Division* county = core::FindCounty(base.station.code.county());
      if (county == nullptr) return Internal("demo station outside the division table");
      if (auto ok = add(*county, 2 + round, base.city, false,
                        fmt::format("{}汽车{}", base.short_name, kExtra[round]), base.short_name,
                        rng.Between(3, 5));
          !ok) {
        return Propagate(ok);
      }
    }
  }
  return stations;
}

// ---- Carriers and vehicles --------------------------------------------------------------------

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

constexpr std::string_view kCarrierWords[] = {"交运", "长途", "快客", "顺达", "通达", "远航",
                                              "金桥", "鸿运", "安达", "畅通", "恒通", "华运"};

// ---- Routes -----------------------------------------------------------------------------------

struct Plan {
  int origin = 0;
  int destination = 0;
  std::vector<int> path;  // city indexes in travel order
};

// A random neighbour of `city`, or the city itself if it has none.
int Neighbour(const std::vector<City>& cities, int city, Random& rng) {
  const auto& n = cities[city].neighbours;
  return n.empty() ? city : rng.Pick(n);
}

int RouteClassOf(const DemoStation& origin, const DemoStation& destination, int total_km) {
  if ((origin.seat && destination.seat) || total_km >= 800) return 1;
  if (origin.seat || destination.seat) return 2;
  return origin.city == destination.city ? 4 : 3;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

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
    const unsigned char lead = static_cast<unsigned char>(name[i]);
    const std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    const std::string_view character = name.substr(i, length);
    const auto found =
        std::find_if(std::begin(kPinyin), std::end(kPinyin),
                     [&](const PinyinInitial& p) { return p.character == character; });
    if (found == std::end(kPinyin)) return "";
    out += found->initial;
    i += length;
  }
  return out.size() <= static_cast<std::size_t>(kMaxPinyinChars) ? out : "";
}

namespace {

// Counts of what the store holds, for a demo seeded earlier.
Result<DemoSummary> CountExisting(NetworkService& network) {
  DemoSummary summary;
  summary.already_seeded = true;
  auto stations = network.ListStations(StationQuery{.text = "", .limit = 1000});
  if (!stations) return Propagate(stations);
  summary.stations = static_cast<int>(stations->size());
  auto carriers = network.ListCarriers();
  if (!carriers) return Propagate(carriers);
  summary.carriers = static_cast<int>(carriers->size());
  auto vehicles = network.ListVehicles();
  if (!vehicles) return Propagate(vehicles);
  summary.vehicles = static_cast<int>(vehicles->size());
  auto routes = network.ListRoutes();
  if (!routes) return Propagate(routes);
  summary.routes = static_cast<int>(routes->size());
  for (const Route& route : *routes) {
    auto fares = network.ListFares(route.code);
    if (!fares) return Propagate(fares);
    summary.fares += static_cast<int>(fares->size());
  }
  auto schedules = network.ListSchedules();
  if (!schedules) return Propagate(schedules);
  summary.schedules = static_cast<int>(schedules->size());
  auto staff = network.ListStaff();
  if (!staff) return Propagate(staff);
  summary.staff = static_cast<int>(staff->size());
  for (const Staff& s : *staff) {
    summary.logins.push_back(DemoLogin{.username = s.username,
                                       .password = std::string(kDemoPassword),
                                       .role = s.role,
                                       .station = s.station});
    if (s.role == Role::kClerk && !summary.main_station) summary.main_station = s.station;
  }
  return summary;
}

struct ProgressSteps {
  const ProgressFn& progress;
  int total;
  int done = 0;
  void Step(std::string_view what) {
    ++done;
    if (progress) progress(done, total, what);
  }
};

}  // namespace

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
  ProgressSteps steps{progress, 8 + options.days};

  // Already seeded?
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
    if (options.days > 0) {
      auto runs = network.GenerateRuns(first, first.AddDays(options.days - 1), progress);
      if (!runs) return Propagate(runs);
      summary->runs_created = *runs;
    }
    return summary;
  }

  Random rng(options.seed);
  const std::vector<City> cities = CitiesOf(province->str());
  if (cities.empty()) return InvalidArgument("the province has no counties", "province_code");

  // Stations.
  auto made = MakeStations(cities, rng);
  if (!made) return Propagate(made);
  const std::vector<DemoStation>& stations = *made;
  std::vector<Station> station_values;
  for (const DemoStation& s : stations) station_values.push_back(s.station);
  if (auto ok = network.UpsertStations(station_values); !ok) return Propagate(ok);
  steps.Step(fmt::format("{} stations", stations.size()));

  std::vector<int> seat_of(cities.size(), -1);
  std::vector<std::vector<int>> stations_in(cities.size());
  for (std::size_t i = 0; i < stations.size(); ++i) {
    if (stations[i].seat) seat_of[stations[i].city] = static_cast<int>(i);
    stations_in[stations[i].city].push_back(static_cast<int>(i));
  }

  // Carriers.
  constexpr int kCarriers = 12;
  std::vector<Carrier> carriers;
  const std::string_view abbreviation = PlateProvincePrefix(province->str());
  for (int k = 0; k < kCarriers; ++k) {
    const int c = k < static_cast<int>(cities.size()) && k < 4
                      ? k
                      : rng.Between(0, static_cast<int>(cities.size()) - 1);
    const City& city = cities[c];
    auto code = MakeCreditCode(city.seat->code,
                               static_cast<std::uint32_t>(rng.Between(10000000, 99999999)));
    if (!code) return Propagate(code);
    std::string name = fmt::format("{}{}汽车运输有限公司", city.short_name, kCarrierWords[k]);
    carriers.push_back(Carrier{
        .credit_code = *code,
        .name = std::move(name),
        .licence_no = fmt::format("{}交运管许可{}字{}00{:06}号", abbreviation,
                                  city.short_name.substr(0, 3), city.code, rng.Between(1, 999999)),
        .home_station = stations[seat_of[c]].station.code});
  }
  if (auto ok = network.UpsertCarriers(carriers); !ok) return Propagate(ok);
  steps.Step(fmt::format("{} carriers", carriers.size()));

  // Vehicles: 4–8 per carrier, plated in the carrier's home city.
  std::vector<Vehicle> vehicles;
  std::vector<std::vector<int>> vehicles_of(carriers.size());
  std::set<std::string> plates;
  for (std::size_t k = 0; k < carriers.size(); ++k) {
    const auto home = std::find_if(stations.begin(), stations.end(), [&](const DemoStation& s) {
      return s.station.code == *carriers[k].home_station;
    });
    const char letter = cities[home != stations.end() ? home->city : 0].plate_letter;
    const int count = rng.Between(4, 8);
    for (int v = 0; v < count; ++v) {
      const VehicleModel& model = kModels[rng.Between(0, static_cast<int>(std::size(kModels)) - 1)];
      std::string plate;
      do {
        plate = rng.Chance(10)
                    ? fmt::format("{}{}D{:05}", abbreviation, letter, rng.Between(0, 99999))
                    : fmt::format("{}{}{:05}", abbreviation, letter, rng.Between(0, 99999));
      } while (!plates.insert(plate).second);
      vehicles_of[k].push_back(static_cast<int>(vehicles.size()));
      vehicles.push_back(Vehicle{.plate = plate,
                                 .carrier = carriers[k].credit_code,
                                 .seats = model.seats,
                                 .layout = std::string(model.layout),
                                 .vehicle_class = model.vehicle_class,
                                 .active = true});
    }
  }
  if (auto ok = network.UpsertVehicles(vehicles); !ok) return Propagate(ok);
  steps.Step(fmt::format("{} vehicles", vehicles.size()));

  // Routes.
  constexpr int kRoutes = 72;
  std::vector<Route> routes;
  std::set<std::pair<int, int>> used;
  std::map<std::string, int> routes_from;  // origin county → routes so far
  const int capital = 0;
  for (int attempt = 0; attempt < 5000 && static_cast<int>(routes.size()) < kRoutes; ++attempt) {
    Plan plan;
    const int kind = attempt < 10 ? 0 : rng.Between(0, 2);
    const int a = attempt < 10 ? capital : rng.Between(0, static_cast<int>(cities.size()) - 1);
    if (kind == 0) {  // seat ↔ seat, through a neighbour or two
      int b = Neighbour(cities, a, rng);
      plan.path = {a};
      if (rng.Chance(35)) {
        const int c = Neighbour(cities, b, rng);
        if (c != a && c != b) {
          plan.path.push_back(b);
          b = c;
        }
      }
      if (b == a) continue;
      plan.path.push_back(b);
      plan.origin = seat_of[a];
      plan.destination = seat_of[b];
    } else if (kind == 1) {  // seat ↔ county, within the city or into a neighbour
      const int b = rng.Chance(50) ? a : Neighbour(cities, a, rng);
      std::vector<int> counties;
      for (int s : stations_in[b]) {
        if (!stations[s].seat) counties.push_back(s);
      }
      if (counties.empty()) continue;
      plan.path = a == b ? std::vector<int>{a} : std::vector<int>{a, b};
      plan.origin = seat_of[a];
      plan.destination = rng.Pick(counties);
    } else {  // county ↔ county
      const int b = rng.Chance(40) ? a : Neighbour(cities, a, rng);
      std::vector<int> from;
      std::vector<int> to;
      for (int s : stations_in[a]) {
        if (!stations[s].seat) from.push_back(s);
      }
      for (int s : stations_in[b]) {
        if (!stations[s].seat) to.push_back(s);
      }
      if (from.empty() || to.empty()) continue;
      plan.path = a == b ? std::vector<int>{a} : std::vector<int>{a, b};
      plan.origin = rng.Pick(from);
      plan.destination = rng.Pick(to);
      if (plan.origin == plan.destination) continue;
    }
    const bool reverse = kind != 0 && attempt >= 10 && rng.Chance(40);
    if (!used.insert({plan.origin, plan.destination}).second) continue;

    // Intermediate stops from the cities on the way, in path order.
    std::vector<std::pair<int, int>> pool;  // (position on path, station)
    for (std::size_t p = 0; p < plan.path.size(); ++p) {
      for (int s : stations_in[plan.path[p]]) {
        if (s != plan.origin && s != plan.destination) pool.push_back({static_cast<int>(p), s});
      }
    }
    if (pool.size() < 2) continue;
    rng.Shuffle(pool);
    pool.resize(
        static_cast<std::size_t>(rng.Between(2, std::min(8, static_cast<int>(pool.size())))));
    std::stable_sort(pool.begin(), pool.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    std::vector<int> order{plan.origin};
    for (const auto& [position, s] : pool) order.push_back(s);
    order.push_back(plan.destination);
    if (reverse) std::reverse(order.begin(), order.end());

    Route route;
    int km = 0;
    for (std::size_t k = 0; k < order.size(); ++k) {
      if (k > 0) km += rng.Between(15, 80);
      route.stops.push_back(RouteStop{.station = stations[order[k]].station.code, .km = km});
    }
    const DemoStation& origin = stations[order.front()];
    const DemoStation& destination = stations[order.back()];
    const std::string county(origin.station.code.county());
    route.code = fmt::format("R{}-{:03}", county, ++routes_from[county]);
    route.name = fmt::format("{}—{}", origin.short_name, destination.short_name);
    route.route_class = RouteClassOf(origin, destination, km);
    route.real_name_required = DefaultRealNameRequired(route.route_class) || rng.Chance(30);
    routes.push_back(std::move(route));
  }
  if (auto ok = network.UpsertRoutes(routes); !ok) return Propagate(ok);
  steps.Step(fmt::format("{} routes", routes.size()));

  // Fares.
  int fares = 0;
  for (const Route& route : routes) {
    const std::vector<Fare> table =
        ComputeDefaultFares(route, {15, 14, 13, 12}, core::Money::Yuan(1));
    auto stored = network.SetFares(route.code, table);
    if (!stored) return Propagate(stored);
    fares += *stored;
  }
  steps.Step(fmt::format("{} fares", fares));

  // Schedules: 2–6 per route, numbered per origin station: K + route number + schedule number.
  std::vector<Schedule> schedules;
  std::map<std::string, int> route_number;  // origin station → routes numbered so far
  for (const Route& route : routes) {
    const int number = ++route_number[route.origin().station.str()];
    std::set<int> minutes;
    const int count = rng.Between(2, 6);
    while (static_cast<int>(minutes.size()) < count) minutes.insert(360 + 10 * rng.Between(0, 78));
    const std::size_t carrier = static_cast<std::size_t>(rng.Between(0, kCarriers - 1));
    int k = 0;
    for (int minute : minutes) {
      const Vehicle& vehicle = vehicles[rng.Pick(vehicles_of[carrier])];
      auto code = core::ScheduleCode::Parse(fmt::format("K{:02}{:02}", number, ++k));
      if (!code) return Propagate(code);
      const bool extra = count >= 4 && k == count && rng.Chance(50);
      const int roll = rng.Between(1, 100);
      const int days = extra        ? 0b1010000
                       : roll <= 80 ? kEveryDay
                       : roll <= 90 ? 0b0011111
                                    : 0b1110000;
      schedules.push_back(
          Schedule{.station = route.origin().station,
                   .code = *code,
                   .route_code = route.code,
                   .departure = *core::TimeOfDay::FromMinutes(minute),
                   .days_mask = days,
                   .valid_from = first,
                   .valid_to = rng.Chance(10) ? std::optional(first.AddDays(90)) : std::nullopt,
                   .carrier = carriers[carrier].credit_code,
                   .vehicle_class = vehicle.vehicle_class,
                   .seats = vehicle.seats,
                   .vehicle_plate = rng.Chance(50) ? std::optional(vehicle.plate) : std::nullopt,
                   .kind = extra ? RunKind::kExtra : RunKind::kRegular,
                   .active = true});
    }
  }
  if (auto ok = network.UpsertSchedules(schedules); !ok) return Propagate(ok);
  steps.Step(fmt::format("{} schedules", schedules.size()));

  // Staff: the province administrator and the main station's team.
  const core::StationCode main = stations[seat_of[capital]].station.code;
  const std::vector<Staff> accounts = {
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
      Staff{.username = "gate",
            .display_name = "检票员（演示）",
            .role = Role::kGateOperator,
            .station = main},
      Staff{.username = "dispatcher",
            .display_name = "承运人调度（演示）",
            .role = Role::kCarrierDispatcher,
            .station = main,
            .carrier = carriers.front().credit_code},
      Staff{.username = "auditor", .display_name = "审计员（演示）", .role = Role::kAuditor},
  };
  DemoSummary summary;
  for (const Staff& staff : accounts) {
    auto created = network.CreateStaff(staff, kDemoPassword, core::PasswordCost::kFastForTests);
    if (!created) return Propagate(created);
    summary.logins.push_back(DemoLogin{.username = staff.username,
                                       .password = std::string(kDemoPassword),
                                       .role = staff.role,
                                       .station = staff.station});
  }
  steps.Step(fmt::format("{} staff accounts", accounts.size()));

  summary.stations = static_cast<int>(stations.size());
  summary.carriers = static_cast<int>(carriers.size());
  summary.vehicles = static_cast<int>(vehicles.size());
  summary.routes = static_cast<int>(routes.size());
  summary.fares = fares;
  summary.schedules = static_cast<int>(schedules.size());
  summary.staff = static_cast<int>(accounts.size());
  summary.main_station = main;

  if (options.days > 0) {
    auto runs = network.GenerateRuns(first, first.AddDays(options.days - 1),
                                     [&](int done, int, std::string_view step) {
                                       if (progress) progress(steps.done + done, steps.total, step);
                                     });
    if (!runs) return Propagate(runs);
    summary.runs_created = *runs;
  }
  if (progress) progress(steps.total, steps.total, "demo province ready");
  spdlog::info("network: demo province {} seeded (seed {}): {} stations, {} routes, {} runs",
               province->str(), options.seed, summary.stations, summary.routes,
               summary.runs_created);
  return summary;
}

}  // namespace keyun::network
