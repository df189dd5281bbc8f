// CheckinService's station operations: manifests, crew check-in (报班), safety check (例检),
// departure (发车) and the station's check-in window (checkin_service.h).
#include <fmt/format.h>

#include "checkin/checkin_service.h"
#include "checkin/internal/checkin_rows.h"
#include "store/outbox.h"

namespace keyun::checkin {

using internal::CheckinFromRow;
using internal::LoadCheckin;
using store::Value;

namespace {

// A reason as typed, without the spaces around it.
std::string TrimmedReason(std::string_view text) {
  auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return "";
  auto end = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(begin, end - begin + 1));
}

std::size_t CountUtf8Characters(std::string_view text) {
  std::size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

struct RunFacts {
  core::Instant departs_at;
  int seats = 0;
  std::string carrier;
  std::string status;
  int stop_index = -1;  // of the station on the run's route; -1 if the run does not stop there
};

Result<RunFacts> LoadRun(store::Transaction& tx, const std::string& run_id,
                         const core::StationCode& station) {
  auto rows = tx.Query(
      "SELECT r.departs_at, r.seats, r.carrier_code, r.status, s.stop_index FROM runs r "
      "LEFT JOIN route_stops s ON s.route_code = r.route_code AND s.station_code = $2 "
      "WHERE r.run_id = $1",
      {Value{run_id}, Value{station.str()}});
  if (!rows) return Propagate(rows);
  if (rows->empty()) return NotFound("no run " + run_id, "run_id");
  const auto& r = rows->front();
  return RunFacts{.departs_at = core::Instant::FromUnixMicros(r.Int(0)),
                  .seats = static_cast<int>(r.Int(1)),
                  .carrier = r.Text(2),
                  .status = r.Text(3),
                  .stop_index = r.IsNull(4) ? -1 : static_cast<int>(r.Int(4))};
}

Result<RunOperations> LoadOperations(store::Transaction& tx, const std::string& run_id,
                                     const core::StationCode& station) {
  auto run = LoadRun(tx, run_id, station);
  if (!run) return Propagate(run);
  if (run->stop_index < 0) {
    return FailedPrecondition("run " + run_id + " does not stop at station " + station.str(),
                              "run_id");
  }
  RunOperations ops{.run_id = run_id, .station = station, .licensed_seats = run->seats};
  auto rows = tx.Query(
      "SELECT o.vehicle_plate, o.driver_name, o.driver_licence, o.documents_ok, "
      "o.crew_checked_in_at, o.safety_passed, o.safety_inspector, o.safety_checked_at, "
      "o.departed_at, o.no_shows, v.seats, o.departed_early_reason FROM run_operations o "
      "LEFT JOIN vehicles v ON v.plate = o.vehicle_plate WHERE o.run_id = $1 AND o.station = $2",
      {Value{run_id}, Value{station.str()}});
  if (!rows) return Propagate(rows);
  if (!rows->empty()) {
    const auto& r = rows->front();
    if (!r.IsNull(4)) {
      ops.crew = CrewCheckin{.vehicle_plate = r.OptionalText(0).value_or(""),
                             .driver_name = r.OptionalText(1).value_or(""),
                             .driver_licence = r.OptionalText(2).value_or(""),
                             .documents_ok = r.OptionalInt(3).value_or(0) == 1};
      ops.crew_checked_in_at = core::Instant::FromUnixMicros(r.Int(4));
      if (!r.IsNull(10)) ops.licensed_seats = static_cast<int>(r.Int(10));
    }
    if (!r.IsNull(7)) {
      ops.safety = SafetyCheck{.passed = r.OptionalInt(5).value_or(0) == 1,
                               .inspector = r.OptionalText(6).value_or("")};
      ops.safety_checked_at = core::Instant::FromUnixMicros(r.Int(7));
    }
    if (!r.IsNull(8)) ops.departed_at = core::Instant::FromUnixMicros(r.Int(8));
    ops.no_shows = static_cast<int>(r.OptionalInt(9).value_or(0));
    ops.early_reason = r.OptionalText(11);
  }
  // Seated passengers checked in for the leg that leaves here: boarded here or before, and
  // alighting after this stop.
  auto boarded = tx.QueryOne(
      "SELECT COUNT(*) FROM checkins c JOIN tickets t ON t.ticket_number = c.ticket_number "
      "WHERE t.run_id = $1 AND t.seat > 0 AND t.from_index <= $2 AND t.to_index > $2",
      {Value{run_id}, Value{static_cast<std::int64_t>(run->stop_index)}});
  if (!boarded) return Propagate(boarded);
  ops.boarded = static_cast<int>(boarded->Int(0));
  return ops;
}

Result<void> EnsureOperationsRow(store::Transaction& tx, const std::string& run_id,
                                 const core::StationCode& station) {
  auto inserted = tx.Execute(
      "INSERT INTO run_operations (run_id, station) VALUES ($1, $2) "
      "ON CONFLICT (run_id, station) DO NOTHING",
      {Value{run_id}, Value{station.str()}});
  if (!inserted) return Propagate(inserted);
  return {};
}

Result<void> RefuseIfDeparted(const RunOperations& ops) {
  if (ops.departed_at) {
    return FailedPrecondition("run " + ops.run_id + " departed from " + ops.station.str() +
                              " at " + ops.departed_at->ToIso8601() + "; its records are closed");
  }
  return {};
}

}  // namespace

Result<RunManifest> CheckinService::Manifest(const std::string& run_id,
                                             const core::StationCode& station) {
  return store_.Transact<RunManifest>(
      [&](store::Transaction& tx) -> Result<RunManifest> {
        auto run = LoadRun(tx, run_id, station);
        if (!run) return Propagate(run);
        auto ops = LoadOperations(tx, run_id, station);
        if (!ops) return Propagate(ops);
        RunManifest out{.run_id = run_id, .station = station, .carrier = run->carrier,
                        .departs_at = run->departs_at,
                        .departed_at = ops->departed_at};
        auto rows = tx.Query(
            "SELECT t.ticket_number, t.seat, t.fare_type, t.passenger_name, a.ticket_number, "
            "c.ticket_number, c.run_id, c.gate, c.operator, c.method, c.at FROM tickets t "
            "LEFT JOIN tickets a ON a.ticket_id = t.attached_to "
            "LEFT JOIN checkins c ON c.ticket_number = t.ticket_number "
            "WHERE t.run_id = $1 AND t.from_station = $2 AND t.status = 'issued' "
            "AND NOT EXISTS (SELECT 1 FROM revocations v WHERE v.ticket_number = t.ticket_number) "
            "ORDER BY t.seat = 0, t.seat, t.ticket_number",
            {Value{run_id}, Value{station.str()}});
        if (!rows) return Propagate(rows);
        auto window = internal::StationWindow(tx, station, policy_.window);
        if (!window) return Propagate(window);
        core::Instant now = clock_.Now();
        bool closed = ops->departed_at.has_value() || now >= window->ClosesAt(run->departs_at);
        for (const auto& r : *rows) {
          ManifestEntry e{.ticket_number = r.Text(0),
                          .seat = static_cast<int>(r.Int(1)),
                          .fare_type = r.Text(2),
                          .passenger_name = core::MaskName(r.Text(3)),
                          .attached_to = r.OptionalText(4).value_or("")};
          if (!r.IsNull(5)) {
            auto checkin = CheckinFromRow(r, 5);
            if (!checkin) return Propagate(checkin);
            e.checkin = std::move(*checkin);
          }
          if (e.checkin) {
            out.checked_in.push_back(std::move(e));
          } else if (closed) {
            out.no_show.push_back(std::move(e));
          } else {
            out.booked.push_back(std::move(e));
          }
        }
        return out;
      },
      {.read_only = true});
}

Result<RunOperations> CheckinService::Operations(const std::string& run_id,
                                                 const core::StationCode& station) {
  return store_.Transact<RunOperations>(
      [&](store::Transaction& tx) { return LoadOperations(tx, run_id, station); },
      {.read_only = true});
}

Result<RunOperations> CheckinService::CrewCheckIn(const std::string& run_id,
                                                  const core::StationCode& station,
                                                  const CrewCheckin& crew,
                                                  const std::string& operator_id) {
  if (crew.vehicle_plate.empty()) {
    return InvalidArgument("vehicle_plate is required (the bus presented, e.g. 鲁A12345)",
                           "vehicle_plate");
  }
  if (crew.driver_name.empty()) return InvalidArgument("driver_name is required", "driver_name");
  if (crew.driver_licence.empty()) {
    return InvalidArgument("driver_licence is required (the driver's licence number)",
                           "driver_licence");
  }
  return store_.Transact<RunOperations>([&](store::Transaction& tx) -> Result<RunOperations> {
    auto ops = LoadOperations(tx, run_id, station);
    if (!ops) return Propagate(ops);
    if (auto open = RefuseIfDeparted(*ops); !open) return Propagate(open);
    auto run = LoadRun(tx, run_id, station);
    if (!run) return Propagate(run);
    auto vehicle = tx.Query("SELECT carrier_code, seats, active FROM vehicles WHERE plate = $1",
                            {Value{crew.vehicle_plate}});
    if (!vehicle) return Propagate(vehicle);
    if (vehicle->empty()) {
      return NotFound("no vehicle " + crew.vehicle_plate + " in the master data", "vehicle_plate");
    }
    const auto& v = vehicle->front();
    if (v.Text(0) != run->carrier) {
      return FailedPrecondition("vehicle " + crew.vehicle_plate + " belongs to carrier " +
                                    v.Text(0) + ", but run " + run_id + " is operated by " +
                                    run->carrier,
                                "vehicle_plate");
    }
    if (v.Int(2) == 0) {
      return FailedPrecondition("vehicle " + crew.vehicle_plate + " is deactivated",
                                "vehicle_plate");
    }
    if (v.Int(1) < run->seats) {
      return FailedPrecondition(fmt::format("vehicle {} has {} licensed seats, but run {} sells {}",
                                            crew.vehicle_plate, v.Int(1), run_id, run->seats),
                                "vehicle_plate");
    }
    if (auto row = EnsureOperationsRow(tx, run_id, station); !row) return Propagate(row);
    auto updated = tx.Execute(
        "UPDATE run_operations SET vehicle_plate = $3, driver_name = $4, driver_licence = $5, "
        "documents_ok = $6, crew_checked_in_at = $7, crew_operator = $8 "
        "WHERE run_id = $1 AND station = $2",
        {Value{run_id}, Value{station.str()}, Value{crew.vehicle_plate}, Value{crew.driver_name},
         Value{crew.driver_licence}, Value{std::int64_t{crew.documents_ok ? 1 : 0}},
         Value{clock_.Now().unix_micros()}, Value{operator_id}});
    if (!updated) return Propagate(updated);
    return LoadOperations(tx, run_id, station);
  });
}

Result<RunOperations> CheckinService::RecordSafetyCheck(const std::string& run_id,
                                                        const core::StationCode& station,
                                                        const SafetyCheck& check) {
  if (check.inspector.empty()) {
    return InvalidArgument("inspector is required (who did the safety check)", "inspector");
  }
  return store_.Transact<RunOperations>([&](store::Transaction& tx) -> Result<RunOperations> {
    auto ops = LoadOperations(tx, run_id, station);
    if (!ops) return Propagate(ops);
    if (auto open = RefuseIfDeparted(*ops); !open) return Propagate(open);
    if (auto row = EnsureOperationsRow(tx, run_id, station); !row) return Propagate(row);
    auto updated = tx.Execute(
        "UPDATE run_operations SET safety_passed = $3, safety_inspector = $4, "
        "safety_checked_at = $5 WHERE run_id = $1 AND station = $2",
        {Value{run_id}, Value{station.str()}, Value{std::int64_t{check.passed ? 1 : 0}},
         Value{check.inspector}, Value{clock_.Now().unix_micros()}});
    if (!updated) return Propagate(updated);
    return LoadOperations(tx, run_id, station);
  });
}

Result<RunOperations> CheckinService::Depart(const std::string& run_id,
                                             const core::StationCode& station,
                                             const DepartureRequest& request) {
  const std::string& operator_id = request.operator_id;
  std::string reason = request.confirm_early ? TrimmedReason(request.early_reason) : "";
  if (request.confirm_early) {
    std::size_t characters = CountUtf8Characters(reason);
    if (characters < 2 || characters > 200) {
      return InZh(InvalidArgument("an early departure needs its reason, 2 to 200 characters "
                                  "(e.g. every passenger checked in)",
                                  "early_reason"),
                  "提前发车须填写原因（2 至 200 个字，例如：旅客已全部检票）");
    }
  }
  auto manifest = Manifest(run_id, station);  // outside: its own read-only snapshot is enough
  if (!manifest) return Propagate(manifest);
  bool run_departed = false;  // the run itself, at its origin (not one stop of it)
  auto done = store_.Transact<RunOperations>([&](store::Transaction& tx) -> Result<RunOperations> {
    run_departed = false;
    auto ops = LoadOperations(tx, run_id, station);
    if (!ops) return Propagate(ops);
    if (auto open = RefuseIfDeparted(*ops); !open) return Propagate(open);
    if (!ops->crew) {
      return InZh(
          FailedPrecondition("departure refused: the crew has not checked in (报班); record "
                             "the vehicle and driver first (POST /runs/{run_id}/crew)"),
          "不能发车：车辆和驾驶员尚未报班，请先登记报班");
    }
    if (!ops->crew->documents_ok) {
      return InZh(
          FailedPrecondition("departure refused: the driver or vehicle documents are not in "
                             "order (unqualified driver); check the crew in again when they "
                             "are"),
          "不能发车：驾驶员或车辆证件不齐全（驾驶员不合格），证件齐全后请重新报班");
    }
    if (!ops->safety) {
      return InZh(
          FailedPrecondition("departure refused: no safety check (例检) recorded; record one "
                             "(POST /runs/{run_id}/safety-check)"),
          "不能发车：尚未登记例检，请先完成安全例检");
    }
    if (!ops->safety->passed) {
      return InZh(FailedPrecondition("departure refused: the safety check (例检) by " +
                                     ops->safety->inspector +
                                     " failed; record a passed check after the repair"),
                  "不能发车：例检未通过（检查员 " + ops->safety->inspector +
                      "），维修后请重新例检");
    }
    if (ops->boarded > ops->licensed_seats) {
      return InZh(FailedPrecondition(fmt::format("departure refused: overloaded, {} seated "
                                                 "passengers checked in for {} licensed seats",
                                                 ops->boarded, ops->licensed_seats)),
                  fmt::format("不能发车：超员，已检票 {} 人，核定座位 {} 个", ops->boarded,
                              ops->licensed_seats));
    }
    core::Instant now = clock_.Now();
    bool early = now < manifest->departs_at;
    if (early && !request.confirm_early) {
      auto minutes = (manifest->departs_at.unix_micros() - now.unix_micros() + 59'999'999) /
                     60'000'000;
      std::string at = manifest->departs_at.ToIso8601().substr(11, 5);
      return InZh(FailedPrecondition(
                      fmt::format("the run is scheduled to leave at {} ({} min from now) and "
                                  "passengers may still come to the gate; to depart early, "
                                  "confirm it and say why (confirm_early, early_reason)",
                                  at, minutes),
                      "confirm_early"),
                  fmt::format("班次计划 {} 发车（还有 {} 分钟），旅客仍可检票；如确需提前发车，"
                              "请确认并填写原因",
                              at, minutes));
    }
    if (!early) reason.clear();  // on time: nothing to explain
    // Freeze what the manifest says now; check-ins still open become no-shows.
    auto check_ins = manifest->checked_in;
    std::vector<ManifestEntry> missing = manifest->booked;
    missing.insert(missing.end(), manifest->no_show.begin(), manifest->no_show.end());
    // Re-read check-ins inside this transaction so a check-in that raced the manifest counts.
    std::vector<ManifestEntry> no_shows;
    for (auto& e : missing) {
      auto c = LoadCheckin(tx, e.ticket_number);
      if (!c) return Propagate(c);
      if (*c) {
        e.checkin = **c;
        check_ins.push_back(std::move(e));
      } else {
        no_shows.push_back(std::move(e));
      }
    }
    auto updated = tx.Execute(
        "UPDATE run_operations SET departed_at = $3, departed_vehicle = vehicle_plate, "
        "departed_driver = driver_name, departed_operator = $4, boarded = $5, no_shows = $6, "
        "departed_early_reason = $7 WHERE run_id = $1 AND station = $2 AND departed_at IS NULL",
        {Value{run_id}, Value{station.str()}, Value{now.unix_micros()}, Value{operator_id},
         Value{static_cast<std::int64_t>(check_ins.size())},
         Value{static_cast<std::int64_t>(no_shows.size())},
         reason.empty() ? Value{} : Value{reason}});
    if (!updated) return Propagate(updated);
    if (*updated != 1) return Aborted("run " + run_id + " departed concurrently");
    for (const auto* list : {&check_ins, &no_shows}) {
      for (const auto& e : *list) {
        auto inserted = tx.Execute(
            "INSERT INTO frozen_manifests (run_id, station, ticket_number, seat, fare_type, "
            "passenger_name, status) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            {Value{run_id}, Value{station.str()}, Value{e.ticket_number},
             Value{static_cast<std::int64_t>(e.seat)}, Value{e.fare_type}, Value{e.passenger_name},
             Value{std::string(list == &check_ins ? "boarded" : "no_show")}});
        if (!inserted) return Propagate(inserted);
      }
    }
    // Kept for the exchange with the national hub (DESIGN.md §5), in this transaction.
    store::OutboxEvent departed{
                .kind = "departed",
                .subject = run_id,
                .at = now,
                .fields = {{"run_id", run_id},
                           {"station", station.str()},
                           {"departed_at", now.ToIso8601()},
                           {"vehicle", ops->crew->vehicle_plate},
                           {"driver", ops->crew->driver_name},
                           {"operator", operator_id},
                           {"boarded", std::to_string(check_ins.size())},
                           {"no_shows", std::to_string(no_shows.size())}}};
    if (!reason.empty()) departed.fields.emplace_back("early_reason", reason);
    auto event = store::AppendEvent(tx, departed);
    if (!event) return Propagate(event);
    auto run = LoadRun(tx, run_id, station);
    if (!run) return Propagate(run);
    if (run->stop_index == 0) {
      auto status = tx.Execute("UPDATE runs SET status = 'departed' WHERE run_id = $1",
                               {Value{run_id}});
      if (!status) return Propagate(status);
      run_departed = true;
    }
    return LoadOperations(tx, run_id, station);
  });
  if (done && run_departed && run_departed_) run_departed_(run_id);
  return done;
}

