#include "network/network_service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <unordered_map>

#include "network/internal/records.h"
#include "network/internal/sql.h"
#include "network/internal/text.h"

namespace keyun::network {
namespace {

using internal::ItemError;
using store::Transaction;

constexpr Table kAllTables[] = {Table::kStations, Table::kCarriers, Table::kVehicles,
                                Table::kRoutes,   Table::kFares,    Table::kSchedules,
                                Table::kStaff};

constexpr std::string_view kBadLogin = "wrong username or password";
constexpr std::string_view kBadLoginZh = "用户名或密码错误";

store::TransactionOptions ReadOnly() { return store::TransactionOptions{.read_only = true}; }

// A one-item batch reports the item's own error, without the "name[0]." prefix.
Error SingleError(const std::vector<ItemError>& errors, const Error& fallback) {
  return errors.empty() ? fallback : errors.front().error;
}

template <class T>
Result<T> Found(Result<std::optional<T>> loaded, std::string message) {
  if (!loaded) return Propagate(loaded);
  if (!*loaded) return NotFound(std::move(message));
  return std::move(**loaded);
}

// A password hash to verify against when the username is unknown, so that an unknown user
// costs as much time as a wrong password. Made once per cost, on first need.
const std::string& DummyHash(core::PasswordCost cost) {
  if (cost == core::PasswordCost::kInteractive) {
    static const std::string interactive =
        core::HashPassword("keyun-no-such-user", core::PasswordCost::kInteractive).value_or("");
    return interactive;
  }
  static const std::string fast =
      core::HashPassword("keyun-no-such-user", core::PasswordCost::kFastForTests).value_or("");
  return fast;
}

// Saves a batch in one transaction; a failed batch of one reports the item's own error, a larger
// one every bad item as "<name>[i].<field>: …".
template <class T, class Check>
Result<BatchCounts> UpsertBatch(store::Store& store, std::span<const T> items,
                                std::string_view name, Check&& check_references) {
  std::vector<ItemError> errors;
  auto counts = store.Transact<BatchCounts>([&](Transaction& tx) {
    errors.clear();
    return internal::SaveBatch(
        tx, items, [&](const T& item) { return check_references(tx, item); }, errors);
  });
  if (!counts && !errors.empty()) {
    return tl::unexpected(items.size() == 1 ? SingleError(errors, counts.error())
                                            : internal::BatchError(name, errors));
  }
  return counts;
}

// One item through UpsertBatch.
template <class T, class Check>
Result<Upserted> UpsertOne(store::Store& store, const T& item, std::string_view name,
                           Check&& check_references) {
  auto counts =
      UpsertBatch(store, std::span<const T>(&item, 1), name, std::forward<Check>(check_references));
  if (!counts) return Propagate(counts);
  return counts->inserted == 1 ? Upserted::kInserted : Upserted::kUpdated;
}

}  // namespace

std::span<const Table> AllTables() { return kAllTables; }

std::string_view TableName(Table table) {
  switch (table) {
    case Table::kStations:
      return "stations";
    case Table::kCarriers:
      return "carriers";
    case Table::kVehicles:
      return "vehicles";
    case Table::kRoutes:
      return "routes";
    case Table::kFares:
      return "fares";
    case Table::kSchedules:
      return "schedules";
    case Table::kStaff:
      return "staff";
  }
  return "";
}

Result<Table> ParseTable(std::string_view name) {
  for (Table table : kAllTables) {
    if (TableName(table) == name) return table;
  }
  return InvalidArgument(
      fmt::format("{} is not a table; use stations, carriers, vehicles, routes, fares, "
                  "schedules or staff",
                  internal::Quote(name)),
      "table");
}

NetworkService::NetworkService(store::Store& store, const core::Clock& clock, Options options)
    : store_(store), clock_(clock), options_(options) {}

// ---- Stations ------------------------------------------------------------------------------

Result<Upserted> NetworkService::UpsertStation(const Station& station) {
  CatalogueWrite write(*this);
  return UpsertOne(store_, station, "stations", [](Transaction& tx, const auto& item) {
    return internal::CheckReferences(tx, item);
  });
}

Result<BatchCounts> NetworkService::UpsertStations(std::span<const Station> stations) {
  CatalogueWrite write(*this);
  return UpsertBatch(store_, stations, "stations", [](Transaction& tx, const auto& item) {
    return internal::CheckReferences(tx, item);
  });
}

Result<Station> NetworkService::GetStation(const core::StationCode& code) {
  return store_.Transact<Station>(
      [&](Transaction& tx) {
        return Found(internal::LoadStation(tx, code),
                     fmt::format("there is no station {}", code.str()));
      },
      ReadOnly());
}

Result<std::vector<Station>> NetworkService::ListStations(const StationQuery& query) {
  if (query.limit < 1 || query.limit > 1000) {
    return InvalidArgument(fmt::format("limit must be 1 to 1000, not {}", query.limit), "limit");
  }
  return store_.Transact<std::vector<Station>>(
      [&](Transaction& tx) { return internal::LoadStations(tx, query); }, ReadOnly());
}

// ---- Carriers ------------------------------------------------------------------------------

Result<Upserted> NetworkService::UpsertCarrier(const Carrier& carrier) {
  CatalogueWrite write(*this);
  return UpsertOne(store_, carrier, "carriers", [](Transaction& tx, const auto& item) {
    return internal::CheckReferences(tx, item);
  });
}

Result<BatchCounts> NetworkService::UpsertCarriers(std::span<const Carrier> carriers) {
  CatalogueWrite write(*this);
  return UpsertBatch(store_, carriers, "carriers", [](Transaction& tx, const auto& item) {
    return internal::CheckReferences(tx, item);
  });
}

Result<Carrier> NetworkService::GetCarrier(const core::CreditCode& code) {
  return store_.Transact<Carrier>(
      [&](Transaction& tx) {
        return Found(internal::LoadCarrier(tx, code),
                     fmt::format("there is no carrier {}", code.str()));
      },
      ReadOnly());
}

Result<std::vector<Carrier>> NetworkService::ListCarriers() {
  return store_.Transact<std::vector<Carrier>>(
      [&](Transaction& tx) { return internal::LoadCarriers(tx); }, ReadOnly());
}

// ---- Vehicles ------------------------------------------------------------------------------

Result<Upserted> NetworkService::UpsertVehicle(const Vehicle& vehicle) {
  CatalogueWrite write(*this);
  return UpsertOne(store_, vehicle, "vehicles", [](Transaction& tx, const auto& item) {
    return internal::CheckReferences(tx, item);
  });
}

Result<BatchCounts> NetworkService::UpsertVehicles(std::span<const Vehicle> vehicles) {
  CatalogueWrite write(*this);
  return UpsertBatch(store_, vehicles, "vehicles", [](Transaction& tx, const auto& item) {
    return internal::CheckReferences(tx, item);
  });
}

Result<Vehicle> NetworkService::GetVehicle(std::string_view plate) {
  return store_.Transact<Vehicle>(
      [&](Transaction& tx) {
        return Found(internal::LoadVehicle(tx, plate),
                     fmt::format("there is no vehicle {}", internal::Quote(plate)));
      },
      ReadOnly());
}

Result<std::vector<Vehicle>> NetworkService::ListVehicles(
    const std::optional<core::CreditCode>& carrier) {
  return store_.Transact<std::vector<Vehicle>>(
      [&](Transaction& tx) { return internal::LoadVehicles(tx, carrier); }, ReadOnly());
}

// ---- Routes --------------------------------------------------------------------------------

Result<Upserted> NetworkService::UpsertRoute(const Route& route) {
  CatalogueWrite write(*this);
  const core::LocalDate today = clock_.Now().ShanghaiDate();
  return UpsertOne(store_, route, "routes", [&](Transaction& tx, const Route& r) {
    return internal::CheckReferences(tx, r, today);
  });
}

Result<BatchCounts> NetworkService::UpsertRoutes(std::span<const Route> routes) {
  CatalogueWrite write(*this);
  const core::LocalDate today = clock_.Now().ShanghaiDate();
  return UpsertBatch(store_, routes, "routes", [&](Transaction& tx, const Route& r) {
    return internal::CheckReferences(tx, r, today);
  });
}

Result<Route> NetworkService::GetRoute(std::string_view code) {
  return store_.Transact<Route>(
      [&](Transaction& tx) {
        return Found(internal::LoadRoute(tx, code),
                     fmt::format("there is no route {}", internal::Quote(code)));
      },
      ReadOnly());
}

Result<std::vector<Route>> NetworkService::ListRoutes(
    const std::optional<core::StationCode>& serving) {
  return store_.Transact<std::vector<Route>>(
      [&](Transaction& tx) { return internal::LoadRoutes(tx, serving); }, ReadOnly());
}

// ---- Fares ---------------------------------------------------------------------------------

Result<Upserted> NetworkService::UpsertFare(const Fare& fare) {
  CatalogueWrite write(*this);
  return store_.Transact<Upserted>([&](Transaction& tx) -> Result<Upserted> {
    internal::RouteCache routes;
    if (auto ok = internal::CheckFare(tx, fare, routes); !ok) return Propagate(ok);
    return internal::SaveRecord(tx, fare);
  });
}

Result<int> NetworkService::SetFares(std::string_view route_code, std::span<const Fare> fares) {
  CatalogueWrite write(*this);
  std::vector<ItemError> errors;
  auto stored = store_.Transact<int>([&](Transaction& tx) -> Result<int> {
    errors.clear();
    internal::RouteCache routes;
    auto route = routes.Find(tx, route_code);
    if (!route) return Propagate(route);
    if (*route == nullptr) {
      return FailedPrecondition(fmt::format("there is no route {}", internal::Quote(route_code)),
                                "route_code");
    }
    std::unordered_map<std::string, std::size_t> seen;
    for (std::size_t i = 0; i < fares.size(); ++i) {
      if (fares[i].route_code != route_code) {
        errors.push_back(
            {i,
             Error{ErrorCode::kInvalidArgument,
                   fmt::format("names route {}, not {}", internal::Quote(fares[i].route_code),
                               internal::Quote(route_code)),
                   "route_code"},
             std::nullopt});
        continue;
      }
      if (auto ok = ValidateFare(fares[i], **route); !ok) {
        errors.push_back({i, ok.error(), std::nullopt});
        continue;
      }
      auto [it, fresh] = seen.emplace(internal::RecordKey(fares[i]), i);
      if (!fresh) {
        errors.push_back(
            {i, Error{ErrorCode::kInvalidArgument, "repeats a stop pair", ""}, it->second});
      }
    }
    if (!errors.empty()) return InvalidArgument("batch has errors");
    if (auto ok = internal::DeleteFares(tx, route_code); !ok) return Propagate(ok);
    for (const Fare& fare : fares) {
      if (auto saved = internal::SaveRecord(tx, fare); !saved) return Propagate(saved);
    }
    return static_cast<int>(fares.size());
  });
  if (!stored && !errors.empty()) return tl::unexpected(internal::BatchError("fares", errors));
  return stored;
}

Result<std::vector<Fare>> NetworkService::ListFares(std::string_view route_code) {
  return store_.Transact<std::vector<Fare>>(
      [&](Transaction& tx) -> Result<std::vector<Fare>> {
        auto exists =
            internal::Exists(tx, "SELECT 1 FROM routes WHERE code = $1", {std::string(route_code)});
        if (!exists) return Propagate(exists);
        if (!*exists) {
          return NotFound(fmt::format("there is no route {}", internal::Quote(route_code)));
        }
        return internal::LoadFares(tx, std::string(route_code));
      },
      ReadOnly());
}

// ---- Schedules -----------------------------------------------------------------------------

Result<Upserted> NetworkService::UpsertSchedule(const Schedule& schedule) {
  CatalogueWrite write(*this);
  return UpsertOne(store_, schedule, "schedules", [](Transaction& tx, const auto& item) {
    return internal::CheckReferences(tx, item);
  });
}

Result<BatchCounts> NetworkService::UpsertSchedules(std::span<const Schedule> schedules) {
  CatalogueWrite write(*this);
  return UpsertBatch(store_, schedules, "schedules", [](Transaction& tx, const auto& item) {
    return internal::CheckReferences(tx, item);
  });
}

Result<Schedule> NetworkService::GetSchedule(const core::StationCode& station,
                                             const core::ScheduleCode& code) {
  return store_.Transact<Schedule>(
      [&](Transaction& tx) {
        return Found(
            internal::LoadSchedule(tx, station, code),
            fmt::format("there is no schedule {} at station {}", code.str(), station.str()));
      },
      ReadOnly());
}

Result<std::vector<Schedule>> NetworkService::ListSchedules(
    const std::optional<core::StationCode>& station) {
  return store_.Transact<std::vector<Schedule>>(
      [&](Transaction& tx) { return internal::LoadSchedules(tx, station); }, ReadOnly());
}

// ---- Staff ---------------------------------------------------------------------------------

Result<Staff> NetworkService::CreateStaff(const Staff& staff, std::string_view password) {
  return CreateStaff(staff, password, options_.password_cost);
}

Result<Staff> NetworkService::CreateStaff(const Staff& staff, std::string_view password,
                                          core::PasswordCost cost) {
  if (auto ok = ValidateStaff(staff); !ok) return Propagate(ok);
  if (auto ok = ValidatePassword(password); !ok) return Propagate(ok);
  auto hash = core::HashPassword(password, cost);
  if (!hash) return Propagate(hash);
  return store_.Transact<Staff>([&](Transaction& tx) -> Result<Staff> {
    auto existing = internal::LoadStaff(tx, staff.username);
    if (!existing) return Propagate(existing);
    if (*existing) {
      return AlreadyExists(fmt::format("the username {} is taken", internal::Quote(staff.username)),
                           "username");
    }
    if (auto ok = internal::CheckReferences(tx, staff); !ok) return Propagate(ok);
    if (auto saved = internal::SaveStaff(tx, staff, *hash); !saved) return Propagate(saved);
    return staff;
  });
}

Result<Staff> NetworkService::UpdateStaff(const Staff& staff) {
  if (auto ok = ValidateStaff(staff); !ok) return Propagate(ok);
  return store_.Transact<Staff>([&](Transaction& tx) -> Result<Staff> {
    auto existing = internal::LoadStaff(tx, staff.username);
    if (!existing) return Propagate(existing);
    if (!*existing) {
      return NotFound(fmt::format("there is no account {}", internal::Quote(staff.username)));
    }
    if (auto ok = internal::CheckReferences(tx, staff); !ok) return Propagate(ok);
    if (auto saved = internal::SaveStaff(tx, staff, ""); !saved) return Propagate(saved);
    return staff;
  });
}

Result<void> NetworkService::SetStaffPassword(std::string_view username,
                                              std::string_view password) {
  if (auto ok = ValidatePassword(password); !ok) return ok;
  auto hash = core::HashPassword(password, options_.password_cost);
  if (!hash) return Propagate(hash);
  return store_.RunTransaction([&](Transaction& tx) -> Result<void> {
    auto changed = tx.Execute("UPDATE staff SET password_hash = $1 WHERE username = $2",
                              {*hash, std::string(username)});
    if (!changed) return Propagate(changed);
    if (*changed == 0) {
      return NotFound(fmt::format("there is no account {}", internal::Quote(username)));
    }
    return {};
  });
}

Result<Staff> NetworkService::GetStaff(std::string_view username) {
  auto record = store_.Transact<internal::StaffRecord>(
      [&](Transaction& tx) {
        return Found(internal::LoadStaff(tx, username),
                     fmt::format("there is no account {}", internal::Quote(username)));
      },
      ReadOnly());
  if (!record) return Propagate(record);
  return std::move(record->staff);
}

Result<std::vector<Staff>> NetworkService::ListStaff(
    const std::optional<core::StationCode>& station) {
  auto records = store_.Transact<std::vector<internal::StaffRecord>>(
      [&](Transaction& tx) { return internal::LoadAllStaff(tx, station); }, ReadOnly());
  if (!records) return Propagate(records);
  std::vector<Staff> staff;
  staff.reserve(records->size());
  for (auto& record : *records) staff.push_back(std::move(record.staff));
  return staff;
}

Result<Staff> NetworkService::Authenticate(std::string_view username, std::string_view password) {
  auto check = CheckLogin(username, password);
  if (!check) return Propagate(check);  // the store failed: not the user's fault
  if (check->outcome != LoginOutcome::kSuccess) return tl::unexpected(BadLogin());
  return std::move(*check->staff);
}

Error NetworkService::BadLogin() {
  return InZh(Unauthenticated(std::string(kBadLogin)), std::string(kBadLoginZh)).value();
}

Result<NetworkService::LoginCheck> NetworkService::CheckLogin(std::string_view username,
                                                              std::string_view password) {
  auto record = store_.Transact<std::optional<internal::StaffRecord>>(
      [&](Transaction& tx) { return internal::LoadStaff(tx, username); }, ReadOnly());
  if (!record) return Propagate(record);
  if (!*record) {
    // As long as a real check, so the time taken does not tell which usernames exist.
    (void)core::VerifyPassword(DummyHash(options_.password_cost), password);
    return LoginCheck{LoginOutcome::kUnknownUser, std::nullopt};
  }
  if (!core::VerifyPassword((*record)->password_hash, password)) {
    return LoginCheck{LoginOutcome::kWrongPassword, std::nullopt};
  }
  if (!(*record)->staff.active) return LoginCheck{LoginOutcome::kDisabled, std::nullopt};
  return LoginCheck{LoginOutcome::kSuccess, std::move((*record)->staff)};
}

// ---- Runs ----------------------------------------------------------------------------------

Result<int> NetworkService::GenerateRuns(core::LocalDate from, core::LocalDate to,
                                         const ProgressFn& progress) {
  CatalogueWrite write(*this);
  if (to < from) {
    return InvalidArgument(fmt::format("to {} is before from {}", to.ToString(), from.ToString()),
                           "to");
  }
  const std::int64_t days = to.Days() - from.Days() + 1;
  if (days > 366) {
    return InvalidArgument(fmt::format("at most 366 days at a time, not {}", days), "to");
  }
  int created = 0;
  for (std::int64_t d = 0; d < days; ++d) {
    const core::LocalDate date = from.AddDays(d);
    const core::Instant now = clock_.Now();
    auto made = store_.Transact<int>(
        [&](Transaction& tx) { return internal::InsertRunsOn(tx, date, now); });
    if (!made) return Propagate(made);
    created += *made;
    if (progress) {
      progress(static_cast<int>(d + 1), static_cast<int>(days),
               fmt::format("runs of {}: {} created", date.ToString(), *made));
    }
  }
  spdlog::info("network: generated {} runs from {} to {}", created, from.ToString(), to.ToString());
  return created;
}

Result<Run> NetworkService::GetRun(const core::RunId& id) {
  return store_.Transact<Run>(
      [&](Transaction& tx) {
        return Found(internal::LoadRun(tx, id), fmt::format("there is no run {}", id.str()));
      },
      ReadOnly());
}

Result<Run> NetworkService::SetRunStatus(const core::RunId& id, RunStatus status) {
  CatalogueWrite write(*this);
  auto changed = store_.Transact<Run>([&](Transaction& tx) -> Result<Run> {
    auto loaded = Found(internal::LoadRun(tx, id), fmt::format("there is no run {}", id.str()));
    if (!loaded) return Propagate(loaded);
    Run run = std::move(*loaded);
    if (run.status == status) return run;
    const bool allowed =
        run.status == RunStatus::kOpen ||
        ((run.status == RunStatus::kStopped || run.status == RunStatus::kStoppedSold) &&
         status == RunStatus::kOpen);
    if (!allowed) {
      return FailedPrecondition(fmt::format("run {} is {} ({}) and cannot become {} ({})", id.str(),
                                            RunStatusKey(run.status), RunStatusName(run.status),
                                            RunStatusKey(status), RunStatusName(status)),
                                "status");
    }
    auto changed = tx.Execute(
        "UPDATE runs SET status = $1 WHERE run_id = $2 AND status = $3",
        {std::string(RunStatusKey(status)), id.str(), std::string(RunStatusKey(run.status))});
    if (!changed) return Propagate(changed);
    if (*changed != 1) return Aborted(fmt::format("run {} changed meanwhile", id.str()));
    run.status = status;
    return run;
  });
  // Every status a listener hears is one the store holds: told after the commit.
  if (changed) {
    for (const auto& listener : run_status_listeners_) {
      if (listener) listener(id, changed->status);
    }
  }
  return changed;
}

void NetworkService::NoteRunStatusChanged(const core::RunId& id, RunStatus status) {
  CatalogueWrite write(*this);
  for (const auto& listener : run_status_listeners_) {
    if (listener) listener(id, status);
  }
}

Result<std::vector<RunSummary>> NetworkService::ListRuns(
    core::LocalDate date, const std::optional<core::StationCode>& station) {
  return store_.Transact<std::vector<RunSummary>>(
      [&](Transaction& tx) { return internal::LoadRunSummaries(tx, date, station); }, ReadOnly());
}

}  // namespace keyun::network
