// How master data is read from and written to the store: one set of functions per entity, all
// working inside a caller's transaction. Private to src/network.
//
// Per entity T the overloads are:
//   ValidateRecord(const T&)          the value on its own (master_data.h)
//   RecordKey(const T&)               its primary key as text, to spot duplicates in a batch
//   CheckReferences(tx, const T&)     the records it refers to exist and fit
//   SaveRecord(tx, const T&)          insert or replace (references already checked)
// and SaveBatch runs them over a span: first every check for every item (collecting every
// error), then, only if there were none, every write.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/ids.h"
#include "core/result.h"
#include "core/time.h"
#include "network/master_data.h"
#include "network/network_service.h"
#include "store/store.h"

namespace keyun::network::internal {

using store::Transaction;

// An error about item `index` of a batch.
struct ItemError {
  std::size_t index = 0;
  Error error;
  std::optional<std::size_t> duplicate_of;  // set when the item repeats an earlier item's key
};

// ---- Stations
[[nodiscard]] Result<std::optional<Station>> LoadStation(Transaction& tx,
                                                         const core::StationCode& code);
[[nodiscard]] Result<std::vector<Station>> LoadStations(Transaction& tx, const StationQuery& query);
[[nodiscard]] Result<void> ValidateRecord(const Station& station);
[[nodiscard]] std::string RecordKey(const Station& station);
[[nodiscard]] Result<void> CheckReferences(Transaction& tx, const Station& station);
[[nodiscard]] Result<Upserted> SaveRecord(Transaction& tx, const Station& station);

// ---- Carriers
[[nodiscard]] Result<std::optional<Carrier>> LoadCarrier(Transaction& tx,
                                                         const core::CreditCode& code);
[[nodiscard]] Result<std::vector<Carrier>> LoadCarriers(Transaction& tx);
[[nodiscard]] Result<void> ValidateRecord(const Carrier& carrier);
[[nodiscard]] std::string RecordKey(const Carrier& carrier);
[[nodiscard]] Result<void> CheckReferences(Transaction& tx, const Carrier& carrier);
[[nodiscard]] Result<Upserted> SaveRecord(Transaction& tx, const Carrier& carrier);

// ---- Vehicles
[[nodiscard]] Result<std::optional<Vehicle>> LoadVehicle(Transaction& tx, std::string_view plate);
[[nodiscard]] Result<std::vector<Vehicle>> LoadVehicles(
    Transaction& tx, const std::optional<core::CreditCode>& carrier);
[[nodiscard]] Result<void> ValidateRecord(const Vehicle& vehicle);
[[nodiscard]] std::string RecordKey(const Vehicle& vehicle);
[[nodiscard]] Result<void> CheckReferences(Transaction& tx, const Vehicle& vehicle);
[[nodiscard]] Result<Upserted> SaveRecord(Transaction& tx, const Vehicle& vehicle);

// ---- Routes (with their stops)
[[nodiscard]] Result<std::optional<Route>> LoadRoute(Transaction& tx, std::string_view code);
[[nodiscard]] Result<std::vector<Route>> LoadRoutes(
    Transaction& tx, const std::optional<core::StationCode>& serving);
[[nodiscard]] Result<void> ValidateRecord(const Route& route);
[[nodiscard]] std::string RecordKey(const Route& route);
// Also refuses a change of stops while the route has runs on sale from `today` on, and a change
// of origin while it has schedules.
[[nodiscard]] Result<void> CheckReferences(Transaction& tx, const Route& route,
                                           core::LocalDate today);
[[nodiscard]] Result<Upserted> SaveRecord(Transaction& tx, const Route& route);

// ---- Fares
// Routes by code, loaded once per batch.
class RouteCache {
 public:
  // The route, or nullptr if it does not exist.
  [[nodiscard]] Result<const Route*> Find(Transaction& tx, std::string_view code);