Result<CheckinWindow> CheckinService::StationCheckinWindow(const core::StationCode& station) {
  return store_.Transact<CheckinWindow>(
      [&](store::Transaction& tx) { return internal::StationWindow(tx, station, policy_.window); },
      {.read_only = true});
}

Result<CheckinWindow> CheckinService::SetStationCheckinWindow(
    const core::StationCode& station, std::optional<CheckinWindow> window,
    const std::string& updated_by) {
  if (window) {
    if (auto valid = window->Validate(); !valid) return Propagate(valid);
  }
  return store_.Transact<CheckinWindow>([&](store::Transaction& tx) -> Result<CheckinWindow> {
    auto known = tx.Query("SELECT 1 FROM stations WHERE code = $1", {Value{station.str()}});
    if (!known) return Propagate(known);
    if (known->empty()) return NotFound("no station " + station.str(), "station");
    auto written =
        window ? tx.Execute(
                     "INSERT INTO station_settings (station, checkin_opens_minutes, "
                     "checkin_closes_minutes, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5) "
                     "ON CONFLICT (station) DO UPDATE SET checkin_opens_minutes = $2, "
                     "checkin_closes_minutes = $3, updated_at = $4, updated_by = $5",
                     {Value{station.str()}, Value{std::int64_t{window->opens_before.count()}},
                      Value{std::int64_t{window->closes_before.count()}},
                      Value{clock_.Now().unix_micros()}, Value{updated_by}})
               : tx.Execute(
                     "UPDATE station_settings SET checkin_opens_minutes = NULL, "
                     "checkin_closes_minutes = NULL, updated_at = $2, updated_by = $3 "
                     "WHERE station = $1",
                     {Value{station.str()}, Value{clock_.Now().unix_micros()}, Value{updated_by}});
    if (!written) return Propagate(written);
    return internal::StationWindow(tx, station, policy_.window);
  });
}

}  // namespace keyun::checkin
