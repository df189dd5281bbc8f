#include "network/internal/csv_rows.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "network/internal/text.h"

namespace keyun::network::internal {

Result<Header> Header::Parse(const CsvRecord& record, std::span<const ColumnSpec> columns) {
  Header header;
  header.size_ = record.fields.size();
  std::vector<std::string> problems;
  for (std::size_t i = 0; i < record.fields.size(); ++i) {
    const std::string name(Trim(record.fields[i]));
    const bool known = std::any_of(columns.begin(), columns.end(),
                                   [&](const ColumnSpec& c) { return c.name == name; });
    if (!known) {
      problems.push_back(fmt::format("unknown column {}", Quote(name)));
      continue;
    }
    if (!header.positions_.emplace(name, i).second) {
      problems.push_back(fmt::format("column {} appears twice", name));
    }
  }
  for (const ColumnSpec& column : columns) {
    if (column.required && !header.positions_.contains(column.name)) {
      problems.push_back(fmt::format("missing column {}", column.name));
    }
  }
  if (!problems.empty()) {
    std::string expected;
    for (const ColumnSpec& column : columns) {
      expected += fmt::format("{}{}{}", expected.empty() ? "" : ",", column.name,
                              column.required ? "" : "?");
    }
    std::string message = fmt::format("line {}: the header row is wrong: ", record.line);
    for (std::size_t i = 0; i < problems.size(); ++i) {
      message += fmt::format("{}{}", i == 0 ? "" : "; ", problems[i]);
    }
    message += fmt::format(" (expected columns: {}; ? marks optional ones)", expected);
    return InvalidArgument(std::move(message), "header");
  }
  return header;
}

std::optional<std::size_t> Header::Position(std::string_view column) const {
  auto found = positions_.find(column);
  if (found == positions_.end()) return std::nullopt;
  return found->second;
}

RowReader::RowReader(const CsvRecord& record, const Header& header, std::vector<RowError>& errors)
    : record_(record), header_(header), errors_(errors), errors_before_(errors.size()) {}

void RowReader::Fail(std::string_view column, std::string reason) {
  errors_.push_back(RowError{record_.line, std::string(column), std::move(reason)});
}

std::string_view RowReader::Text(std::string_view column) const {
  const auto position = header_.Position(column);
  if (!position || *position >= record_.fields.size()) return {};
  return Trim(record_.fields[*position]);
}

std::optional<std::string> RowReader::Required(std::string_view column) {
  const std::string_view text = Text(column);
  if (text.empty()) {
    Fail(column, "is empty; a value is required");
    return std::nullopt;
  }
  return std::string(text);
}

std::optional<int> RowReader::Int(std::string_view column, int min, int max) {
  const auto text = Required(column);
  if (!text) return std::nullopt;
  int value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size()) {
    Fail(column, fmt::format("{} is not a whole number", Quote(*text)));
    return std::nullopt;
  }
  if (value < min || value > max) {
    Fail(column, fmt::format("must be {} to {}, not {}", min, max, value));
    return std::nullopt;
  }
  return value;
}

std::optional<bool> RowReader::Bool(std::string_view column, bool if_empty) {
  const std::string_view text = Text(column);
  if (text.empty()) return if_empty;
  const std::string lower = [&] {
    std::string out(text);
    for (char& c : out) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
  }();
  if (lower == "1" || lower == "true" || lower == "yes" || lower == "是") return true;
  if (lower == "0" || lower == "false" || lower == "no" || lower == "否") return false;
  Fail(column, fmt::format("must be 1 or 0 (true/false), not {}", Quote(text)));
  return std::nullopt;
}

std::optional<core::Money> RowReader::Money(std::string_view column) {
  const auto text = Required(column);
  if (!text) return std::nullopt;
  auto money = core::Money::Parse(*text);
  if (!money) {
    Fail(column, fmt::format("{} is not an amount in yuan such as 12.50", Quote(*text)));
    return std::nullopt;
  }
  return *money;
}

std::optional<core::StationCode> RowReader::Station(std::string_view column) {
  const auto text = Required(column);
  if (!text) return std::nullopt;
  return Take(column, core::StationCode::Parse(*text));
}

std::optional<core::CreditCode> RowReader::Credit(std::string_view column) {
  const auto text = Required(column);
  if (!text) return std::nullopt;
  return Take(column, core::CreditCode::Parse(*text));
}

std::optional<core::LocalDate> RowReader::Date(std::string_view column) {
  const auto text = Required(column);
  if (!text) return std::nullopt;
  return Take(column, core::LocalDate::Parse(*text));
}

std::optional<core::TimeOfDay> RowReader::Time(std::string_view column) {
  const auto text = Required(column);
  if (!text) return std::nullopt;
  return Take(column, core::TimeOfDay::Parse(*text));
}

Error ImportError(std::string_view table, std::vector<RowError> errors) {
  std::stable_sort(errors.begin(), errors.end(),
                   [](const RowError& a, const RowError& b) { return a.line < b.line; });
  int bad_rows = 0;
  int last_line = -1;
  for (const RowError& error : errors) {
    if (error.line != last_line) ++bad_rows;
    last_line = error.line;
  }
  Error out{
      ErrorCode::kInvalidArgument,
      fmt::format("{}: {} bad row{}, nothing imported:", table, bad_rows, bad_rows == 1 ? "" : "s"),
      ""};
  for (const RowError& error : errors) {
    const std::string where = error.column.empty()
                                  ? fmt::format("line {}", error.line)
                                  : fmt::format("line {}, {}", error.line, error.column);
    if (out.field.empty()) out.field = where;
    out.message += fmt::format("\n{}: {}", where, error.reason);
  }
  return out;
}

}  // namespace keyun::network::internal
