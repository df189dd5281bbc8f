// The embedded migrations and the statement splitter that feeds them to the engines.
#include "store/internal/migrations.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

#include "store/internal/sql_text.h"
#include "store/store.h"

namespace keyun::store::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(EmbeddedMigrationsTest, AreOrderedNamedAndStartWithMeta) {
  std::span<const Migration> migrations = EmbeddedMigrations();
  ASSERT_FALSE(migrations.empty());
  EXPECT_EQ(migrations.front().version, 1);
  EXPECT_EQ(migrations.front().name, "0001_meta");
  const std::regex name_pattern("[0-9]{4}_[a-z0-9_]+");
  int previous = 0;
  for (const Migration& migration : migrations) {
    EXPECT_GT(migration.version, previous) << migration.name;
    previous = migration.version;
    EXPECT_TRUE(std::regex_match(std::string(migration.name), name_pattern)) << migration.name;
    EXPECT_EQ(std::stoi(std::string(migration.name.substr(0, 4))), migration.version);
    EXPECT_FALSE(SplitStatements(migration.SqlFor(Engine::kSqlite)).empty()) << migration.name;
    EXPECT_FALSE(SplitStatements(migration.SqlFor(Engine::kPostgres)).empty()) << migration.name;
  }
  EXPECT_EQ(LatestSchemaVersion(), previous);
}

TEST(EmbeddedMigrationsTest, OverrideReplacesThePortableTextForItsEngineOnly) {
  Migration migration{7, "0007_x", "portable", "", "postgres only"};
  EXPECT_EQ(migration.SqlFor(Engine::kSqlite), "portable");
  EXPECT_EQ(migration.SqlFor(Engine::kPostgres), "postgres only");
}

TEST(SplitStatementsTest, SplitsAtSemicolonsAndTrims) {
  EXPECT_THAT(SplitStatements("CREATE TABLE a (x TEXT);\n\n  CREATE TABLE b (y TEXT) ;\n"),
              ElementsAre("CREATE TABLE a (x TEXT)", "CREATE TABLE b (y TEXT)"));
  EXPECT_THAT(SplitStatements("SELECT 1"), ElementsAre("SELECT 1"));
  EXPECT_THAT(SplitStatements("SELECT 1; SELECT 2;"), ElementsAre("SELECT 1", "SELECT 2"));
}

TEST(SplitStatementsTest, DropsBlankAndCommentOnlyPieces) {
  EXPECT_THAT(SplitStatements(""), IsEmpty());
  EXPECT_THAT(SplitStatements("  ;\n;\n-- just a comment; with a semicolon\n/* and; this */\n"),
              IsEmpty());
  EXPECT_THAT(SplitStatements("-- heading\nCREATE TABLE a (x TEXT); -- trailing; note\n"),
              ElementsAre("-- heading\nCREATE TABLE a (x TEXT)"));
}

TEST(SplitStatementsTest, IgnoresSemicolonsInLiteralsIdentifiersAndComments) {
  EXPECT_THAT(SplitStatements("INSERT INTO t VALUES ('a;b', 'it''s; fine');\n"
                              "SELECT \"odd;name\" FROM t /* x; y */ WHERE a = 'c' -- z;\n;"),
              ElementsAre("INSERT INTO t VALUES ('a;b', 'it''s; fine')",
                          "SELECT \"odd;name\" FROM t /* x; y */ WHERE a = 'c' -- z;"));
}

TEST(SplitStatementsTest, KeepsDollarQuotedBodiesWhole) {
  const std::string function =
      "CREATE FUNCTION f() RETURNS trigger AS $body$ BEGIN NEW.x := 1; RETURN NEW; END; $body$ "
      "LANGUAGE plpgsql";
  EXPECT_THAT(SplitStatements(function + ";\nSELECT $$a;b$$;\nSELECT $1 + $2;"),
              ElementsAre(function, "SELECT $$a;b$$", "SELECT $1 + $2"));
}

TEST(SplitStatementsTest, KeepsSqliteTriggerBodiesWhole) {
  const std::string trigger =
      "CREATE TRIGGER seats_guard BEFORE UPDATE ON seats BEGIN\n"
      "  SELECT RAISE(ABORT, 'sold');\n"
      "  UPDATE log SET n = n + 1;\n"
      "END";
  EXPECT_THAT(
      SplitStatements(trigger + ";\nCREATE TEMP TRIGGER t2 AFTER INSERT ON a BEGIN "
                                "DELETE FROM b; END;\nSELECT 1;"),
      ElementsAre(trigger, "CREATE TEMP TRIGGER t2 AFTER INSERT ON a BEGIN DELETE FROM b; END",
                  "SELECT 1"));
}

TEST(HighestParameterTest, CountsDollarNumbersOutsideLiteralsAndComments) {
  EXPECT_EQ(HighestParameter("SELECT 1"), 0);
  EXPECT_EQ(HighestParameter("SELECT $1, $2"), 2);
  EXPECT_EQ(HighestParameter("UPDATE t SET a = $3 WHERE b = $1"), 3);
  EXPECT_EQ(HighestParameter("SELECT $12"), 12);
  EXPECT_EQ(
      HighestParameter("SELECT '$9', \"$8\", $$ $7 $$ -- $6\n /* $5 */ FROM t WHERE a$4 = $1"), 1);
}

}  // namespace
}  // namespace keyun::store::internal
