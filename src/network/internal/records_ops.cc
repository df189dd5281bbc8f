// Schedules, staff and runs in the store (schema: 0002_master_data.sql).
#include <fmt/format.h>

#include "network/internal/records.h"
#include "network/internal/sql.h"
#include "network/internal/text.h"

namespace keyun::network::internal {
namespace {

// ---- Schedules

constexpr std::string_view kScheduleSelect =
    "SELECT station_code, code, route_code, departure_minute, days_mask, valid_from, valid_to, "
    "carrier_code, vehicle_class, seats, vehicle_plate, kind, active FROM schedules";

Result<Schedule> ScheduleFromRow(const store::Row& row) {
  auto station = StoredStationCode(row.Text(0));
  if (!station) return Propagate(station);
  auto code = StoredScheduleCode(row.Text(1));
  if (!code) return Propagate(code);
  auto departure = core::TimeOfDay::FromMinutes(static_cast<int>(row.Int(3)));
  if (!departure) return Internal("stored departure_minute out of range");
  auto valid_from = StoredDate(row.Text(5));
  if (!valid_from) return Propagate(valid_from);
  std::optional<core::LocalDate> valid_to;
  if (auto text = row.OptionalText(6)) {
    auto date = StoredDate(*text);
    if (!date) return Propagate(date);
    valid_to = *date;
  }
  auto carrier = StoredCreditCode(row.Text(7));
  if (!carrier) return Propagate(carrier);
  auto vehicle_class = StoredVehicleClass(row.Text(8));
  if (!vehicle_class) return Propagate(vehicle_class);
  auto kind = ParseRunKind(row.Text(11));
  if (!kind) return Internal("stored schedule kind is invalid");
  return Schedule{.station = *station,
                  .code = *code,
                  .route_code = row.Text(2),
                  .departure = *departure,
                  .days_mask = static_cast<int>(row.Int(4)),
                  .valid_from = *valid_from,
                  .valid_to = valid_to,
                  .carrier = *carrier,
                  .vehicle_class = *vehicle_class,
                  .seats = static_cast<int>(row.Int(9)),
                  .vehicle_plate = row.OptionalText(10),
                  .kind = *kind,
                  .active = row.Int(12) != 0};
}

// ---- Staff

constexpr std::string_view kStaffSelect =
    "SELECT username, display_name, role, station_code, carrier_code, active, password_hash "
    "FROM staff";

Result<StaffRecord> StaffFromRow(const store::Row& row) {
  auto role = ParseRole(row.Text(2));
  if (!role) return Internal("stored staff role is invalid");
  StaffRecord record{.staff = Staff{.username = row.Text(0),
                                    .display_name = row.Text(1),
                                    .role = *role,
                                    .station = std::nullopt,
                                    .carrier = std::nullopt,
                                    .active = row.Int(5) != 0},
                     .password_hash = row.Text(6)};
  if (auto text = row.OptionalText(3)) {
    auto station = StoredStationCode(*text);
    if (!station) return Propagate(station);
    record.staff.station = *station;
  }
  if (auto text = row.OptionalText(4)) {
    auto carrier = StoredCreditCode(*text);
    if (!carrier) return Propagate(carrier);
    record.staff.carrier = *carrier;
  }
  return record;
}

// ---- Runs

constexpr std::string_view kRunColumns =
    "r.run_id, r.route_code, r.departs_at, r.status, r.kind, r.seats, r.carrier_code, "
    "r.vehicle_class";

Result<Run> RunFromRow(const store::Row& row) {
  auto id = StoredRunId(row.Text(0));
  if (!id) return Propagate(id);
  auto status = ParseRunStatus(row.Text(3));
  if (!status) return Internal("stored run status is invalid");
  auto kind = ParseRunKind(row.Text(4));
  if (!kind) return Internal("stored run kind is invalid");
  auto carrier = StoredCreditCode(row.Text(6));
  if (!carrier) return Propagate(carrier);
  auto vehicle_class = StoredVehicleClass(row.Text(7));
  if (!vehicle_class) return Propagate(vehicle_class);
  return Run{.id = *id,
             .route_code = row.Text(1),
             .departs_at = core::Instant::FromUnixMicros(row.Int(2)),
             .status = *status,
             .kind = *kind,
             .seats = static_cast<int>(row.Int(5)),
             .carrier = *carrier,
             .vehicle_class = *vehicle_class};
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Schedules

Result<std::optional<Schedule>> LoadSchedule(Transaction& tx, const core::StationCode& station,
                                             const core::ScheduleCode& code) {
  auto rows = tx.Query(fmt::format("{} WHERE station_code = $1 AND code = $2", kScheduleSelect),
                       {station.str(), code.str()});
  if (!rows) return Propagate(rows);
  if (rows->empty()) return std::optional<Schedule>();
  auto schedule = ScheduleFromRow(rows->front());
  if (!schedule) return Propagate(schedule);
  return std::optional<Schedule>(std::move(*schedule));
}

Result<std::vector<Schedule>> LoadSchedules(Transaction& tx,
                                            const std::optional<core::StationCode>& station) {
  constexpr std::string_view kOrder = "ORDER BY station_code, departure_minute, code";
  auto rows = station
                  ? tx.Query(fmt::format("{} WHERE station_code = $1 {}", kScheduleSelect, kOrder),
                             {station->str()})
                  : tx.Query(fmt::format("{} {}", kScheduleSelect, kOrder));
  if (!rows) return Propagate(rows);
  std::vector<Schedule> schedules;
  for (const store::Row& row : *rows) {
    auto schedule = ScheduleFromRow(row);
    if (!schedule) return Propagate(schedule);
    schedules.push_back(std::move(*schedule));
  }
  return schedules;
}

Result<void> ValidateRecord(const Schedule& schedule) { return ValidateSchedule(schedule); }

std::string RecordKey(const Schedule& schedule) {
  return fmt::format("{}/{}", schedule.station.str(), schedule.code.str());
}

Result<void> CheckReferences(Transaction& tx, const Schedule& schedule) {
  auto origin = tx.Query("SELECT origin_code FROM routes WHERE code = $1", {schedule.route_code});
  if (!origin) return Propagate(origin);
  if (origin->empty()) {
    return FailedPrecondition(fmt::format("there is no route {}", Quote(schedule.route_code)),
                              "route_code");
  }
  if (origin->front().Text(0) != schedule.station.str()) {
    return FailedPrecondition(
        fmt::format("route {} departs from {}, not from {}: a schedule belongs to its route's "
                    "origin station",
                    schedule.route_code, origin->front().Text(0), schedule.station.str()),
        "station");
  }
  if (auto ok = RequireCarrier(tx, schedule.carrier, "carrier"); !ok) return ok;
  if (schedule.vehicle_plate) {
    auto vehicle = LoadVehicle(tx, *schedule.vehicle_plate);
    if (!vehicle) return Propagate(vehicle);
    if (!*vehicle) {
      return FailedPrecondition(fmt::format("there is no vehicle {}", *schedule.vehicle_plate),
                                "vehicle_plate");
    }
    if ((*vehicle)->carrier != schedule.carrier) {
      return FailedPrecondition(
          fmt::format("vehicle {} belongs to carrier {}, not to the schedule's carrier {}",
                      *schedule.vehicle_plate, (*vehicle)->carrier.str(), schedule.carrier.str()),
          "vehicle_plate");
    }
    if ((*vehicle)->seats < schedule.seats) {
      return FailedPrecondition(
          fmt::format("vehicle {} has {} licensed seats, fewer than the {} the schedule sells",
                      *schedule.vehicle_plate, (*vehicle)->seats, schedule.seats),
          "vehicle_plate");
    }
  }
  return {};
}

Result<Upserted> SaveRecord(Transaction& tx, const Schedule& schedule) {
  auto exists = Exists(tx, "SELECT 1 FROM schedules WHERE station_code = $1 AND code = $2",
                       {schedule.station.str(), schedule.code.str()});
  if (!exists) return Propagate(exists);
  std::optional<std::string> valid_to;
  if (schedule.valid_to) valid_to = schedule.valid_to->ToString();
  auto done = tx.Execute(
      "INSERT INTO schedules (station_code, code, route_code, departure_minute, days_mask, "
      "valid_from, valid_to, carrier_code, vehicle_class, seats, vehicle_plate, kind, active) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) "
      "ON CONFLICT (station_code, code) DO UPDATE SET route_code = excluded.route_code, "
      "departure_minute = excluded.departure_minute, days_mask = excluded.days_mask, "
      "valid_from = excluded.valid_from, valid_to = excluded.valid_to, "
      "carrier_code = excluded.carrier_code, vehicle_class = excluded.vehicle_class, "
      "seats = excluded.seats, vehicle_plate = excluded.vehicle_plate, kind = excluded.kind, "
      "active = excluded.active",
      {schedule.station.str(), schedule.code.str(), schedule.route_code,
       std::int64_t{schedule.departure.minutes()}, std::int64_t{schedule.days_mask},
       schedule.valid_from.ToString(), OptionalText(valid_to), schedule.carrier.str(),
       std::string(VehicleClassKey(schedule.vehicle_class)), std::int64_t{schedule.seats},
       OptionalText(schedule.vehicle_plate), std::string(RunKindKey(schedule.kind)),
       Bool(schedule.active)});
  if (!done) return Propagate(done);
  return *exists ? Upserted::kUpdated : Upserted::kInserted;
}

// ---------------------------------------------------------------------------------------------
// Staff

Result<std::optional<StaffRecord>> LoadStaff(Transaction& tx, std::string_view username) {
  auto rows =
      tx.Query(fmt::format("{} WHERE username = $1", kStaffSelect), {std::string(username)});
  if (!rows) return Propagate(rows);
  if (rows->empty()) return std::optional<StaffRecord>();
  auto record = StaffFromRow(rows->front());
  if (!record) return Propagate(record);
  return std::optional<StaffRecord>(std::move(*record));
}

Result<std::vector<StaffRecord>> LoadAllStaff(Transaction& tx,
                                              const std::optional<core::StationCode>& station) {
  auto rows =
      station ? tx.Query(fmt::format("{} WHERE station_code = $1 ORDER BY username", kStaffSelect),
                         {station->str()})
              : tx.Query(fmt::format("{} ORDER BY username", kStaffSelect));
  if (!rows) return Propagate(rows);
  std::vector<StaffRecord> records;
  for (const store::Row& row : *rows) {
    auto record = StaffFromRow(row);
    if (!record) return Propagate(record);
    records.push_back(std::move(*record));
  }
  return records;
}

Result<void> ValidateRecord(const Staff& staff) { return ValidateStaff(staff); }
std::string RecordKey(const Staff& staff) { return staff.username; }

Result<void> CheckReferences(Transaction& tx, const Staff& staff) {
  if (staff.station) {
    if (auto ok = RequireStation(tx, *staff.station, "station"); !ok) return ok;
  }
  if (staff.carrier) {
    if (auto ok = RequireCarrier(tx, *staff.carrier, "carrier"); !ok) return ok;
  }
  return {};
}

Result<Upserted> SaveStaff(Transaction& tx, const Staff& staff, const std::string& password_hash) {
  auto existing = LoadStaff(tx, staff.username);
  if (!existing) return Propagate(existing);
  std::string hash = password_hash;
  if (hash.empty()) {
    if (!*existing) {
      return FailedPrecondition(
          fmt::format("new account {} needs a password", Quote(staff.username)), "password");
    }
    hash = (*existing)->password_hash;
  }
  auto done = tx.Execute(
      "INSERT INTO staff (username, display_name, role, station_code, carrier_code, "
      "password_hash, active) VALUES ($1, $2, $3, $4, $5, $6, $7) "
      "ON CONFLICT (username) DO UPDATE SET display_name = excluded.display_name, "
      "role = excluded.role, station_code = excluded.station_code, "
      "carrier_code = excluded.carrier_code, password_hash = excluded.password_hash, "
      "active = excluded.active",
      {staff.username, staff.display_name, std::string(RoleKey(staff.role)),
       OptionalText(staff.station), OptionalText(staff.carrier), hash, Bool(staff.active)});
  if (!done) return Propagate(done);
  return *existing ? Upserted::kUpdated : Upserted::kInserted;
}

// ---------------------------------------------------------------------------------------------
// Runs

Result<int> InsertRunsOn(Transaction& tx, core::LocalDate date, core::Instant now) {
  const std::string day = date.ToString();
  auto rows = tx.Query(
      "SELECT s.station_code, s.code, s.route_code, s.departure_minute, s.days_mask, "
      "s.carrier_code, s.vehicle_class, s.seats, s.kind FROM schedules s "
      "JOIN stations st ON st.code = s.station_code "
      "WHERE s.active = 1 AND st.active = 1 AND s.valid_from <= $1 "
      "AND (s.valid_to IS NULL OR s.valid_to >= $1) ORDER BY s.station_code, s.code",
      {day});
  if (!rows) return Propagate(rows);
  const int weekday_bit = 1 << (date.DayOfWeek() - 1);
  int created = 0;
  for (const store::Row& row : *rows) {
    if ((row.Int(4) & weekday_bit) == 0) continue;
    auto station = StoredStationCode(row.Text(0));
    if (!station) return Propagate(station);
    auto schedule = StoredScheduleCode(row.Text(1));
    if (!schedule) return Propagate(schedule);
    auto departure = core::TimeOfDay::FromMinutes(static_cast<int>(row.Int(3)));
    if (!departure) return Internal("stored departure_minute out of range");
    const core::Instant departs_at = core::Instant::FromShanghai(date, *departure);
    if (departs_at < now) continue;  // nobody could buy it any more
    const core::RunId id = core::RunId::Make(*station, date, *schedule);
    auto inserted = tx.Execute(
        "INSERT INTO runs (run_id, station_code, schedule_code, run_date, route_code, "
        "departs_at, status, kind, seats, carrier_code, vehicle_class) "
        "VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $9, $10) "
        "ON CONFLICT (run_id) DO NOTHING",
        {id.str(), station->str(), schedule->str(), day, row.Text(2), departs_at.unix_micros(),
         row.Text(8), row.Int(7), row.Text(5), row.Text(6)});
    if (!inserted) return Propagate(inserted);
    created += static_cast<int>(*inserted);
  }
  return created;
}

Result<std::optional<Run>> LoadRun(Transaction& tx, const core::RunId& id) {
  auto rows =
      tx.Query(fmt::format("SELECT {} FROM runs r WHERE r.run_id = $1", kRunColumns), {id.str()});
  if (!rows) return Propagate(rows);
  if (rows->empty()) return std::optional<Run>();
  auto run = RunFromRow(rows->front());
  if (!run) return Propagate(run);
  return std::optional<Run>(std::move(*run));
}

Result<std::vector<RunSummary>> LoadRunSummaries(Transaction& tx, core::LocalDate date,
                                                 const std::optional<core::StationCode>& station) {
  const std::string sql = fmt::format(
      "SELECT {}, rt.name, rt.origin_code, o.name, rt.destination_code, d.name, c.name "
      "FROM runs r JOIN routes rt ON rt.code = r.route_code "
      "JOIN stations o ON o.code = rt.origin_code "
      "JOIN stations d ON d.code = rt.destination_code "
      "JOIN carriers c ON c.credit_code = r.carrier_code "
      "WHERE r.run_date = $1{} ORDER BY r.departs_at, r.run_id",
      kRunColumns, station ? " AND r.station_code = $2" : "");
  auto rows =
      station ? tx.Query(sql, {date.ToString(), station->str()}) : tx.Query(sql, {date.ToString()});
  if (!rows) return Propagate(rows);
  std::vector<RunSummary> summaries;
  summaries.reserve(rows->size());
  for (const store::Row& row : *rows) {
    auto run = RunFromRow(row);
    if (!run) return Propagate(run);
    auto origin = StoredStationCode(row.Text(9));
    if (!origin) return Propagate(origin);
    auto destination = StoredStationCode(row.Text(11));
    if (!destination) return Propagate(destination);
    const core::TimeOfDay departure = run->departs_at.ShanghaiTime();
    summaries.push_back(RunSummary{.run = std::move(*run),
                                   .route_name = row.Text(8),
                                   .origin = *origin,
                                   .origin_name = row.Text(10),
                                   .destination = *destination,
                                   .destination_name = row.Text(12),
                                   .departure = departure,
                                   .carrier_name = row.Text(13)});
  }
  return summaries;
}

}  // namespace keyun::network::internal
