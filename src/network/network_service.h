// NetworkService (业务管理): a provincial node's master data — stations, carriers, vehicles,
// routes with stops, fare tables, schedules (班次), staff accounts — and the runs generated from
// the schedules, persisted through store::Store (docs/master-data.md).
//
//   core::SystemClock clock;
//   NetworkService network(*store, clock);
//
//   Result<Upserted> saved = network.UpsertStation(Station{
//       .code = *core::StationCode::Parse("370102001"), .name = "济南长途汽车总站", .grade = 1});
//   if (!saved) return Propagate(saved);   // error.field names the member at fault
//
//   Result<std::vector<Station>> found = network.ListStations({.text = "JN", .limit = 20});
//
//   Result<int> created = network.GenerateRuns(today, today.AddDays(14), {});
//   Result<std::vector<RunSummary>> board = network.ListRuns(today, station_code);
//
//   Result<ImportReport> report = network.ImportCsv(Table::kStations, csv_text);
//   if (!report) Show(report.error().message);   // every bad row, with its line number
//
// Errors, the same for every method unless its comment says more:
//   kInvalidArgument     a value fails validation (master_data.h); `field` names the member,
//                        e.g. "grade", "stops[2].km", or for batches "stations[3].grade".
//   kFailedPrecondition  a record it refers to does not exist or does not fit (a vehicle's
//                        carrier, a schedule whose station is not its route's origin); `field`
//                        names the reference.
//   kNotFound            Get* of a key that does not exist.
//   kUnavailable, kAborted, kInternal   from the store (store.h); nothing was written.
// A failed write changes nothing: every method runs in one store transaction.
//
// Thread-safety: a NetworkService holds no mutable state of its own; it is safe to call from
// many threads at once (concurrency is the store's). The store and clock must outlive it.
#pragma once

#include <atomic>
#include <functional>

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/password.h"
#include "core/result.h"
#include "core/time.h"
#include "network/master_data.h"
#include "store/store.h"

namespace keyun::network {

// Progress of a long job: (done, total, what is being done now).
using ProgressFn = store::ProgressFn;

// The tables CSV import and export know (docs/csv.md), in dependency order: a table refers only
// to tables before it.
enum class Table { kStations, kCarriers, kVehicles, kRoutes, kFares, kSchedules, kStaff };
[[nodiscard]] std::span<const Table> AllTables();
// "stations", "carriers", "vehicles", "routes", "fares", "schedules", "staff".
[[nodiscard]] std::string_view TableName(Table table);
[[nodiscard]] Result<Table> ParseTable(std::string_view name);

struct ImportOptions {
  // Validate everything and count what would change, then roll back.
  bool dry_run = false;
};

// What an import did (or, for a dry run, would do).
struct ImportReport {
  Table table = Table::kStations;
  int records = 0;  // data records read (routes: one per stop)
  int inserted = 0;
  int updated = 0;
};

// Counts of a batch upsert.
struct BatchCounts {
  int inserted = 0;
  int updated = 0;
};

struct StationQuery {
  // Matches a code prefix ("3701"), a name substring ("济南") or a pinyin-initials prefix
  // ("JN", any case). Empty: every station.
  std::string text{};
  int limit = 100;  // 1–1000
  bool include_inactive = true;
};

class NetworkService final {
 public:
  struct Options {
    // Cost of password hashes made by CreateStaff, SetStaffPassword and ImportCsv(kStaff).
    core::PasswordCost password_cost = core::PasswordCost::kInteractive;
  };

  NetworkService(store::Store& store, const core::Clock& clock, Options options);
  NetworkService(store::Store& store, const core::Clock& clock)
      : NetworkService(store, clock, Options{}) {}

  NetworkService(const NetworkService&) = delete;
  NetworkService& operator=(const NetworkService&) = delete;

  // ---- Stations ----------------------------------------------------------------------------
  // Inserts or replaces the station with this code. The pinyin is stored upper-case.
  [[nodiscard]] Result<Upserted> UpsertStation(const Station& station);
  // All or nothing; errors name the item: "stations[3].grade". Duplicate codes are refused.
  [[nodiscard]] Result<BatchCounts> UpsertStations(std::span<const Station> stations);
  // kNotFound if there is no such station.
  [[nodiscard]] Result<Station> GetStation(const core::StationCode& code);
  // Stations matching the query, ordered by code, at most query.limit.
  // kInvalidArgument if the limit is outside 1–1000.
  [[nodiscard]] Result<std::vector<Station>> ListStations(const StationQuery& query = {});

  // ---- Carriers ----------------------------------------------------------------------------
  // kFailedPrecondition (field "home_station") if the home station does not exist.
  [[nodiscard]] Result<Upserted> UpsertCarrier(const Carrier& carrier);
  [[nodiscard]] Result<BatchCounts> UpsertCarriers(std::span<const Carrier> carriers);
  [[nodiscard]] Result<Carrier> GetCarrier(const core::CreditCode& code);
  // Ordered by credit code.
  [[nodiscard]] Result<std::vector<Carrier>> ListCarriers();

