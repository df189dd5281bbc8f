// Reading typed cells out of CSV records, with every problem collected as (line, column,
// reason). Private to src/network; used by NetworkService::ImportCsv.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/money.h"
#include "core/result.h"
#include "core/time.h"
#include "network/csv.h"
#include "network/master_data.h"

namespace keyun::network::internal {

struct ColumnSpec {
  std::string_view name;
  bool required = true;
};

// One problem with one row.
struct RowError {
  int line = 0;
  std::string column;  // may be empty: the row as a whole
  std::string reason;
};

// Column name → position, from a header record checked against the table's columns.
class Header {
 public:
  // Fails (kInvalidArgument, field "header") naming every unknown, repeated and missing column.
  [[nodiscard]] static Result<Header> Parse(const CsvRecord& record,
                                            std::span<const ColumnSpec> columns);

  [[nodiscard]] std::optional<std::size_t> Position(std::string_view column) const;
  [[nodiscard]] std::size_t size() const { return size_; }

 private:
  std::map<std::string, std::size_t, std::less<>> positions_;
  std::size_t size_ = 0;
};

// Typed access to one record's cells. Every failed conversion appends a RowError and returns
// nullopt, so a row reports all its bad cells at once.
class RowReader {
 public:
  RowReader(const CsvRecord& record, const Header& header, std::vector<RowError>& errors);

  [[nodiscard]] int line() const { return record_.line; }
  // True if no conversion on this row has failed so far.
  [[nodiscard]] bool ok() const { return errors_.size() == errors_before_; }
  void Fail(std::string_view column, std::string reason);

  // The cell, trimmed; "" for an absent optional column.
  [[nodiscard]] std::string_view Text(std::string_view column) const;
  // Like Text, but a required value: empty → error.
  [[nodiscard]] std::optional<std::string> Required(std::string_view column);
  [[nodiscard]] std::optional<int> Int(std::string_view column, int min, int max);
  // Empty → `if_empty`. Accepts 1/0, true/false, yes/no, 是/否.
  [[nodiscard]] std::optional<bool> Bool(std::string_view column, bool if_empty);
  [[nodiscard]] std::optional<core::Money> Money(std::string_view column);
  [[nodiscard]] std::optional<core::StationCode> Station(std::string_view column);
  [[nodiscard]] std::optional<core::CreditCode> Credit(std::string_view column);
  [[nodiscard]] std::optional<core::LocalDate> Date(std::string_view column);
  [[nodiscard]] std::optional<core::TimeOfDay> Time(std::string_view column);

  // A parser's result, or nullopt after recording its error against `column`.
  template <class T>
  [[nodiscard]] std::optional<T> Take(std::string_view column, Result<T> parsed) {
    if (parsed) return std::move(*parsed);
    Fail(column, parsed.error().message);
    return std::nullopt;
  }

 private:
  const CsvRecord& record_;
  const Header& header_;
  std::vector<RowError>& errors_;
  std::size_t errors_before_;
};

// "true"/"false"-free form written by export: "1" or "0".
[[nodiscard]] inline std::string_view BoolCell(bool value) { return value ? "1" : "0"; }

// The failed import as one Error: every row error on its own line, ordered by line.
[[nodiscard]] Error ImportError(std::string_view table, std::vector<RowError> errors);

}  // namespace keyun::network::internal
