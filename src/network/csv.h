// CSV (RFC 4180) reading and writing for master-data import and export (docs/csv.md).
//
//   Result<std::vector<CsvRecord>> records = ParseCsv(text);
//   if (!records) return Propagate(records);         // message says which line and why
//   for (const CsvRecord& record : *records) Use(record.line, record.fields);
//
//   std::string out;
//   AppendCsvRecord(out, {"code", "name"});             // "code,name\r\n"
//   AppendCsvRecord(out, {"370102001", "济南, 总站"});  // "370102001,\"济南, 总站\"\r\n"
//
// Reading accepts what spreadsheets write: UTF-8 with or without a byte-order mark, CRLF or LF
// (or lone CR) line ends, fields enclosed in double quotes that contain commas, doubled quotes
// ("") and line breaks. Blank lines (no characters at all) are skipped. Text that is not UTF-8
// (a GBK file saved by an old spreadsheet) is refused with the line of the first bad byte,
// rather than imported as garbage. A quote inside an unquoted field, or text after a closing
// quote, is an error: guessing would import the wrong value.
//
// Writing produces RFC 4180 text with CRLF line ends, quoting only the fields that need it.
//
// Thread-safety: pure functions over their arguments.
#pragma once

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace keyun::network {

// One record of a CSV file.
struct CsvRecord {
  int line = 0;                     // 1-based line on which the record starts
  std::vector<std::string> fields;  // unquoted, unescaped; at least one
};

// Parses a whole CSV text into records (the header, if any, is the first record).
// Errors: kInvalidArgument with field "line N" for an unterminated quoted field, a stray quote,
// or invalid UTF-8.
[[nodiscard]] Result<std::vector<CsvRecord>> ParseCsv(std::string_view text);

// Appends one record, CRLF-terminated. A field is quoted when it contains a comma, a quote, a
// line break, or leading or trailing spaces (which readers commonly trim).
void AppendCsvRecord(std::string& out, std::span<const std::string> fields);
void AppendCsvRecord(std::string& out, std::initializer_list<std::string_view> fields);

// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or values > U+10FFFF).
[[nodiscard]] bool IsValidUtf8(std::string_view text);

}  // namespace keyun::network