  // ---- Vehicles ----------------------------------------------------------------------------
  // kFailedPrecondition (field "carrier") if the carrier does not exist.
  [[nodiscard]] Result<Upserted> UpsertVehicle(const Vehicle& vehicle);
  [[nodiscard]] Result<BatchCounts> UpsertVehicles(std::span<const Vehicle> vehicles);
  [[nodiscard]] Result<Vehicle> GetVehicle(std::string_view plate);
  // Ordered by plate; only the carrier's if given.
  [[nodiscard]] Result<std::vector<Vehicle>> ListVehicles(
      const std::optional<core::CreditCode>& carrier = std::nullopt);

  // ---- Routes ------------------------------------------------------------------------------
  // Inserts or replaces a route and its stops. kFailedPrecondition (field "stops[i].station") if
  // a stop's station does not exist, or (field "stops") if the route already has schedules
  // and the new stops would change its origin. When the stops change, the route's fare table
  // is deleted in the same transaction (its stop indexes and distances no longer hold): set it
  // again with SetFares.
  [[nodiscard]] Result<Upserted> UpsertRoute(const Route& route);
  [[nodiscard]] Result<BatchCounts> UpsertRoutes(std::span<const Route> routes);
  [[nodiscard]] Result<Route> GetRoute(std::string_view code);
  // Ordered by code; with a station, only routes that stop there.
  [[nodiscard]] Result<std::vector<Route>> ListRoutes(
      const std::optional<core::StationCode>& serving = std::nullopt);

  // ---- Fares -------------------------------------------------------------------------------
  // Inserts or replaces the fare of one stop pair. kFailedPrecondition (field "route_code") if
  // the route does not exist; kInvalidArgument if the indexes do not fit the route.
  [[nodiscard]] Result<Upserted> UpsertFare(const Fare& fare);
  // Replaces the route's whole fare table with `fares` (which must all name `route_code`).
  // Returns how many were stored. Pairs left out have no fare (not sold).
  [[nodiscard]] Result<int> SetFares(std::string_view route_code, std::span<const Fare> fares);
  // The route's fares ordered by (from_index, to_index); kNotFound if the route does not exist.
  [[nodiscard]] Result<std::vector<Fare>> ListFares(std::string_view route_code);

  // ---- Schedules ---------------------------------------------------------------------------
  // kFailedPrecondition if the route, carrier or vehicle does not exist (field "route_code",
  // "carrier", "vehicle_plate"), if the station is not the route's origin ("station"), or if the
  // vehicle belongs to another carrier or has fewer licensed seats than the schedule sells.
  // Runs already generated keep what they copied from the schedule.
  [[nodiscard]] Result<Upserted> UpsertSchedule(const Schedule& schedule);
  [[nodiscard]] Result<BatchCounts> UpsertSchedules(std::span<const Schedule> schedules);
  [[nodiscard]] Result<Schedule> GetSchedule(const core::StationCode& station,
                                             const core::ScheduleCode& code);
  // Ordered by (station, departure, code); only the station's if given.
  [[nodiscard]] Result<std::vector<Schedule>> ListSchedules(
      const std::optional<core::StationCode>& station = std::nullopt);

  // ---- Staff -------------------------------------------------------------------------------
  // Creates an account with a password (hashed with core::HashPassword at `cost`; the demo and
  // tests use kFastForTests). kAlreadyExists if the username is taken; kInvalidArgument (field
  // "password") if the password is weaker than ValidatePassword allows; kFailedPrecondition if
  // the station or carrier does not exist.
  [[nodiscard]] Result<Staff> CreateStaff(const Staff& staff, std::string_view password);
  [[nodiscard]] Result<Staff> CreateStaff(const Staff& staff, std::string_view password,
                                          core::PasswordCost cost);
  // Changes everything but the password. kNotFound if there is no such account.
  [[nodiscard]] Result<Staff> UpdateStaff(const Staff& staff);
  // kNotFound if there is no such account.
  [[nodiscard]] Result<void> SetStaffPassword(std::string_view username, std::string_view password);
  [[nodiscard]] Result<Staff> GetStaff(std::string_view username);
  // Ordered by username; only the station's if given.
  [[nodiscard]] Result<std::vector<Staff>> ListStaff(
      const std::optional<core::StationCode>& station = std::nullopt);
  // The active account with this username and password. kUnauthenticated with the same message
  // for an unknown user, a wrong password and a disabled account (never says which), and it
  // takes about as long in each case.
  [[nodiscard]] Result<Staff> Authenticate(std::string_view username, std::string_view password);
  // What a login attempt found, for the audit (StaffLogin, staff_login.h): the staff member on
  // kSuccess. Never tell a client which failure it was. Errors: only the store's.
  enum class LoginOutcome { kSuccess, kWrongPassword, kUnknownUser, kDisabled };
  struct LoginCheck {
    LoginOutcome outcome;
    std::optional<Staff> staff;  // on kSuccess
  };
  [[nodiscard]] Result<LoginCheck> CheckLogin(std::string_view username,
                                              std::string_view password);
  // The one answer to every failed login (kUnauthenticated, English and Chinese).
  [[nodiscard]] static Error BadLogin();

