// Stations, carriers, vehicles, routes and fares in the store (schema: 0002_master_data.sql).
#include "network/internal/records.h"

#include <fmt/format.h>

#include "network/internal/sql.h"
#include "network/internal/text.h"

namespace keyun::network::internal {
namespace {

// ---- Stations

constexpr std::string_view kStationColumns =
    "code, name, grade, address, pinyin, active FROM stations";

Result<Station> StationFromRow(const store::Row& row) {
  auto code = StoredStationCode(row.Text(0));
  if (!code) return Propagate(code);
  return Station{.code = *code,
                 .name = row.Text(1),
                 .grade = static_cast<int>(row.Int(2)),
                 .address = row.Text(3),
                 .pinyin = row.Text(4),
                 .active = row.Int(5) != 0};
}

// `text` with the LIKE wildcards escaped by '!'.
std::string EscapeLike(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '%' || c == '_' || c == '!') out += '!';
    out += c;
  }
  return out;
}

// ---- Carriers

Result<Carrier> CarrierFromRow(const store::Row& row) {
  auto code = StoredCreditCode(row.Text(0));
  if (!code) return Propagate(code);
  Carrier carrier{.credit_code = *code, .name = row.Text(1), .licence_no = row.Text(2)};
  if (auto home = row.OptionalText(3)) {
    auto station = StoredStationCode(*home);
    if (!station) return Propagate(station);
    carrier.home_station = *station;
  }
  return carrier;
}

// ---- Vehicles

Result<Vehicle> VehicleFromRow(const store::Row& row) {
  auto carrier = StoredCreditCode(row.Text(1));
  if (!carrier) return Propagate(carrier);
  auto vehicle_class = StoredVehicleClass(row.Text(4));
  if (!vehicle_class) return Propagate(vehicle_class);
  return Vehicle{.plate = row.Text(0),
                 .carrier = *carrier,
                 .seats = static_cast<int>(row.Int(2)),
                 .layout = row.Text(3),
                 .vehicle_class = *vehicle_class,
                 .active = row.Int(5) != 0};
}

// ---- Routes

Route RouteFromRow(const store::Row& row) {
  return Route{.code = row.Text(0),
               .name = row.Text(1),
               .route_class = static_cast<int>(row.Int(2)),
               .real_name_required = row.Int(3) != 0,
               .stops = {}};
}

// Appends the stops in `rows` (route_code, stop_index, station_code, km; ordered) to the routes
// in `routes` (ordered by code).
Result<void> AttachStops(const store::Rows& rows, std::vector<Route>& routes) {
  std::size_t r = 0;
  for (const store::Row& row : rows) {
    while (r < routes.size() && routes[r].code != row.Text(0)) ++r;
    if (r == routes.size()) return Internal("route_stops out of order with routes");
    auto station = StoredStationCode(row.Text(2));
    if (!station) return Propagate(station);
    routes[r].stops.push_back(RouteStop{.station = *station, .km = static_cast<int>(row.Int(3))});
  }
  return {};
}

// ---- Fares