 private:
  std::unordered_map<std::string, std::optional<Route>> routes_;
};

[[nodiscard]] Result<std::vector<Fare>> LoadFares(Transaction& tx,
                                                  const std::optional<std::string>& route_code);
// A fare is checked against its route by CheckFare; on its own there is nothing to check.
[[nodiscard]] inline Result<void> ValidateRecord(const Fare&) { return {}; }
[[nodiscard]] std::string RecordKey(const Fare& fare);
// The route exists (field "route_code") and ValidateFare holds against it.
[[nodiscard]] Result<void> CheckFare(Transaction& tx, const Fare& fare, RouteCache& routes);
[[nodiscard]] Result<Upserted> SaveRecord(Transaction& tx, const Fare& fare);
[[nodiscard]] Result<void> DeleteFares(Transaction& tx, std::string_view route_code);

// ---- Schedules
[[nodiscard]] Result<std::optional<Schedule>> LoadSchedule(Transaction& tx,
                                                           const core::StationCode& station,
                                                           const core::ScheduleCode& code);
[[nodiscard]] Result<std::vector<Schedule>> LoadSchedules(
    Transaction& tx, const std::optional<core::StationCode>& station);
[[nodiscard]] Result<void> ValidateRecord(const Schedule& schedule);
[[nodiscard]] std::string RecordKey(const Schedule& schedule);
[[nodiscard]] Result<void> CheckReferences(Transaction& tx, const Schedule& schedule);
[[nodiscard]] Result<Upserted> SaveRecord(Transaction& tx, const Schedule& schedule);

// ---- Staff (the password hash travels beside the Staff value, never inside it)
struct StaffRecord {
  Staff staff;
  std::string password_hash;
};
[[nodiscard]] Result<std::optional<StaffRecord>> LoadStaff(Transaction& tx,
                                                           std::string_view username);
[[nodiscard]] Result<std::vector<StaffRecord>> LoadAllStaff(
    Transaction& tx, const std::optional<core::StationCode>& station);
[[nodiscard]] Result<void> ValidateRecord(const Staff& staff);
[[nodiscard]] std::string RecordKey(const Staff& staff);
[[nodiscard]] Result<void> CheckReferences(Transaction& tx, const Staff& staff);
// Inserts or replaces the account; an empty hash keeps the stored one (kFailedPrecondition,
// field "password", if there is none).
[[nodiscard]] Result<Upserted> SaveStaff(Transaction& tx, const Staff& staff,
                                         const std::string& password_hash);

// ---- Runs
// Creates the missing runs of `date` (see NetworkService::GenerateRuns); returns how many.
[[nodiscard]] Result<int> InsertRunsOn(Transaction& tx, core::LocalDate date, core::Instant now);
[[nodiscard]] Result<std::optional<Run>> LoadRun(Transaction& tx, const core::RunId& id);
[[nodiscard]] Result<std::vector<RunSummary>> LoadRunSummaries(
    Transaction& tx, core::LocalDate date, const std::optional<core::StationCode>& station);

// ---- Batches

// Checks every item (value, duplicate key, references) and appends every failure to `errors`.
// Returns false if there were failures, or the store's error if it failed (then stop).
template <class T, class Check>
[[nodiscard]] Result<bool> CheckBatch(std::span<const T> items, Check&& check_references,
                                      std::vector<ItemError>& errors) {
  const std::size_t errors_before = errors.size();
  std::unordered_map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (auto ok = ValidateRecord(items[i]); !ok) {
      errors.push_back({i, ok.error(), std::nullopt});
      continue;
    }
    auto [it, fresh] = seen.emplace(RecordKey(items[i]), i);
    if (!fresh) {
      errors.push_back(
          {i, Error{ErrorCode::kInvalidArgument, "repeats the key " + it->first, ""}, it->second});
      continue;
    }
    if (auto ok = check_references(items[i]); !ok) {
      if (ok.error().code != ErrorCode::kInvalidArgument &&
          ok.error().code != ErrorCode::kFailedPrecondition) {
        return tl::unexpected(ok.error());  // the store failed: stop here
      }
      errors.push_back({i, ok.error(), std::nullopt});
    }
  }
  return errors.size() == errors_before;
}

// CheckBatch, then, only if every item passed, SaveRecord for each. Returns kInvalidArgument
// "batch has errors" when `errors` is not empty, or the first store error.
template <class T, class Check>
[[nodiscard]] Result<BatchCounts> SaveBatch(Transaction& tx, std::span<const T> items,
                                            Check&& check_references,
                                            std::vector<ItemError>& errors) {
  auto clean = CheckBatch(items, std::forward<Check>(check_references), errors);
  if (!clean) return Propagate(clean);
  if (!*clean) return InvalidArgument("batch has errors");
  BatchCounts counts;
  for (std::size_t i = 0; i < items.size(); ++i) {
    Result<Upserted> saved = SaveRecord(tx, items[i]);
    if (!saved) return Propagate(saved);
    (*saved == Upserted::kInserted ? counts.inserted : counts.updated) += 1;
  }
  return counts;
}

// One Error for a failed batch: the first item error's code, every item's message on its own
// line prefixed by "<name>[i].<field>: ", and the first item's field as the field.
[[nodiscard]] Error BatchError(std::string_view name, const std::vector<ItemError>& errors);

}  // namespace keyun::network::internal
