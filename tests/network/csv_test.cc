// The RFC 4180 reader and writer.
#include "network/csv.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace keyun::network {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::vector<std::string>> Fields(std::string_view text) {
  auto records = ParseCsv(text);
  EXPECT_TRUE(records) << records.error().ToString();
  std::vector<std::vector<std::string>> out;
  if (records) {
    for (const CsvRecord& record : *records) out.push_back(record.fields);
  }
  return out;
}

std::vector<int> Lines(std::string_view text) {
  std::vector<int> out;
  const std::vector<CsvRecord> records = ParseCsv(text).value();
  for (const CsvRecord& record : records) out.push_back(record.line);
  return out;
}

TEST(CsvTest, PlainRecordsWithLfOrCrlf) {
  using Row = std::vector<std::string>;
  EXPECT_THAT(Fields("a,b,c\n1,2,3\n"), ElementsAre(Row{"a", "b", "c"}, Row{"1", "2", "3"}));
  EXPECT_THAT(Fields("a,b\r\n1,2\r\n"), ElementsAre(Row{"a", "b"}, Row{"1", "2"}));
  EXPECT_THAT(Fields("a,b\r1,2"), ElementsAre(Row{"a", "b"}, Row{"1", "2"}));  // old Mac CR
  EXPECT_THAT(Fields("a,b\n1,2"), ElementsAre(Row{"a", "b"}, Row{"1", "2"}));  // no final EOL
}

TEST(CsvTest, EmptyFieldsAreKept) {
  using Row = std::vector<std::string>;
  EXPECT_THAT(Fields("a,,c\n,,\n"), ElementsAre(Row{"a", "", "c"}, Row{"", "", ""}));
  EXPECT_THAT(Fields("a,b,"), ElementsAre(Row{"a", "b", ""}));
  EXPECT_THAT(Fields("\"a\","), ElementsAre(Row{"a", ""}));
  EXPECT_THAT(Fields("\"\"\n"), ElementsAre(Row{""}));
}

TEST(CsvTest, QuotedFieldsWithCommasQuotesAndNewlines) {
  using Row = std::vector<std::string>;
  EXPECT_THAT(Fields("\"济南, 总站\",\"say \"\"hi\"\"\",\"two\nlines\"\r\nx,y,z\r\n"),
              ElementsAre(Row{"济南, 总站", "say \"hi\"", "two\nlines"}, Row{"x", "y", "z"}));
  EXPECT_THAT(Fields("\"a\r\nb\""), ElementsAre(Row{"a\r\nb"}));
}

TEST(CsvTest, BomIsSkippedAndBlankLinesIgnored) {
  using Row = std::vector<std::string>;
  EXPECT_THAT(Fields("\xEF\xBB\xBF"
                     "code,name\n\n370102001,济南\n\r\n"),
              ElementsAre(Row{"code", "name"}, Row{"370102001", "济南"}));
  EXPECT_TRUE(ParseCsv("").value().empty());
  EXPECT_TRUE(ParseCsv("\xEF\xBB\xBF").value().empty());
}

TEST(CsvTest, LineNumbersAreWhereRecordsStart) {
  // Header on 1, blank line 2, a record spanning lines 3–4, then 5.
  EXPECT_THAT(Lines("h1,h2\n\n\"a\nb\",c\nd,e\n"), ElementsAre(1, 3, 5));
  EXPECT_THAT(Lines("h\r\n\"x\r\n\r\ny\"\r\nz\r\n"), ElementsAre(1, 2, 5));
}

TEST(CsvTest, ErrorsSayWhichLine) {
  auto unterminated = ParseCsv("a,b\n1,\"open\n2,3\n");
  ASSERT_FALSE(unterminated);
  EXPECT_EQ(unterminated.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(unterminated.error().field, "line 2");
  EXPECT_THAT(unterminated.error().message, HasSubstr("never closed"));

  auto stray = ParseCsv("a,b\n1,x\"y\n");
  ASSERT_FALSE(stray);
  EXPECT_EQ(stray.error().field, "line 2");

  auto trailing = ParseCsv("a,b\n\"x\"y,2\n");
  ASSERT_FALSE(trailing);
  EXPECT_EQ(trailing.error().field, "line 2");
}

TEST(CsvTest, NonUtf8IsRefusedWithItsLine) {
  // "济南" in GBK is C3 BC C4 CF: not UTF-8.
  auto gbk = ParseCsv("code,name\n370102001,\xBC\xC3\xC4\xCF\n");
  ASSERT_FALSE(gbk);
  EXPECT_EQ(gbk.error().field, "line 2");
  EXPECT_THAT(gbk.error().message, HasSubstr("UTF-8"));
  EXPECT_FALSE(IsValidUtf8("\xC0\x80"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));  // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));
  EXPECT_TRUE(IsValidUtf8("济南 🚌"));
}

TEST(CsvTest, WriterQuotesOnlyWhatNeedsIt) {
  std::string out;
  AppendCsvRecord(out, {"370102001", "济南, 总站", "say \"hi\"", "two\nlines", " pad", ""});
  EXPECT_EQ(out, "370102001,\"济南, 总站\",\"say \"\"hi\"\"\",\"two\nlines\",\" pad\",\r\n");
}

TEST(CsvTest, WriteThenReadRoundTrips) {
  const std::vector<std::vector<std::string>> rows = {
      {"a", "b,c", "\"", ""}, {"line\r\nbreak", " lead", "trail ", "普通"}, {"", "", "", ""}};
  std::string text;
  for (const auto& row : rows) AppendCsvRecord(text, row);
  EXPECT_EQ(Fields(text), rows);
}

}  // namespace
}  // namespace keyun::network