Result<Fare> FareFromRow(const store::Row& row) {
  return Fare{.route_code = row.Text(0),
              .from_index = static_cast<int>(row.Int(1)),
              .to_index = static_cast<int>(row.Int(2)),
              .adult = core::Money::Fen(row.Int(3)),
              .child = core::Money::Fen(row.Int(4)),
              .discount = core::Money::Fen(row.Int(5)),
              .station_fee = core::Money::Fen(row.Int(6)),
              .cap = core::Money::Fen(row.Int(7))};
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Stations

Result<std::optional<Station>> LoadStation(Transaction& tx, const core::StationCode& code) {
  auto rows = tx.Query(fmt::format("SELECT {} WHERE code = $1", kStationColumns), {code.str()});
  if (!rows) return Propagate(rows);
  if (rows->empty()) return std::optional<Station>();
  auto station = StationFromRow(rows->front());
  if (!station) return Propagate(station);
  return std::optional<Station>(std::move(*station));
}

Result<std::vector<Station>> LoadStations(Transaction& tx, const StationQuery& query) {
  const std::string text(Trim(query.text));
  const std::string active_filter = query.include_inactive ? "" : " AND active = 1";
  Result<store::Rows> rows;
  if (text.empty()) {
    rows = tx.Query(fmt::format("SELECT {} WHERE 1 = 1{} ORDER BY code LIMIT $1", kStationColumns,
                                active_filter),
                    {std::int64_t{query.limit}});
  } else {
    const std::string escaped = EscapeLike(text);
    rows = tx.Query(
        fmt::format("SELECT {} WHERE (code LIKE $1 ESCAPE '!' OR name LIKE $2 ESCAPE '!' OR "
                    "pinyin LIKE $3 ESCAPE '!'){} ORDER BY code LIMIT $4",
                    kStationColumns, active_filter),
        {escaped + "%", "%" + escaped + "%", ToUpperAscii(escaped) + "%",
         std::int64_t{query.limit}});
  }
  if (!rows) return Propagate(rows);
  std::vector<Station> stations;
  for (const store::Row& row : *rows) {
    auto station = StationFromRow(row);
    if (!station) return Propagate(station);
    stations.push_back(std::move(*station));
  }
  return stations;
}

Result<void> ValidateRecord(const Station& station) { return ValidateStation(station); }
std::string RecordKey(const Station& station) { return station.code.str(); }
Result<void> CheckReferences(Transaction&, const Station&) { return {}; }

Result<Upserted> SaveRecord(Transaction& tx, const Station& station) {
  auto exists = Exists(tx, "SELECT 1 FROM stations WHERE code = $1", {station.code.str()});
  if (!exists) return Propagate(exists);
  auto done = tx.Execute(
      "INSERT INTO stations (code, name, grade, county_code, address, pinyin, active) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (code) DO UPDATE SET "
      "name = excluded.name, grade = excluded.grade, county_code = excluded.county_code, "
      "address = excluded.address, pinyin = excluded.pinyin, active = excluded.active",
      {station.code.str(), station.name, std::int64_t{station.grade},
       std::string(station.county_code()), station.address, ToUpperAscii(station.pinyin),
       Bool(station.active)});
  if (!done) return Propagate(done);
  return *exists ? Upserted::kUpdated : Upserted::kInserted;
}

// ---------------------------------------------------------------------------------------------
// Carriers

Result<std::optional<Carrier>> LoadCarrier(Transaction& tx, const core::CreditCode& code) {
  auto rows = tx.Query(
      "SELECT credit_code, name, licence_no, home_station FROM carriers WHERE credit_code = $1",
      {code.str()});
  if (!rows) return Propagate(rows);
  if (rows->empty()) return std::optional<Carrier>();
  auto carrier = CarrierFromRow(rows->front());
  if (!carrier) return Propagate(carrier);
  return std::optional<Carrier>(std::move(*carrier));
}

Result<std::vector<Carrier>> LoadCarriers(Transaction& tx) {
  auto rows = tx.Query(
      "SELECT credit_code, name, licence_no, home_station FROM carriers ORDER BY credit_code");
  if (!rows) return Propagate(rows);
  std::vector<Carrier> carriers;
  for (const store::Row& row : *rows) {
    auto carrier = CarrierFromRow(row);
    if (!carrier) return Propagate(carrier);
    carriers.push_back(std::move(*carrier));
  }
  return carriers;
}

Result<void> ValidateRecord(const Carrier& carrier) { return ValidateCarrier(carrier); }
std::string RecordKey(const Carrier& carrier) { return carrier.credit_code.str(); }

Result<void> CheckReferences(Transaction& tx, const Carrier& carrier) {
  if (!carrier.home_station) return {};
  return RequireStation(tx, *carrier.home_station, "home_station");
}

Result<Upserted> SaveRecord(Transaction& tx, const Carrier& carrier) {
  auto exists =
      Exists(tx, "SELECT 1 FROM carriers WHERE credit_code = $1", {carrier.credit_code.str()});
  if (!exists) return Propagate(exists);
  auto done = tx.Execute(
      "INSERT INTO carriers (credit_code, name, licence_no, home_station) "
      "VALUES ($1, $2, $3, $4) ON CONFLICT (credit_code) DO UPDATE SET "
      "name = excluded.name, licence_no = excluded.licence_no, "
      "home_station = excluded.home_station",
      {carrier.credit_code.str(), carrier.name, carrier.licence_no,
       OptionalText(carrier.home_station)});
  if (!done) return Propagate(done);
  return *exists ? Upserted::kUpdated : Upserted::kInserted;
}

// ---------------------------------------------------------------------------------------------
// Vehicles

Result<std::optional<Vehicle>> LoadVehicle(Transaction& tx, std::string_view plate) {
  auto rows = tx.Query(
      "SELECT plate, carrier_code, seats, layout, vehicle_class, active FROM vehicles "
      "WHERE plate = $1",
      {std::string(plate)});
  if (!rows) return Propagate(rows);
  if (rows->empty()) return std::optional<Vehicle>();
  auto vehicle = VehicleFromRow(rows->front());
  if (!vehicle) return Propagate(vehicle);
  return std::optional<Vehicle>(std::move(*vehicle));
}

Result<std::vector<Vehicle>> LoadVehicles(Transaction& tx,
                                          const std::optional<core::CreditCode>& carrier) {
  constexpr std::string_view kSelect =
      "SELECT plate, carrier_code, seats, layout, vehicle_class, active FROM vehicles";
  auto rows = carrier ? tx.Query(fmt::format("{} WHERE carrier_code = $1 ORDER BY plate", kSelect),
                                 {carrier->str()})
                      : tx.Query(fmt::format("{} ORDER BY plate", kSelect));
  if (!rows) return Propagate(rows);
  std::vector<Vehicle> vehicles;
  for (const store::Row& row : *rows) {
    auto vehicle = VehicleFromRow(row);
    if (!vehicle) return Propagate(vehicle);
    vehicles.push_back(std::move(*vehicle));
  }
  return vehicles;
}

Result<void> ValidateRecord(const Vehicle& vehicle) { return ValidateVehicle(vehicle); }
std::string RecordKey(const Vehicle& vehicle) { return vehicle.plate; }

Result<void> CheckReferences(Transaction& tx, const Vehicle& vehicle) {
  return RequireCarrier(tx, vehicle.carrier, "carrier");
}

Result<Upserted> SaveRecord(Transaction& tx, const Vehicle& vehicle) {
  auto exists = Exists(tx, "SELECT 1 FROM vehicles WHERE plate = $1", {vehicle.plate});
  if (!exists) return Propagate(exists);
  auto done = tx.Execute(
      "INSERT INTO vehicles (plate, carrier_code, seats, layout, vehicle_class, active) "
      "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (plate) DO UPDATE SET "
      "carrier_code = excluded.carrier_code, seats = excluded.seats, layout = excluded.layout, "
      "vehicle_class = excluded.vehicle_class, active = excluded.active",
      {vehicle.plate, vehicle.carrier.str(), std::int64_t{vehicle.seats}, vehicle.layout,
       std::string(VehicleClassKey(vehicle.vehicle_class)), Bool(vehicle.active)});
  if (!done) return Propagate(done);
  return *exists ? Upserted::kUpdated : Upserted::kInserted;
}

// ---------------------------------------------------------------------------------------------
// Routes

Result<std::optional<Route>> LoadRoute(Transaction& tx, std::string_view code) {
  auto rows =
      tx.Query("SELECT code, name, route_class, real_name_required FROM routes WHERE code = $1",
               {std::string(code)});
  if (!rows) return Propagate(rows);
  if (rows->empty()) return std::optional<Route>();
  std::vector<Route> routes{RouteFromRow(rows->front())};
  auto stops = tx.Query(
      "SELECT route_code, stop_index, station_code, km FROM route_stops WHERE route_code = $1 "
      "ORDER BY stop_index",
      {std::string(code)});
  if (!stops) return Propagate(stops);
  if (auto ok = AttachStops(*stops, routes); !ok) return Propagate(ok);
  return std::optional<Route>(std::move(routes.front()));
}

Result<std::vector<Route>> LoadRoutes(Transaction& tx,
                                      const std::optional<core::StationCode>& serving) {
  Result<store::Rows> rows;
  Result<store::Rows> stops;
  if (serving) {
    constexpr std::string_view kServing =
        "(SELECT route_code FROM route_stops WHERE station_code = $1)";
    rows = tx.Query(fmt::format("SELECT code, name, route_class, real_name_required FROM routes "
                                "WHERE code IN {} ORDER BY code",
                                kServing),
                    {serving->str()});
    if (rows) {
      stops = tx.Query(fmt::format("SELECT route_code, stop_index, station_code, km FROM "
                                   "route_stops WHERE route_code IN {} "
                                   "ORDER BY route_code, stop_index",
                                   kServing),
                       {serving->str()});
    }
  } else {
    rows = tx.Query("SELECT code, name, route_class, real_name_required FROM routes ORDER BY code");
    if (rows) {
      stops = tx.Query(
          "SELECT route_code, stop_index, station_code, km FROM route_stops "
          "ORDER BY route_code, stop_index");
    }
  }
  if (!rows) return Propagate(rows);
  if (!stops) return Propagate(stops);
  std::vector<Route> routes;
  for (const store::Row& row : *rows) routes.push_back(RouteFromRow(row));
  if (auto ok = AttachStops(*stops, routes); !ok) return Propagate(ok);
  return routes;
}

Result<void> ValidateRecord(const Route& route) { return ValidateRoute(route); }
std::string RecordKey(const Route& route) { return route.code; }

Result<void> CheckReferences(Transaction& tx, const Route& route, core::LocalDate today) {
  for (std::size_t i = 0; i < route.stops.size(); ++i) {
    if (auto ok = RequireStation(tx, route.stops[i].station, fmt::format("stops[{}].station", i));
        !ok) {
      return ok;
    }
  }
  auto existing = LoadRoute(tx, route.code);
  if (!existing) return Propagate(existing);
  if (!*existing || (*existing)->stops == route.stops) return {};
  auto on_sale = tx.Query(
      "SELECT COUNT(*) FROM runs WHERE route_code = $1 AND run_date >= $2 "
      "AND status IN ('open', 'stopped_sold')",
      {route.code, today.ToString()});
  if (!on_sale) return Propagate(on_sale);
  if (const std::int64_t runs = on_sale->front().Int(0); runs > 0) {
    return FailedPrecondition(
        fmt::format("route {} has {} runs on sale from {} on: its stops cannot change under "
                    "them; stop those runs or create a new route",
                    route.code, runs, today.ToString()),
        "stops");
  }
  if ((*existing)->origin().station != route.origin().station) {
    auto schedules = tx.Query("SELECT COUNT(*) FROM schedules WHERE route_code = $1", {route.code});
    if (!schedules) return Propagate(schedules);
    if (const std::int64_t count = schedules->front().Int(0); count > 0) {
      return FailedPrecondition(
          fmt::format("route {} has {} schedules departing from {}: its origin cannot change; "
                      "create a new route",
                      route.code, count, (*existing)->origin().station.str()),
          "stops");
    }
  }
  return {};
}

Result<Upserted> SaveRecord(Transaction& tx, const Route& route) {
  auto existing = LoadRoute(tx, route.code);
  if (!existing) return Propagate(existing);
  const bool stops_changed = !*existing || (*existing)->stops != route.stops;
  if (*existing && stops_changed) {
    if (auto ok = DeleteFares(tx, route.code); !ok) return Propagate(ok);
    auto deleted = tx.Execute("DELETE FROM route_stops WHERE route_code = $1", {route.code});
    if (!deleted) return Propagate(deleted);
  }
  auto done = tx.Execute(
      "INSERT INTO routes (code, name, route_class, real_name_required, origin_code, "
      "destination_code, total_km) VALUES ($1, $2, $3, $4, $5, $6, $7) "
      "ON CONFLICT (code) DO UPDATE SET name = excluded.name, "
      "route_class = excluded.route_class, real_name_required = excluded.real_name_required, "
      "origin_code = excluded.origin_code, destination_code = excluded.destination_code, "
      "total_km = excluded.total_km",
      {route.code, route.name, std::int64_t{route.route_class}, Bool(route.real_name_required),
       route.origin().station.str(), route.destination().station.str(),
       std::int64_t{route.total_km()}});
  if (!done) return Propagate(done);
  if (stops_changed) {
    for (std::size_t i = 0; i < route.stops.size(); ++i) {
      auto stop = tx.Execute(
          "INSERT INTO route_stops (route_code, stop_index, station_code, km) "
          "VALUES ($1, $2, $3, $4)",
          {route.code, static_cast<std::int64_t>(i), route.stops[i].station.str(),
           std::int64_t{route.stops[i].km}});
      if (!stop) return Propagate(stop);
    }
  }
  return *existing ? Upserted::kUpdated : Upserted::kInserted;
}

// ---------------------------------------------------------------------------------------------
// Fares

Result<const Route*> RouteCache::Find(Transaction& tx, std::string_view code) {
  auto found = routes_.find(std::string(code));
  if (found == routes_.end()) {
    auto route = LoadRoute(tx, code);
    if (!route) return Propagate(route);
    found = routes_.emplace(std::string(code), std::move(*route)).first;
  }
  return found->second ? &*found->second : nullptr;
}

Result<std::vector<Fare>> LoadFares(Transaction& tx, const std::optional<std::string>& route_code) {
  constexpr std::string_view kSelect =
      "SELECT route_code, from_index, to_index, adult_fen, child_fen, discount_fen, "
      "station_fee_fen, cap_fen FROM fares";
  auto rows =
      route_code
          ? tx.Query(fmt::format("{} WHERE route_code = $1 ORDER BY from_index, to_index", kSelect),
                     {*route_code})
          : tx.Query(fmt::format("{} ORDER BY route_code, from_index, to_index", kSelect));
  if (!rows) return Propagate(rows);
  std::vector<Fare> fares;
  for (const store::Row& row : *rows) {
    auto fare = FareFromRow(row);
    if (!fare) return Propagate(fare);
    fares.push_back(std::move(*fare));
  }
  return fares;
}

std::string RecordKey(const Fare& fare) {
  return fmt::format("{}:{}-{}", fare.route_code, fare.from_index, fare.to_index);
}

Result<void> CheckFare(Transaction& tx, const Fare& fare, RouteCache& routes) {
  auto route = routes.Find(tx, fare.route_code);
  if (!route) return Propagate(route);
  if (*route == nullptr) {
    return FailedPrecondition(fmt::format("there is no route {}", Quote(fare.route_code)),
                              "route_code");
  }
  return ValidateFare(fare, **route);
}

Result<Upserted> SaveRecord(Transaction& tx, const Fare& fare) {
  auto exists =
      Exists(tx, "SELECT 1 FROM fares WHERE route_code = $1 AND from_index = $2 AND to_index = $3",
             {fare.route_code, std::int64_t{fare.from_index}, std::int64_t{fare.to_index}});
  if (!exists) return Propagate(exists);
  auto done = tx.Execute(
      "INSERT INTO fares (route_code, from_index, to_index, adult_fen, child_fen, discount_fen, "
      "station_fee_fen, cap_fen) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
      "ON CONFLICT (route_code, from_index, to_index) DO UPDATE SET "
      "adult_fen = excluded.adult_fen, child_fen = excluded.child_fen, "
      "discount_fen = excluded.discount_fen, station_fee_fen = excluded.station_fee_fen, "
      "cap_fen = excluded.cap_fen",
      {fare.route_code, std::int64_t{fare.from_index}, std::int64_t{fare.to_index},
       fare.adult.fen(), fare.child.fen(), fare.discount.fen(), fare.station_fee.fen(),
       fare.cap.fen()});
  if (!done) return Propagate(done);
  return *exists ? Upserted::kUpdated : Upserted::kInserted;
}

Result<void> DeleteFares(Transaction& tx, std::string_view route_code) {
  auto done = tx.Execute("DELETE FROM fares WHERE route_code = $1", {std::string(route_code)});
  if (!done) return Propagate(done);
  return {};
}

// ---------------------------------------------------------------------------------------------
// Batches

Error BatchError(std::string_view name, const std::vector<ItemError>& errors) {
  Error out;
  if (errors.empty()) return Internal("empty batch error").value();
  out.code = errors.front().error.code;
  for (const ItemError& item : errors) {
    const std::string where = item.error.field.empty()
                                  ? fmt::format("{}[{}]", name, item.index)
                                  : fmt::format("{}[{}].{}", name, item.index, item.error.field);
    if (out.field.empty()) out.field = where;
    std::string message = item.error.message;
    if (item.duplicate_of) {
      message = fmt::format("{} (already given as {}[{}])", message, name, *item.duplicate_of);
    }
    if (!out.message.empty()) out.message += '\n';
    out.message += fmt::format("{}: {}", where, message);
  }
  return out;
}

}  // namespace keyun::network::internal
