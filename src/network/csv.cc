#include "network/csv.h"

#include <fmt/format.h>

#include <cstddef>

namespace keyun::network {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Length of the valid UTF-8 sequence starting at text[i], or 0 if it is not valid.
std::size_t Utf8SequenceLength(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned min_second = 0x80;
  unsigned max_second = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) min_second = 0xA0;  // overlong
    if (lead == 0xED) max_second = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) min_second = 0x90;  // overlong
    if (lead == 0xF4) max_second = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < min_second || byte(i + 1) > max_second) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

tl::unexpected<Error> LineError(int line, std::string reason) {
  return InvalidArgument(fmt::format("line {}: {}", line, reason), fmt::format("line {}", line));
}

bool NeedsQuotes(std::string_view field) {
  if (field.empty()) return false;
  if (field.front() == ' ' || field.front() == '\t' || field.back() == ' ' ||
      field.back() == '\t') {
    return true;
  }
  return field.find_first_of(",\"\r\n") != std::string_view::npos;
}

void AppendField(std::string& out, std::string_view field) {
  if (!NeedsQuotes(field)) {
    out += field;
    return;
  }
  out += '"';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = Utf8SequenceLength(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

Result<std::vector<CsvRecord>> ParseCsv(std::string_view text) {
  if (text.starts_with(kUtf8Bom)) text.remove_prefix(kUtf8Bom.size());

  // Check the encoding first, so a GBK file is reported as such and not as a quoting problem.
  int line = 1;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = Utf8SequenceLength(text, i);
    if (length == 0) {
      return LineError(line, "the file is not UTF-8 text (save it as \"CSV UTF-8\")");
    }
    if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n'))) {
      ++line;
    }
    i += length;
  }

  std::vector<CsvRecord> records;
  CsvRecord record;
  std::string field;
  line = 1;
  record.line = 1;
  bool record_has_chars = false;
  std::size_t i = 0;
  const std::size_t n = text.size();

  // Consumes a line break at text[i] (CRLF, LF or CR); returns false if there is none.
  const auto take_line_break = [&]() {
    if (i < n && text[i] == '\r') {
      ++i;
      if (i < n && text[i] == '\n') ++i;
      ++line;
      return true;
    }
    if (i < n && text[i] == '\n') {
      ++i;
      ++line;
      return true;
    }
    return false;
  };
  const auto finish_record = [&]() {
    record.fields.push_back(std::move(field));
    field.clear();
    if (record_has_chars) records.push_back(std::move(record));
    record = CsvRecord{};
    record.line = line;
    record_has_chars = false;
  };

  while (i < n) {
    // At the start of a field.
    if (text[i] == '"') {
      record_has_chars = true;
      const int opened_on = line;
      ++i;
      for (;;) {
        if (i >= n) return LineError(opened_on, "a quoted field is never closed (missing \")");
        const char c = text[i];
        if (c == '"') {
          if (i + 1 < n && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (c == '\r' || c == '\n') {
          // Keep the line break as written inside the field, but count lines.
          if (c == '\r' && i + 1 < n && text[i + 1] == '\n') {
            field += "\r\n";
            i += 2;
          } else {
            field += c;
            ++i;
          }
          ++line;
          continue;
        }
        field += c;
        ++i;
      }
      // After the closing quote: a separator, a line break or the end.
      if (i >= n) break;
      if (text[i] == ',') {
        ++i;
        record.fields.push_back(std::move(field));
        field.clear();
        if (i >= n) break;  // "a",<EOF>: one more empty field, added below
        continue;
      }
      if (take_line_break()) {
        finish_record();
        continue;
      }
      return LineError(line,
                       "text after a closing quote; a quoted field must end at , or "
                       "the end of the line");
    }
    // An unquoted field.
    while (i < n && text[i] != ',' && text[i] != '\r' && text[i] != '\n') {
      if (text[i] == '"') {
        return LineError(line,
                         "a quote inside an unquoted field; enclose the field in quotes "
                         "and double the quote (\"\")");
      }
      field += text[i];
      record_has_chars = true;
      ++i;
    }
    if (i >= n) break;
    if (text[i] == ',') {
      record_has_chars = true;
      ++i;
      record.fields.push_back(std::move(field));
      field.clear();
      continue;
    }
    take_line_break();
    finish_record();
  }
  // The last record, when the text does not end with a line break.
  if (record_has_chars) {
    record.fields.push_back(std::move(field));
    records.push_back(std::move(record));
  }
  return records;
}

void AppendCsvRecord(std::string& out, std::span<const std::string> fields) {
  for (std::size_t k = 0; k < fields.size(); ++k) {
    if (k > 0) out += ',';
    AppendField(out, fields[k]);
  }
  out += "\r\n";
}

void AppendCsvRecord(std::string& out, std::initializer_list<std::string_view> fields) {
  bool first = true;
  for (std::string_view field : fields) {
    if (!first) out += ',';
    first = false;
    AppendField(out, field);
  }
  out += "\r\n";
}

}  // namespace keyun::network
