#include "store/internal/sql_text.h"

#include <algorithm>
#include <cctype>

namespace keyun::store::internal {

namespace {

bool IsWordStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool IsWordChar(char c) { return IsWordStart(c) || std::isdigit(static_cast<unsigned char>(c)); }

std::string Upper(std::string_view word) {
  std::string out(word);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view text) {
  const char* kSpace = " \t\r\n\f\v";
  std::size_t begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  std::size_t end = text.find_last_not_of(kSpace);
  return text.substr(begin, end - begin + 1);
}

// Position just past the end of a quoted or commented span starting at `i`, or `i` if none
// starts there. Unterminated spans run to the end of the text.
std::size_t SkipQuotedOrComment(std::string_view sql, std::size_t i) {
  auto to_after = [&](std::string_view closing, std::size_t from) {
    std::size_t end = sql.find(closing, from);
    return end == std::string_view::npos ? sql.size() : end + closing.size();
  };
  char c = sql[i];
  if (c == '\'') return to_after("'", i + 1);  // '' escapes are two adjacent literals
  if (c == '"') return to_after("\"", i + 1);
  if (sql.substr(i, 2) == "--") return to_after("\n", i + 2);
  if (sql.substr(i, 2) == "/*") return to_after("*/", i + 2);
  if (c == '$') {  // $tag$ … $tag$ (PostgreSQL bodies); $1 is a parameter, not a quote
    std::size_t j = i + 1;
    if (j < sql.size() && IsWordStart(sql[j])) {
      while (j < sql.size() && IsWordChar(sql[j])) ++j;
    }
    if (j < sql.size() && sql[j] == '$') {
      std::string_view tag = sql.substr(i, j - i + 1);
      return to_after(tag, j + 1);
    }
  }
  return i;
}

}  // namespace

std::vector<std::string> SplitStatements(std::string_view sql) {
  std::vector<std::string> out;
  std::size_t start = 0;
  std::vector<std::string> leading_words;  // first words of the statement, upper-cased
  std::string last_word;
  bool has_content = false;

  auto finish = [&](std::size_t end) {
    if (has_content) out.emplace_back(Trim(sql.substr(start, end - start)));
    start = end + 1;
    leading_words.clear();
    last_word.clear();
    has_content = false;
  };
  auto in_trigger = [&] {
    if (leading_words.size() < 2 || leading_words[0] != "CREATE") return false;
    if (leading_words[1] == "TRIGGER") return true;
    return leading_words.size() >= 3 &&
           (leading_words[1] == "TEMP" || leading_words[1] == "TEMPORARY") &&
           leading_words[2] == "TRIGGER";
  };

  std::size_t i = 0;
  while (i < sql.size()) {
    char c = sql[i];
    if (std::size_t after = SkipQuotedOrComment(sql, i); after != i) {
      bool is_comment = c == '-' || c == '/';
      if (!is_comment) has_content = true;
      i = after;
      continue;
    }
    if (IsWordStart(c)) {
      std::size_t j = i;
      while (j < sql.size() && IsWordChar(sql[j])) ++j;
      last_word = Upper(sql.substr(i, j - i));
      if (leading_words.size() < 3) leading_words.push_back(last_word);
      has_content = true;
      i = j;
      continue;
    }
    if (c == ';' && (!in_trigger() || last_word == "END")) {
      finish(i);
    } else if (std::isspace(static_cast<unsigned char>(c)) == 0) {
      has_content = true;
      if (c != ';') last_word.clear();
    }
    ++i;
  }
  if (start < sql.size()) finish(sql.size());
  return out;
}

int HighestParameter(std::string_view sql) {
  int highest = 0;
  std::size_t i = 0;
  while (i < sql.size()) {
    if (std::size_t after = SkipQuotedOrComment(sql, i); after != i) {
      i = after;
    } else if (IsWordStart(sql[i])) {  // identifiers may contain $ and digits: "a$1"
      while (i < sql.size() && (IsWordChar(sql[i]) || sql[i] == '$')) ++i;
    } else if (sql[i] == '$' && i + 1 < sql.size() &&
               std::isdigit(static_cast<unsigned char>(sql[i + 1])) != 0) {
      int number = 0;
      for (++i; i < sql.size() && std::isdigit(static_cast<unsigned char>(sql[i])) != 0; ++i) {
        number = std::min(number * 10 + (sql[i] - '0'), 1'000'000);
      }
      highest = std::max(highest, number);
    } else {
      ++i;
    }
  }
  return highest;
}

}  // namespace keyun::store::internal
