// The examples in docs/csv.md import, in order, into an empty store (docs come from code that
// runs: STYLE.md "Tests").
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "network/network_service.h"
#include "network_fixture.h"

namespace keyun::network {
namespace {

using testing::DateOf;
using testing::TimeOf;

// Table name → the first ```csv block under the heading "## <table>".
std::map<std::string, std::string> CsvExamples(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot read " << path;
  std::map<std::string, std::string> examples;
  std::string line;
  std::string section;
  bool in_block = false;
  std::string block;
  while (std::getline(in, line)) {
    if (in_block) {
      if (line == "```") {
        in_block = false;
        if (!section.empty() && !examples.contains(section)) examples[section] = block;
      } else {
        block += line + "\n";
      }
    } else if (line.starts_with("## ")) {
      section = line.substr(3);
    } else if (line == "```csv") {
      in_block = true;
      block.clear();
    }
  }
  return examples;
}

TEST(CsvDocsTest, EveryTableExampleImports) {
  const auto examples = CsvExamples(KEYUN_DOCS_DIR "/csv.md");
  auto store = store::Store::Open(":memory:");
  ASSERT_TRUE(store);
  core::FakeClock clock(core::Instant::FromShanghai(DateOf("2026-11-20"), TimeOf("06:00")));
  NetworkService network(**store, clock, {.password_cost = core::PasswordCost::kFastForTests});
  for (Table table : AllTables()) {
    const std::string name(TableName(table));
    ASSERT_TRUE(examples.contains(name)) << "docs/csv.md has no example for " << name;
    auto report = network.ImportCsv(table, examples.at(name));
    ASSERT_TRUE(report) << name << ": " << report.error().ToString();
    EXPECT_GT(report->inserted, 0) << name;
  }
  EXPECT_TRUE(network.Authenticate("wang.li", "ticket-window-1"));
  EXPECT_EQ(network.GenerateRuns(DateOf("2026-11-20"), DateOf("2026-11-20")).value(), 3);
}

}  // namespace
}  // namespace keyun::network
