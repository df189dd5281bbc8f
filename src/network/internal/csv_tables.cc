#include "network/internal/csv_tables.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>

#include "network/internal/text.h"

namespace keyun::network::internal {
namespace {

using store::Transaction;

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

constexpr ColumnSpec kStationColumns[] = {{"code"},           {"name"},          {"grade"},
                                          {"address", false}, {"pinyin", false}, {"active", false}};
constexpr ColumnSpec kCarrierColumns[] = {
    {"credit_code"}, {"name"}, {"licence_no"}, {"home_station", false}};
constexpr ColumnSpec kVehicleColumns[] = {{"plate"},  {"carrier"},       {"seats"},
                                          {"layout"}, {"vehicle_class"}, {"active", false}};
constexpr ColumnSpec kRouteColumns[] = {
    {"route_code"}, {"route_name"},   {"route_class"}, {"real_name_required", false},
    {"stop_index"}, {"station_code"}, {"km"}};
constexpr ColumnSpec kFareColumns[] = {{"route_code"},  {"from_station"}, {"to_station"},
                                       {"adult"},       {"child", false}, {"discount", false},
                                       {"station_fee"}, {"cap"}};
constexpr ColumnSpec kScheduleColumns[] = {
    {"station_code"},         {"schedule_code"},   {"route_code"},   {"departure"},     {"days"},
    {"valid_from"},           {"valid_to", false}, {"carrier"},      {"vehicle_class"}, {"seats"},
    {"vehicle_plate", false}, {"kind", false},     {"active", false}};
constexpr ColumnSpec kStaffColumns[] = {{"username"},
                                        {"display_name"},
                                        {"role"},
                                        {"station_code", false},
                                        {"carrier", false},
                                        {"active", false},
                                        {"password", false},
                                        {"password_hash", false}};

std::string WithHeader(std::span<const ColumnSpec> columns) {
  std::string out(kUtf8Bom);
  std::vector<std::string> names;
  for (const ColumnSpec& column : columns) names.emplace_back(column.name);
  AppendCsvRecord(out, names);
  return out;
}

std::string OptionalCell(const std::optional<core::StationCode>& code) {
  return code ? code->str() : std::string();
}

}  // namespace

std::span<const ColumnSpec> ColumnsOf(Table table) {
  switch (table) {
    case Table::kStations:
      return kStationColumns;
    case Table::kCarriers:
      return kCarrierColumns;
    case Table::kVehicles:
      return kVehicleColumns;
    case Table::kRoutes:
      return kRouteColumns;
    case Table::kFares:
      return kFareColumns;
    case Table::kSchedules:
      return kScheduleColumns;
    case Table::kStaff:
      return kStaffColumns;
  }
  return {};
}

// Items built from rows, with the lines they came from: lines[i][0] is item i's first line;
// routes keep one line per stop.

// ---- Rows → values ---------------------------------------------------------------------------

Batch<Station> StationsFrom(std::span<const CsvRecord> rows, const Header& header,
                            std::vector<RowError>& errors) {
  Batch<Station> batch;
  for (const CsvRecord& row : rows) {
    RowReader r(row, header, errors);
    auto code = r.Station("code");
    auto name = r.Required("name");
    auto grade = r.Int("grade", 1, 5);
    auto active = r.Bool("active", true);
    if (!r.ok()) continue;
    batch.items.push_back(Station{.code = *code,
                                  .name = *name,
                                  .grade = *grade,
                                  .address = std::string(r.Text("address")),
                                  .pinyin = ToUpperAscii(r.Text("pinyin")),
                                  .active = *active});
    batch.lines.push_back({r.line()});
  }
  return batch;
}

Batch<Carrier> CarriersFrom(std::span<const CsvRecord> rows, const Header& header,
                            std::vector<RowError>& errors) {
  Batch<Carrier> batch;
  for (const CsvRecord& row : rows) {
    RowReader r(row, header, errors);
    auto code = r.Credit("credit_code");
    auto name = r.Required("name");
    auto licence = r.Required("licence_no");
    std::optional<core::StationCode> home;
    if (!r.Text("home_station").empty()) home = r.Station("home_station");
    if (!r.ok()) continue;
    batch.items.push_back(
        Carrier{.credit_code = *code, .name = *name, .licence_no = *licence, .home_station = home});
    batch.lines.push_back({r.line()});
  }
  return batch;
}

Batch<Vehicle> VehiclesFrom(std::span<const CsvRecord> rows, const Header& header,
                            std::vector<RowError>& errors) {
  Batch<Vehicle> batch;
  for (const CsvRecord& row : rows) {
    RowReader r(row, header, errors);
    auto plate = r.Required("plate");
    auto carrier = r.Credit("carrier");
    auto seats = r.Int("seats", kMinSeats, kMaxSeats);
    auto layout = r.Required("layout");
    auto vehicle_class = r.Take("vehicle_class", ParseVehicleClass(r.Text("vehicle_class")));
    auto active = r.Bool("active", true);
    if (!r.ok()) continue;
    batch.items.push_back(Vehicle{.plate = *plate,
                                  .carrier = *carrier,
                                  .seats = *seats,
                                  .layout = *layout,
                                  .vehicle_class = *vehicle_class,
                                  .active = *active});
    batch.lines.push_back({r.line()});
  }
  return batch;
}

// Routes: rows grouped by route_code (in order of first appearance), stops ordered by index.
Batch<Route> RoutesFrom(std::span<const CsvRecord> rows, const Header& header,
                        std::vector<RowError>& errors) {
  struct StopRow {
    int index;
    int line;
    RouteStop stop;
  };
  struct Group {
    Route route;
    int first_line;
    std::optional<bool> real_name;
    std::vector<StopRow> stops;
    bool bad = false;
  };
  std::vector<Group> groups;
  std::map<std::string, std::size_t> by_code;
  for (const CsvRecord& row : rows) {
    RowReader r(row, header, errors);
    auto code = r.Required("route_code");
    auto name = r.Required("route_name");
    auto route_class = r.Int("route_class", 1, 4);
    std::optional<bool> real_name;
    if (!r.Text("real_name_required").empty()) real_name = r.Bool("real_name_required", true);
    auto stop_index = r.Int("stop_index", 0, kMaxRouteStops - 1);
    auto station = r.Station("station_code");
    auto km = r.Int("km", 0, kMaxRouteKm);
    if (!code) continue;
    auto [it, fresh] = by_code.emplace(*code, groups.size());
    if (fresh) {
      groups.push_back(Group{.route = Route{.code = *code,
                                            .name = name.value_or(""),
                                            .route_class = route_class.value_or(0),
                                            .real_name_required = true,
                                            .stops = {}},
                             .first_line = r.line(),
                             .real_name = real_name,
                             .stops = {},
                             .bad = false});
    }
    Group& group = groups[it->second];
    if (!fresh) {
      if (name && *name != group.route.name) {
        r.Fail("route_name", fmt::format("{} differs from {} on line {} for the same route",
                                         Quote(*name), Quote(group.route.name), group.first_line));
      }
      if (route_class && *route_class != group.route.route_class) {
        r.Fail("route_class", fmt::format("{} differs from {} on line {} for the same route",
                                          *route_class, group.route.route_class, group.first_line));
      }
      if (real_name && group.real_name && *real_name != *group.real_name) {
        r.Fail("real_name_required",
               fmt::format("differs from line {} for the same route", group.first_line));
      }
      if (real_name && !group.real_name) group.real_name = real_name;
    }
    if (!r.ok()) {
      group.bad = true;
      continue;
    }
    group.stops.push_back(StopRow{*stop_index, r.line(), RouteStop{*station, *km}});
  }

  Batch<Route> batch;
  for (Group& group : groups) {
    std::stable_sort(group.stops.begin(), group.stops.end(),
                     [](const StopRow& a, const StopRow& b) { return a.index < b.index; });
    std::vector<int> lines;
    for (std::size_t k = 0; k < group.stops.size(); ++k) {
      const StopRow& stop = group.stops[k];
      if (stop.index != static_cast<int>(k)) {
        const bool repeated = k > 0 && group.stops[k - 1].index == stop.index;
        errors.push_back(RowError{
            stop.line, "stop_index",
            repeated ? fmt::format("stop {} of route {} is also on line {}", stop.index,
                                   group.route.code, group.stops[k - 1].line)
                     : fmt::format("route {} has no stop {}: stop indexes count 0, 1, 2, … "
                                   "without gaps",
                                   group.route.code, k)});
        group.bad = true;
        break;
      }
      group.route.stops.push_back(stop.stop);
      lines.push_back(stop.line);
    }
    if (group.bad) continue;
    group.route.real_name_required =
        group.real_name.value_or(DefaultRealNameRequired(group.route.route_class));
    batch.items.push_back(std::move(group.route));
    batch.lines.push_back(std::move(lines));
  }
  return batch;
}

std::vector<FareRow> FareRowsFrom(std::span<const CsvRecord> rows, const Header& header,
                                  std::vector<RowError>& errors) {
  std::vector<FareRow> out;
  for (const CsvRecord& row : rows) {
    RowReader r(row, header, errors);
    auto route = r.Required("route_code");
    auto from = r.Station("from_station");
    auto to = r.Station("to_station");
    auto adult = r.Money("adult");
    std::optional<core::Money> child;
    if (!r.Text("child").empty()) child = r.Money("child");
    std::optional<core::Money> discount;
    if (!r.Text("discount").empty()) discount = r.Money("discount");
    auto fee = r.Money("station_fee");
    auto cap = r.Money("cap");
    if (!r.ok()) continue;
    out.push_back(FareRow{r.line(), *route, *from, *to, *adult, child, discount, *fee, *cap});
  }
  return out;
}

Result<Batch<Fare>> FaresFrom(Transaction& tx, const std::vector<FareRow>& rows, RouteCache& routes,
                              std::vector<RowError>& errors) {
  Batch<Fare> batch;
  for (const FareRow& row : rows) {
    auto route = routes.Find(tx, row.route_code);
    if (!route) return Propagate(route);
    if (*route == nullptr) {
      errors.push_back(RowError{row.line, "route_code",
                                fmt::format("there is no route {}", Quote(row.route_code))});
      continue;
    }
    const auto from = (*route)->StopIndex(row.from);
    const auto to = (*route)->StopIndex(row.to);
    if (!from) {
      errors.push_back(
          RowError{row.line, "from_station",
                   fmt::format("{} is not a stop of route {}", row.from.str(), row.route_code)});
    }
    if (!to) {
      errors.push_back(
          RowError{row.line, "to_station",
                   fmt::format("{} is not a stop of route {}", row.to.str(), row.route_code)});
    }
    if (!from || !to) continue;
    const core::Money half = row.adult.PercentOf(5000, core::Rounding::kToHalfYuan);
    batch.items.push_back(Fare{.route_code = row.route_code,
                               .from_index = *from,
                               .to_index = *to,
                               .adult = row.adult,
                               .child = row.child.value_or(std::min(half, row.adult)),
                               .discount = row.discount.value_or(std::min(half, row.adult)),
                               .station_fee = row.station_fee,
                               .cap = row.cap});
    batch.lines.push_back({row.line});
  }
  return batch;
}

Batch<Schedule> SchedulesFrom(std::span<const CsvRecord> rows, const Header& header,
                              std::vector<RowError>& errors) {
  Batch<Schedule> batch;
  for (const CsvRecord& row : rows) {
    RowReader r(row, header, errors);
    auto station = r.Station("station_code");
    auto code = r.Take("schedule_code", core::ScheduleCode::Parse(r.Text("schedule_code")));
    auto route = r.Required("route_code");
    auto departure = r.Time("departure");
    auto days = r.Take("days", ParseDays(r.Text("days")));
    auto valid_from = r.Date("valid_from");
    std::optional<core::LocalDate> valid_to;
    if (!r.Text("valid_to").empty()) valid_to = r.Date("valid_to");
    auto carrier = r.Credit("carrier");
    auto vehicle_class = r.Take("vehicle_class", ParseVehicleClass(r.Text("vehicle_class")));
    auto seats = r.Int("seats", kMinSeats, kMaxSeats);
    std::optional<std::string> plate;
    if (!r.Text("vehicle_plate").empty()) plate = std::string(r.Text("vehicle_plate"));
    std::optional<RunKind> kind = RunKind::kRegular;
    if (!r.Text("kind").empty()) kind = r.Take("kind", ParseRunKind(r.Text("kind")));
    auto active = r.Bool("active", true);
    if (!r.ok()) continue;
    batch.items.push_back(Schedule{.station = *station,
                                   .code = *code,
                                   .route_code = *route,
                                   .departure = *departure,
                                   .days_mask = *days,
                                   .valid_from = *valid_from,
                                   .valid_to = valid_to,
                                   .carrier = *carrier,
                                   .vehicle_class = *vehicle_class,
                                   .seats = *seats,
                                   .vehicle_plate = plate,
                                   .kind = *kind,
                                   .active = *active});
    batch.lines.push_back({r.line()});
  }
  return batch;
}

StaffRows StaffFrom(std::span<const CsvRecord> rows, const Header& header, core::PasswordCost cost,
                    std::vector<RowError>& errors) {
  StaffRows out;
  for (const CsvRecord& row : rows) {
    RowReader r(row, header, errors);
    auto username = r.Required("username");
    auto display_name = r.Required("display_name");
    auto role = r.Take("role", ParseRole(r.Text("role")));
    std::optional<core::StationCode> station;
    if (!r.Text("station_code").empty()) station = r.Station("station_code");
    std::optional<core::CreditCode> carrier;
    if (!r.Text("carrier").empty()) carrier = r.Credit("carrier");
    auto active = r.Bool("active", true);
    const std::string_view password = r.Text("password");
    const std::string_view hash = r.Text("password_hash");
    if (!password.empty() && !hash.empty()) {
      r.Fail("password", "give a password or a password_hash, not both");
    } else if (!password.empty()) {
      if (auto ok = ValidatePassword(password); !ok) r.Fail("password", ok.error().message);
    } else if (!hash.empty() && !hash.starts_with("$argon2id$")) {
      r.Fail("password_hash", "is not an Argon2id hash as written by export ($argon2id$…)");
    }
    if (!r.ok()) continue;
    std::string stored_hash(hash);
    if (!password.empty()) {
      auto hashed = core::HashPassword(password, cost);
      if (!hashed) {
        r.Fail("password", hashed.error().message);
        continue;
      }
      stored_hash = std::move(*hashed);
    }
    if (!stored_hash.empty()) out.hashes[*username] = std::move(stored_hash);
    out.batch.items.push_back(Staff{.username = *username,
                                    .display_name = *display_name,
                                    .role = *role,
                                    .station = station,
                                    .carrier = carrier,
                                    .active = *active});
    out.batch.lines.push_back({r.line()});
  }
  return out;
}

// ---- Values → rows ---------------------------------------------------------------------------

Result<std::string> ExportTable(Transaction& tx, Table table) {
  std::string out = WithHeader(ColumnsOf(table));
  switch (table) {
    case Table::kStations: {
      auto stations =
          LoadStations(tx, StationQuery{.text = "", .limit = std::numeric_limits<int>::max()});
      if (!stations) return Propagate(stations);
      for (const Station& s : *stations) {
        AppendCsvRecord(out, {s.code.str(), s.name, std::to_string(s.grade), s.address, s.pinyin,
                              std::string(BoolCell(s.active))});
      }
      break;
    }
    case Table::kCarriers: {
      auto carriers = LoadCarriers(tx);
      if (!carriers) return Propagate(carriers);
      for (const Carrier& c : *carriers) {
        AppendCsvRecord(out,
                        {c.credit_code.str(), c.name, c.licence_no, OptionalCell(c.home_station)});
      }
      break;
    }
    case Table::kVehicles: {
      auto vehicles = LoadVehicles(tx, std::nullopt);
      if (!vehicles) return Propagate(vehicles);
      for (const Vehicle& v : *vehicles) {
        AppendCsvRecord(
            out, {v.plate, v.carrier.str(), std::to_string(v.seats), v.layout,
                  std::string(VehicleClassKey(v.vehicle_class)), std::string(BoolCell(v.active))});
      }
      break;
    }
    case Table::kRoutes: {
      auto routes = LoadRoutes(tx, std::nullopt);
      if (!routes) return Propagate(routes);
      for (const Route& r : *routes) {
        for (std::size_t k = 0; k < r.stops.size(); ++k) {
          AppendCsvRecord(out, {r.code, r.name, std::to_string(r.route_class),
                                std::string(BoolCell(r.real_name_required)), std::to_string(k),
                                r.stops[k].station.str(), std::to_string(r.stops[k].km)});
        }
      }
      break;
    }
    case Table::kFares: {
      auto routes = LoadRoutes(tx, std::nullopt);
      if (!routes) return Propagate(routes);
      std::map<std::string, const Route*> by_code;
      for (const Route& r : *routes) by_code[r.code] = &r;
      auto fares = LoadFares(tx, std::nullopt);
      if (!fares) return Propagate(fares);
      for (const Fare& f : *fares) {
        const Route* route = by_code.at(f.route_code);
        AppendCsvRecord(
            out, {f.route_code, route->stops.at(f.from_index).station.str(),
                  route->stops.at(f.to_index).station.str(), f.adult.ToString(), f.child.ToString(),
                  f.discount.ToString(), f.station_fee.ToString(), f.cap.ToString()});
      }
      break;
    }
    case Table::kSchedules: {
      auto schedules = LoadSchedules(tx, std::nullopt);
      if (!schedules) return Propagate(schedules);
      for (const Schedule& s : *schedules) {
        AppendCsvRecord(out, {s.station.str(), s.code.str(), s.route_code, s.departure.ToString(),
                              DaysToString(s.days_mask), s.valid_from.ToString(),
                              s.valid_to ? s.valid_to->ToString() : std::string(), s.carrier.str(),
                              std::string(VehicleClassKey(s.vehicle_class)),
                              std::to_string(s.seats), s.vehicle_plate.value_or(""),
                              std::string(RunKindKey(s.kind)), std::string(BoolCell(s.active))});
      }
      break;
    }
    case Table::kStaff: {
      auto staff = LoadAllStaff(tx, std::nullopt);
      if (!staff) return Propagate(staff);
      for (const StaffRecord& s : *staff) {
        AppendCsvRecord(out,
                        {s.staff.username, s.staff.display_name, std::string(RoleKey(s.staff.role)),
                         OptionalCell(s.staff.station),
                         s.staff.carrier ? s.staff.carrier->str() : std::string(),
                         std::string(BoolCell(s.staff.active)), std::string(), s.password_hash});
      }
      break;
    }
  }
  return out;
}

}  // namespace keyun::network::internal
