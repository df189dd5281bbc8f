// Per-table CSV conversion for NetworkService::ImportCsv and ExportCsv (docs/csv.md): the
// columns of each table, rows → values (collecting every bad cell), values → rows. Private to
// src/network.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/ids.h"
#include "core/money.h"
#include "core/password.h"
#include "core/result.h"
#include "network/csv.h"
#include "network/internal/csv_rows.h"
#include "network/internal/records.h"
#include "network/master_data.h"
#include "network/network_service.h"
#include "store/store.h"

namespace keyun::network::internal {

// The columns of a table, in export order.
[[nodiscard]] std::span<const ColumnSpec> ColumnsOf(Table table);

// Values built from rows, with the lines they came from: lines[i][0] is item i's first line;
// routes keep one line per stop (lines[i][k] is stop k's).
template <class T>
struct Batch {
  std::vector<T> items;
  std::vector<std::vector<int>> lines;
};

// Rows → values. Every bad cell is appended to `errors`; its row is left out of the batch.
[[nodiscard]] Batch<Station> StationsFrom(std::span<const CsvRecord> rows, const Header& header,
                                          std::vector<RowError>& errors);
[[nodiscard]] Batch<Carrier> CarriersFrom(std::span<const CsvRecord> rows, const Header& header,
                                          std::vector<RowError>& errors);
[[nodiscard]] Batch<Vehicle> VehiclesFrom(std::span<const CsvRecord> rows, const Header& header,
                                          std::vector<RowError>& errors);
// Rows grouped by route_code (in order of first appearance), stops ordered by stop_index.
[[nodiscard]] Batch<Route> RoutesFrom(std::span<const CsvRecord> rows, const Header& header,
                                      std::vector<RowError>& errors);
[[nodiscard]] Batch<Schedule> SchedulesFrom(std::span<const CsvRecord> rows, const Header& header,
                                            std::vector<RowError>& errors);

// A fare row before its stations are turned into stop indexes (which needs the route).
struct FareRow {
  int line;
  std::string route_code;
  core::StationCode from;
  core::StationCode to;
  core::Money adult;
  std::optional<core::Money> child;
  std::optional<core::Money> discount;
  core::Money station_fee;
  core::Money cap;
};
[[nodiscard]] std::vector<FareRow> FareRowsFrom(std::span<const CsvRecord> rows,
                                                const Header& header,
                                                std::vector<RowError>& errors);
// Inside the import's transaction: stations → stop indexes of each row's route.
[[nodiscard]] Result<Batch<Fare>> FaresFrom(store::Transaction& tx,
                                            const std::vector<FareRow>& rows, RouteCache& routes,
                                            std::vector<RowError>& errors);

// Staff rows carry either a password (hashed here, before the transaction, at `cost`) or a
// stored hash.
struct StaffRows {
  Batch<Staff> batch;
  std::map<std::string, std::string> hashes;  // username → hash; absent: keep the stored one
};
[[nodiscard]] StaffRows StaffFrom(std::span<const CsvRecord> rows, const Header& header,
                                  core::PasswordCost cost, std::vector<RowError>& errors);

// The whole table as CSV: BOM, header, records ordered by key, CRLF.
[[nodiscard]] Result<std::string> ExportTable(store::Transaction& tx, Table table);

}  // namespace keyun::network::internal