  // ---- Runs --------------------------------------------------------------------------------
  // Creates the runs of every active schedule of an active station that operates on each date
  // from `from` to `to` inclusive (Schedule::OperatesOn), copying route, carrier, seats, vehicle
  // class and kind; status open. Runs whose departure time has passed by the clock's Now are not
  // created. Idempotent: existing runs are left untouched (INSERT … ON CONFLICT DO NOTHING), so
  // generating again creates only what is missing. One transaction per date; `progress` (may be
  // empty) is called after each. Returns the number of runs created.
  // kInvalidArgument if to < from or the range is longer than 366 days.
  [[nodiscard]] Result<int> GenerateRuns(core::LocalDate from, core::LocalDate to,
                                         const ProgressFn& progress = {});
  [[nodiscard]] Result<Run> GetRun(const core::RunId& id);
  // Moves a run to `status` and returns it. Allowed: open → stopped, stopped_sold or departed;
  // stopped or stopped_sold → open (reinstated); the same status again is a no-op. Departed is
  // final. The caller decides between stopped and stopped_sold (it knows whether tickets were
  // sold). The update is conditional on the status read, so two racing changes cannot both
  // apply. kNotFound if there is no such run; kFailedPrecondition (field "status") for a move
  // not allowed.
  [[nodiscard]] Result<Run> SetRunStatus(const core::RunId& id, RunStatus status);
  // The runs on `date`, departing from `station` if given, ordered by departure time then run
  // id, joined with their route, origin and destination names and carrier name.
  [[nodiscard]] Result<std::vector<RunSummary>> ListRuns(
      core::LocalDate date, const std::optional<core::StationCode>& station = std::nullopt);

  // ---- CSV (docs/csv.md) -------------------------------------------------------------------
  // Imports one table from CSV text: a header row with the documented columns (in any order),
  // then one record per row (routes: one per stop). Each row inserts or replaces the record with
  // its key. All or nothing: if any row is bad, nothing is written and the result is
  // kInvalidArgument whose message lists EVERY bad row, one per line, as
  // "line N, column: reason" (field: the first of them). An unreadable file, a missing or
  // unknown column, or a store error fails the same way without row detail.
  [[nodiscard]] Result<ImportReport> ImportCsv(Table table, std::string_view text,
                                               const ImportOptions& options = {});
  // The whole table in the format ImportCsv reads (UTF-8 with BOM, CRLF, header row), ordered
  // by key, so exporting and importing into an empty store reproduces the data. Staff rows carry
  // the password hash (column password_hash), never a password.
  [[nodiscard]] Result<std::string> ExportCsv(Table table);

  [[nodiscard]] const core::Clock& clock() const { return clock_; }

  // ---- Change notices, for the images kept in memory (the sales catalogue and inventories) --
  // A counter raised after every write to stations, carriers, vehicles, routes, fares,
  // schedules or runs (committed or not: a needless rebuild is harmless, a missed one is not).
  // An image built from what it read after seeing version v is current while this is still v.
  [[nodiscard]] std::uint64_t CatalogueVersion() const {
    return catalogue_version_.load(std::memory_order_acquire);
  }
  // Called with every run status change committed through SetRunStatus or reported with
  // NoteRunStatusChanged, on the changing thread, after the commit. Set before serving.
  // Returns a handle for RemoveRunStatusListener (a listener that dies before the service).
  using RunStatusListener = std::function<void(const core::RunId&, RunStatus)>;
  std::size_t AddRunStatusListener(RunStatusListener listener) {
    run_status_listeners_.push_back(std::move(listener));
    return run_status_listeners_.size();
  }
  void RemoveRunStatusListener(std::size_t handle) {
    if (handle >= 1 && handle <= run_status_listeners_.size()) {
      run_status_listeners_[handle - 1] = nullptr;
    }
  }
  // For a part that changed a run's status in its own transaction (a departure closed at the
  // gate, checkin/): raises the version and tells the listeners.
  void NoteRunStatusChanged(const core::RunId& id, RunStatus status);

 private:
  // Raises the catalogue version when the write method that holds it returns.
  class CatalogueWrite {
   public:
    explicit CatalogueWrite(NetworkService& service) : service_(service) {}
    ~CatalogueWrite() { service_.catalogue_version_.fetch_add(1, std::memory_order_acq_rel); }
    CatalogueWrite(const CatalogueWrite&) = delete;
    CatalogueWrite& operator=(const CatalogueWrite&) = delete;

   private:
    NetworkService& service_;
  };

  store::Store& store_;       // constant after construction
  const core::Clock& clock_;  // constant after construction
  const Options options_;
  std::atomic<std::uint64_t> catalogue_version_{1};
  std::vector<RunStatusListener> run_status_listeners_;  // set before serving
};

}  // namespace keyun::network
