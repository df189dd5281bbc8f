// NetworkService::ImportCsv and ExportCsv: the table formats of docs/csv.md.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <map>

#include "network/csv.h"
#include "network/internal/csv_rows.h"
#include "network/internal/csv_tables.h"
#include "network/internal/records.h"
#include "network/internal/text.h"
#include "network/network_service.h"

namespace keyun::network {
namespace {

using internal::Batch;
using internal::ItemError;
using internal::RowError;
using store::Transaction;

// Where an item's error goes: its line and the CSV column for a value-type field name.
struct Location {
  int line = 0;
  std::string column;
};

// Value-type member names that differ from the CSV column names, per table.
std::string ColumnFor(Table table, std::string_view field) {
  static const std::map<std::pair<Table, std::string_view>, std::string_view> kRenamed = {
      {{Table::kRoutes, "code"}, "route_code"},
      {{Table::kRoutes, "name"}, "route_name"},
      {{Table::kRoutes, "stops"}, "stop_index"},
      {{Table::kFares, "from_index"}, "from_station"},
      {{Table::kFares, "to_index"}, "to_station"},
      {{Table::kSchedules, "station"}, "station_code"},
      {{Table::kSchedules, "code"}, "schedule_code"},
      {{Table::kStaff, "station"}, "station_code"},
  };
  auto found = kRenamed.find({table, field});
  return std::string(found == kRenamed.end() ? field : found->second);
}

Location Locate(Table table, const std::vector<int>& lines, std::string_view field) {
  // "stops[2].km" → the line of stop 2, column km ("station" → station_code).
  if (field.starts_with("stops[")) {
    const std::size_t close = field.find(']');
    const std::size_t stop = std::stoul(std::string(field.substr(6, close - 6)));
    const std::string_view member =
        close + 2 <= field.size() ? field.substr(close + 2) : std::string_view();
    const int line = stop < lines.size() ? lines[stop] : lines.front();
    return {line, member == "station" ? "station_code" : std::string(member)};
  }
  return {lines.front(), ColumnFor(table, field)};
}

// Runs the checks and writes of one import inside one transaction; see ImportCsv's contract.
template <class T, class Build, class Check, class Save>
Result<ImportReport> RunImport(store::Store& store, Table table, int records,
                               const std::vector<RowError>& row_errors,
                               const ImportOptions& options, Build&& build, Check&& check,
                               Save&& save) {
  enum class Outcome { kStoreError, kBadRows, kDryRun, kDone };
  Outcome outcome = Outcome::kStoreError;
  std::vector<RowError> errors;
  ImportReport report{.table = table, .records = records, .inserted = 0, .updated = 0};
  Result<void> done = store.RunTransaction([&](Transaction& tx) -> Result<void> {
    outcome = Outcome::kStoreError;
    errors = row_errors;
    report.inserted = report.updated = 0;
    Result<Batch<T>> batch = build(tx, errors);
    if (!batch) return Propagate(batch);
    std::vector<ItemError> item_errors;
    auto checked = internal::CheckBatch(
        std::span<const T>(batch->items), [&](const T& item) { return check(tx, item); },
        item_errors);
    if (!checked) return Propagate(checked);
    for (const ItemError& item : item_errors) {
      const std::vector<int>& lines = batch->lines[item.index];
      Location where = Locate(table, lines, item.error.field);
      std::string reason = item.error.message;
      if (item.duplicate_of) {
        where.column.clear();
        reason = fmt::format("{}, already given on line {}", reason,
                             batch->lines[*item.duplicate_of].front());
      }
      errors.push_back(RowError{where.line, std::move(where.column), std::move(reason)});
    }
    if (!errors.empty()) {
      outcome = Outcome::kBadRows;
      return InvalidArgument("the import has bad rows");  // rolls back
    }
    for (std::size_t i = 0; i < batch->items.size(); ++i) {
      Result<Upserted> saved = save(tx, batch->items[i]);
      if (!saved) {
        return tl::unexpected(WithContext(
            saved.error(), fmt::format("{} line {}", TableName(table), batch->lines[i].front())));
      }
      (*saved == Upserted::kInserted ? report.inserted : report.updated) += 1;
    }
    if (options.dry_run) {
      outcome = Outcome::kDryRun;
      return InvalidArgument("dry run");  // rolls back
    }
    outcome = Outcome::kDone;
    return {};
  });
  switch (outcome) {
    case Outcome::kBadRows:
      return tl::unexpected(internal::ImportError(TableName(table), std::move(errors)));
    case Outcome::kDryRun:
      return report;
    case Outcome::kDone:
    case Outcome::kStoreError:
      break;
  }
  if (!done) return Propagate(done);
  spdlog::info("network: imported {}: {} inserted, {} updated", TableName(table), report.inserted,
               report.updated);
  return report;
}

// Builds for tables whose items come straight from the rows.
template <class T>
auto Prebuilt(Batch<T> batch) {
  return [batch = std::move(batch)](Transaction&, std::vector<RowError>&) -> Result<Batch<T>> {
    return batch;
  };
}

template <class T>
auto Saver() {
  return [](Transaction& tx, const T& item) { return internal::SaveRecord(tx, item); };
}

}  // namespace

// ---- Import ----------------------------------------------------------------------------------

Result<ImportReport> NetworkService::ImportCsv(Table table, std::string_view text,
                                               const ImportOptions& options) {
  CatalogueWrite write(*this);
  auto records = ParseCsv(text);
  if (!records) {
    return tl::unexpected(WithContext(records.error(), TableName(table)));
  }
  if (records->empty()) {
    return InvalidArgument(
        fmt::format("{}: the file is empty; its first row must be the header", TableName(table)),
        "header");
  }
  auto header = internal::Header::Parse(records->front(), internal::ColumnsOf(table));
  if (!header) return tl::unexpected(WithContext(header.error(), TableName(table)));
  const int count = static_cast<int>(records->size() - 1);

  // A row with the wrong number of fields is reported and left out; the others are still
  // checked, so that one import attempt shows every bad row.
  std::vector<RowError> errors;
  std::vector<CsvRecord> well_formed;
  for (std::size_t i = 1; i < records->size(); ++i) {
    CsvRecord& row = (*records)[i];
    if (row.fields.size() != header->size()) {
      errors.push_back(RowError{
          row.line, "",
          fmt::format("has {} fields but the header has {}", row.fields.size(), header->size())});
      continue;
    }
    well_formed.push_back(std::move(row));
  }
  const std::span<const CsvRecord> rows(well_formed);

  const core::LocalDate today = clock_.Now().ShanghaiDate();
  switch (table) {
    case Table::kStations: {
      auto batch = internal::StationsFrom(rows, *header, errors);
      return RunImport<Station>(
          store_, table, count, errors, options, Prebuilt(std::move(batch)),
          [](Transaction& tx, const Station& s) { return internal::CheckReferences(tx, s); },
          Saver<Station>());
    }
    case Table::kCarriers: {
      auto batch = internal::CarriersFrom(rows, *header, errors);
      return RunImport<Carrier>(
          store_, table, count, errors, options, Prebuilt(std::move(batch)),
          [](Transaction& tx, const Carrier& c) { return internal::CheckReferences(tx, c); },
          Saver<Carrier>());
    }
    case Table::kVehicles: {
      auto batch = internal::VehiclesFrom(rows, *header, errors);
      return RunImport<Vehicle>(
          store_, table, count, errors, options, Prebuilt(std::move(batch)),
          [](Transaction& tx, const Vehicle& v) { return internal::CheckReferences(tx, v); },
          Saver<Vehicle>());
    }
    case Table::kRoutes: {
      auto batch = internal::RoutesFrom(rows, *header, errors);
      return RunImport<Route>(
          store_, table, count, errors, options, Prebuilt(std::move(batch)),
          [&](Transaction& tx, const Route& r) { return internal::CheckReferences(tx, r, today); },
          Saver<Route>());
    }
    case Table::kFares: {
      const std::vector<internal::FareRow> fare_rows =
          internal::FareRowsFrom(rows, *header, errors);
      internal::RouteCache routes;
      return RunImport<Fare>(
          store_, table, count, errors, options,
          [&](Transaction& tx, std::vector<RowError>& row_errors) {
            routes = internal::RouteCache();
            return internal::FaresFrom(tx, fare_rows, routes, row_errors);
          },
          [&](Transaction& tx, const Fare& f) { return internal::CheckFare(tx, f, routes); },
          Saver<Fare>());
    }
    case Table::kSchedules: {
      auto batch = internal::SchedulesFrom(rows, *header, errors);
      return RunImport<Schedule>(
          store_, table, count, errors, options, Prebuilt(std::move(batch)),
          [](Transaction& tx, const Schedule& s) { return internal::CheckReferences(tx, s); },
          Saver<Schedule>());
    }
    case Table::kStaff: {
      internal::StaffRows staff =
          internal::StaffFrom(rows, *header, options_.password_cost, errors);
      return RunImport<Staff>(
          store_, table, count, errors, options, Prebuilt(staff.batch),
          [&](Transaction& tx, const Staff& s) -> Result<void> {
            if (auto ok = internal::CheckReferences(tx, s); !ok) return ok;
            if (staff.hashes.contains(s.username)) return {};
            auto existing = internal::LoadStaff(tx, s.username);
            if (!existing) return Propagate(existing);
            if (!*existing) {
              return InvalidArgument("a new account needs a password (or password_hash)",
                                     "password");
            }
            return {};
          },
          [&](Transaction& tx, const Staff& s) {
            auto hash = staff.hashes.find(s.username);
            return internal::SaveStaff(tx, s,
                                       hash == staff.hashes.end() ? std::string() : hash->second);
          });
    }
  }
  return Internal("unknown table");
}

// ---- Export ----------------------------------------------------------------------------------

Result<std::string> NetworkService::ExportCsv(Table table) {
  return store_.Transact<std::string>(
      [&](Transaction& tx) { return internal::ExportTable(tx, table); },
      store::TransactionOptions{.read_only = true});
}

}  // namespace keyun::network
