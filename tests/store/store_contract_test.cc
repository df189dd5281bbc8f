// The Store contract, written once and run against every engine: SQLite in memory, SQLite in a
// file, and a real PostgreSQL server.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <limits>
#include <set>
#include <thread>
#include <vector>

#include "store/internal/migrations.h"
#include "store/store.h"
#include "test_database.h"

namespace keyun::store {
namespace {

using ::testing::HasSubstr;

class StoreContractTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    database_ = std::make_unique<TestDatabase>(GetParam());
    ASSERT_TRUE(database_->ok());
    Result<std::unique_ptr<Store>> opened = Store::Open(database_->location());
    ASSERT_TRUE(opened) << opened.error().ToString();
    store_ = std::move(*opened);
  }
  void TearDown() override {
    store_.reset();  // closes connections before the database is dropped
    database_.reset();
  }

  void Exec(std::string_view sql, std::vector<Value> params = {}) {
    Result<std::int64_t> done = ExecuteOne(*store_, sql, std::move(params));
    ASSERT_TRUE(done) << sql << ": " << done.error().ToString();
  }
  Rows Select(std::string_view sql, std::vector<Value> params = {}) {
    Result<Rows> rows = QueryAll(*store_, sql, std::move(params));
    EXPECT_TRUE(rows) << sql << ": " << rows.error().ToString();
    return rows ? *rows : Rows{};
  }
  std::int64_t Count(std::string_view table) {
    Rows rows = Select(std::string("SELECT COUNT(*) FROM ") + std::string(table));
    return rows.empty() ? -1 : rows[0].Int(0);
  }

  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreContractTest, OpenMigratesAndMigrateAgainIsANoOp) {
  Result<int> version = store_->SchemaVersion();
  ASSERT_TRUE(version) << version.error().ToString();
  EXPECT_GE(LatestSchemaVersion(), 1);
  EXPECT_EQ(*version, LatestSchemaVersion());

  Result<int> again = store_->Migrate();
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_EQ(*again, 0);

  Rows first = Select("SELECT version, name FROM schema_migrations ORDER BY version");
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(first[0].Int(0), 1);
  EXPECT_EQ(first[0].Text(1), "0001_meta");
  EXPECT_EQ(static_cast<int>(first.back().Int(0)), LatestSchemaVersion());
  // 0001 made these.
  Exec("INSERT INTO node_meta (key, value) VALUES ($1, $2)", {Value{"node_id"}, Value{"GD01"}});
  EXPECT_EQ(Count("sequences"), 0);
}

TEST_P(StoreContractTest, ValuesRoundTripExactly) {
  Exec("CREATE TABLE vals (id INTEGER PRIMARY KEY, i BIGINT, t TEXT)");
  const std::vector<std::pair<Value, Value>> cases = {
      {Value{std::numeric_limits<std::int64_t>::min()}, Value{"汽车客运站"}},
      {Value{std::numeric_limits<std::int64_t>::max()}, Value{""}},
      {Value{std::int64_t{0}}, Value{"广州市天河客运站 → 深圳罗湖 🚌"}},
      {Value{std::int64_t{-1}}, Value{kNull}},
      {Value{kNull}, Value{"line\nbreak\ttab 'quote' \"double\" \\ backslash"}},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    Exec("INSERT INTO vals (id, i, t) VALUES ($1, $2, $3)",
         {Value{static_cast<std::int64_t>(i)}, cases[i].first, cases[i].second});
  }
  Rows rows = Select("SELECT i, t FROM vals ORDER BY id");
  ASSERT_EQ(rows.size(), cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(rows[i].at(0), cases[i].first) << "row " << i;
    EXPECT_EQ(rows[i].at(1), cases[i].second) << "row " << i;
  }
  EXPECT_TRUE(rows[3].IsNull(1));
  EXPECT_EQ(rows[3].OptionalText(1), std::nullopt);
  EXPECT_EQ(rows[0].OptionalInt(0), std::numeric_limits<std::int64_t>::min());

  // Parameters keep their kind when they come straight back, and sums are integers.
  Rows echoed = Select("SELECT $1, $2", {Value{std::int64_t{42}}, Value{"四十二"}});
  ASSERT_EQ(echoed.size(), 1u);
  EXPECT_EQ(echoed[0].at(0), Value{std::int64_t{42}});
  EXPECT_EQ(echoed[0].at(1), Value{"四十二"});
  Rows sum = Select("SELECT SUM(i), COUNT(*) FROM vals WHERE i BETWEEN $1 AND $2",
                    {Value{std::int64_t{-1}}, Value{std::int64_t{1000}}});
  EXPECT_EQ(sum[0].at(0), Value{std::int64_t{-1}});
  EXPECT_EQ(sum[0].at(1), Value{std::int64_t{2}});
}

TEST_P(StoreContractTest, ParametersAreNeverInterpretedAsSql) {
  Exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
  const std::vector<std::string> hostile = {"x'); DROP TABLE notes;--", "' OR '1'='1", "$1",
                                            "\"; DELETE FROM notes; --", "?"};
  for (std::size_t i = 0; i < hostile.size(); ++i) {
    Exec("INSERT INTO notes (id, body) VALUES ($1, $2)",
         {Value{static_cast<std::int64_t>(i)}, Value{hostile[i]}});
  }
  Rows rows = Select("SELECT body FROM notes ORDER BY id");
  ASSERT_EQ(rows.size(), hostile.size());
  for (std::size_t i = 0; i < hostile.size(); ++i) EXPECT_EQ(rows[i].Text(0), hostile[i]);
  EXPECT_TRUE(
      Select("SELECT id FROM notes WHERE body = $1", {Value{"nothing' OR '1'='1"}}).empty());
}

TEST_P(StoreContractTest, UniqueViolationIsAlreadyExists) {
  Exec("CREATE TABLE test_stations (code TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE)");
  Exec("INSERT INTO test_stations (code, name) VALUES ($1, $2)",
       {Value{"440106001"}, Value{"天河"}});

  Result<std::int64_t> same_name =
      ExecuteOne(*store_, "INSERT INTO test_stations (code, name) VALUES ($1, $2)",
                 {Value{"440106002"}, Value{"天河"}});
  ASSERT_FALSE(same_name);
  EXPECT_EQ(same_name.error().code, ErrorCode::kAlreadyExists) << same_name.error().ToString();
  // The engine's text, naming the constraint, is kept for the log only; the person is told
  // what happened and what to do, in English and Chinese, without the engine's words.
  EXPECT_THAT(same_name.error().internal, HasSubstr("name"));
  EXPECT_THAT(same_name.error().message, HasSubstr("already in use"));
  EXPECT_THAT(same_name.error().message_zh, HasSubstr("已被使用"));
  for (const char* engine_word : {"UNIQUE", "constraint", "duplicate key", "test_stations"}) {
    EXPECT_THAT(same_name.error().message, ::testing::Not(HasSubstr(engine_word)));
  }

  Result<std::int64_t> same_key =
      ExecuteOne(*store_, "INSERT INTO test_stations (code, name) VALUES ($1, $2)",
                 {Value{"440106001"}, Value{"x"}});
  ASSERT_FALSE(same_key);
  EXPECT_EQ(same_key.error().code, ErrorCode::kAlreadyExists) << same_key.error().ToString();
  EXPECT_EQ(Count("test_stations"), 1);
}

TEST_P(StoreContractTest, ForeignKeyCheckAndNotNullViolationsAreFailedPrecondition) {
  Exec("CREATE TABLE test_carriers (id BIGINT PRIMARY KEY)");
  Exec(
      "CREATE TABLE test_vehicles (plate TEXT PRIMARY KEY, carrier BIGINT NOT NULL REFERENCES "
      "test_carriers (id), "
      "seats INTEGER NOT NULL CHECK (seats > 0))");
  Exec("INSERT INTO test_carriers (id) VALUES ($1)", {Value{std::int64_t{1}}});
  Exec("INSERT INTO test_vehicles (plate, carrier, seats) VALUES ($1, $2, $3)",
       {Value{"粤A12345"}, Value{std::int64_t{1}}, Value{std::int64_t{45}}});

  const std::vector<std::vector<Value>> bad = {
      {Value{"粤B00001"}, Value{std::int64_t{2}}, Value{std::int64_t{45}}},  // no carrier 2
      {Value{"粤B00002"}, Value{std::int64_t{1}}, Value{std::int64_t{0}}},   // CHECK
      {Value{"粤B00003"}, Value{kNull}, Value{std::int64_t{45}}},            // NOT NULL
  };
  for (const std::vector<Value>& row : bad) {
    Result<std::int64_t> inserted = ExecuteOne(
        *store_, "INSERT INTO test_vehicles (plate, carrier, seats) VALUES ($1, $2, $3)", row);
    ASSERT_FALSE(inserted);
    EXPECT_EQ(inserted.error().code, ErrorCode::kFailedPrecondition) << inserted.error().ToString();
  }
  Result<std::int64_t> orphaning = ExecuteOne(*store_, "DELETE FROM test_carriers WHERE id = 1");
  ASSERT_FALSE(orphaning);
  EXPECT_EQ(orphaning.error().code, ErrorCode::kFailedPrecondition) << orphaning.error().ToString();
  EXPECT_EQ(Count("test_vehicles"), 1);
}

TEST_P(StoreContractTest, BodyErrorRollsBackAndIsReturnedAsIs) {
  Exec("CREATE TABLE t (id INTEGER PRIMARY KEY)");
  Result<void> done = store_->RunTransaction([](Transaction& tx) -> Result<void> {
    if (auto ok = tx.Execute("INSERT INTO t (id) VALUES (1)"); !ok) return Propagate(ok);
    if (auto ok = tx.Execute("INSERT INTO t (id) VALUES (2)"); !ok) return Propagate(ok);
    return InvalidArgument("seat 3 does not exist", "seat");
  });
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(done.error().message, "seat 3 does not exist");
  EXPECT_EQ(done.error().field, "seat");
  EXPECT_EQ(Count("t"), 0);
}

TEST_P(StoreContractTest, FailedStatementEndsTheTransactionEvenIfSwallowed) {
  Exec("CREATE TABLE t (id INTEGER PRIMARY KEY)");
  Exec("INSERT INTO t (id) VALUES (1)");
  Result<void> done = store_->RunTransaction([](Transaction& tx) -> Result<void> {
    EXPECT_TRUE(tx.Execute("INSERT INTO t (id) VALUES (2)"));
    Result<std::int64_t> duplicate = tx.Execute("INSERT INTO t (id) VALUES (1)");
    EXPECT_FALSE(duplicate);
    Result<Rows> after = tx.Query("SELECT id FROM t");
    EXPECT_FALSE(after);  // the same error again, on both engines
    if (!after) {
      EXPECT_EQ(after.error().code, ErrorCode::kAlreadyExists);
    }
    return {};  // swallowed: still rolls back
  });
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(Count("t"), 1);

  // The portable way to tolerate a duplicate.
  Result<std::int64_t> tolerated =
      ExecuteOne(*store_, "INSERT INTO t (id) VALUES (1) ON CONFLICT (id) DO NOTHING");
  ASSERT_TRUE(tolerated) << tolerated.error().ToString();
  EXPECT_EQ(*tolerated, 0);
}

TEST_P(StoreContractTest, TransactReturnsTheBodysValue) {
  Exec("CREATE TABLE test_runs (id INTEGER PRIMARY KEY, code TEXT NOT NULL)");
  Result<std::string> code =
      store_->Transact<std::string>([](Transaction& tx) -> Result<std::string> {
        Result<Rows> inserted =
            tx.Query("INSERT INTO test_runs (id, code) VALUES ($1, $2) RETURNING code",
                     {Value{std::int64_t{7}}, Value{"K0301"}});
        if (!inserted) return Propagate(inserted);
        return inserted->at(0).Text(0);
      });
  ASSERT_TRUE(code) << code.error().ToString();
  EXPECT_EQ(*code, "K0301");
}

TEST_P(StoreContractTest, QueryOneWantsExactlyOneRow) {
  Exec("CREATE TABLE t (id INTEGER PRIMARY KEY)");
  Exec("INSERT INTO t (id) VALUES (1)");
  Exec("INSERT INTO t (id) VALUES (2)");
  auto query_one = [&](std::string_view sql) {
    return store_->Transact<Row>([&](Transaction& tx) { return tx.QueryOne(sql); });
  };
  Result<Row> one = query_one("SELECT id FROM t WHERE id = 2");
  ASSERT_TRUE(one) << one.error().ToString();
  EXPECT_EQ(one->Int(0), 2);
  Result<Row> none = query_one("SELECT id FROM t WHERE id = 3");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound);
  Result<Row> two = query_one("SELECT id FROM t");
  ASSERT_FALSE(two);
  EXPECT_EQ(two.error().code, ErrorCode::kInternal);
}

TEST_P(StoreContractTest, ExecuteReturnsRowsChanged) {
  Result<std::int64_t> created =
      ExecuteOne(*store_, "CREATE TABLE t (id INTEGER PRIMARY KEY, n BIGINT)");
  ASSERT_TRUE(created);
  EXPECT_EQ(*created, 0);
  for (std::int64_t i = 1; i <= 3; ++i) {
    Result<std::int64_t> inserted =
        ExecuteOne(*store_, "INSERT INTO t (id, n) VALUES ($1, 0)", {Value{i}});
    ASSERT_TRUE(inserted);
    EXPECT_EQ(*inserted, 1);
  }
  EXPECT_EQ(ExecuteOne(*store_, "UPDATE t SET n = n + 1").value_or(-1), 3);
  EXPECT_EQ(ExecuteOne(*store_, "UPDATE t SET n = 5 WHERE id > $1", {Value{std::int64_t{1}}})
                .value_or(-1),
            2);
  EXPECT_EQ(ExecuteOne(*store_, "DELETE FROM t WHERE id = 99").value_or(-1), 0);
  EXPECT_EQ(ExecuteOne(*store_, "CREATE TABLE u (id INTEGER PRIMARY KEY)").value_or(-1), 0);
}

TEST_P(StoreContractTest, SqlMistakesAreInternal) {
  Exec("CREATE TABLE t (id INTEGER PRIMARY KEY)");
  const std::vector<std::pair<std::string, std::vector<Value>>> mistakes = {
      {"SELEC id FROM t", {}},
      {"SELECT id FROM no_such_table", {}},
      {"SELECT id FROM t WHERE id = $1", {}},  // too few
      {"SELECT id FROM t WHERE id = $1",
       {Value{std::int64_t{1}}, Value{std::int64_t{2}}}},                    // too many
      {"INSERT INTO t (id) VALUES (1); INSERT INTO t (id) VALUES (2)", {}},  // two statements
  };
  for (const auto& [sql, params] : mistakes) {
    Result<std::int64_t> done = ExecuteOne(*store_, sql, params);
    ASSERT_FALSE(done) << sql;
    EXPECT_EQ(done.error().code, ErrorCode::kInternal) << sql << ": " << done.error().ToString();
  }
  EXPECT_EQ(Count("t"), 0);
}

TEST_P(StoreContractTest, ReadOnlyTransactionsReadButCannotWrite) {
  Exec("CREATE TABLE t (id INTEGER PRIMARY KEY)");
  Exec("INSERT INTO t (id) VALUES (1)");
  TransactionOptions read;
  read.read_only = true;
  Result<std::int64_t> count = store_->Transact<std::int64_t>(
      [](Transaction& tx) -> Result<std::int64_t> {
        Result<Row> row = tx.QueryOne("SELECT COUNT(*) FROM t");
        if (!row) return Propagate(row);
        return row->Int(0);
      },
      read);
  ASSERT_TRUE(count) << count.error().ToString();
  EXPECT_EQ(*count, 1);

  Result<std::int64_t> written = store_->Transact<std::int64_t>(
      [](Transaction& tx) { return tx.Execute("INSERT INTO t (id) VALUES (2)"); }, read);
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, ErrorCode::kInternal) << written.error().ToString();
  EXPECT_EQ(Count("t"), 1);
  // And the connection it ran on is a writer again afterwards (":memory:" shares one).
  Exec("INSERT INTO t (id) VALUES (3)");
  EXPECT_EQ(Count("t"), 2);
}

TEST_P(StoreContractTest, RetriesAbortedBodiesUpToMaxAttempts) {
  int calls = 0;
  TransactionOptions options;
  options.max_attempts = 3;
  Result<void> gave_up = store_->RunTransaction(
      [&](Transaction&) -> Result<void> {
        ++calls;
        return Aborted("conflict");
      },
      options);
  ASSERT_FALSE(gave_up);
  EXPECT_EQ(gave_up.error().code, ErrorCode::kAborted);
  EXPECT_EQ(calls, 3);

  calls = 0;
  Result<void> third_time = store_->RunTransaction(
      [&](Transaction&) -> Result<void> {
        if (++calls < 3) return Aborted("conflict");
        return {};
      },
      options);
  EXPECT_TRUE(third_time);
  EXPECT_EQ(calls, 3);
}

// Read-modify-write from many threads: SQLite serializes writers; PostgreSQL runs them
// SERIALIZABLE, aborts the losers and RunTransaction retries them (a late retry runs alone).
// Either way no update is lost and no transaction gives up.
TEST_P(StoreContractTest, ConcurrentReadModifyWriteIncrementsAreExact) {
  Exec("CREATE TABLE counter (id INTEGER PRIMARY KEY, n BIGINT NOT NULL)");
  Exec("INSERT INTO counter (id, n) VALUES (1, 0)");
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  const TransactionOptions options;  // the default attempts must suffice, even on one hot row
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        Result<void> done = store_->RunTransaction(
            [](Transaction& tx) -> Result<void> {
              Result<Row> row = tx.QueryOne("SELECT n FROM counter WHERE id = 1");
              if (!row) return Propagate(row);
              Result<std::int64_t> updated =
                  tx.Execute("UPDATE counter SET n = $1 WHERE id = 1", {Value{row->Int(0) + 1}});
              if (!updated) return Propagate(updated);
              return {};
            },
            options);
        if (!done) {
          ADD_FAILURE() << done.error().ToString();
          ++failures;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  Rows rows = Select("SELECT n FROM counter WHERE id = 1");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Int(0), kThreads * kPerThread);
}

TEST_P(StoreContractTest, NextSequenceIsGapFreeUnderConcurrency) {
  Exec("CREATE TABLE issued (number BIGINT PRIMARY KEY)");
  constexpr int kThreads = 8;
  constexpr int kPerThread = 60;
  const TransactionOptions options;  // the default attempts must suffice, even on one hot row
  std::atomic<int> committed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const bool give_up = (t + i) % 5 == 0;  // some transactions roll back after drawing
        Result<void> done = store_->RunTransaction(
            [&](Transaction& tx) -> Result<void> {
              Result<std::int64_t> number = NextSequence(tx, "ticket");
              if (!number) return Propagate(number);
              if (give_up) return FailedPrecondition("payment declined");
              Result<std::int64_t> inserted =
                  tx.Execute("INSERT INTO issued (number) VALUES ($1)", {Value{*number}});
              if (!inserted) return Propagate(inserted);
              return {};
            },
            options);
        if (done) {
          ++committed;
        } else if (done.error().code != ErrorCode::kFailedPrecondition) {
          ADD_FAILURE() << done.error().ToString();
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  Rows rows = Select("SELECT COUNT(*), MIN(number), MAX(number) FROM issued");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_GT(committed.load(), 0);
  EXPECT_EQ(rows[0].Int(0), committed.load());
  EXPECT_EQ(rows[0].Int(1), 1);
  EXPECT_EQ(rows[0].Int(2), committed.load());  // distinct (primary key) and no gaps
  // Another counter starts at 1 on its own.
  Result<std::int64_t> other =
      store_->Transact<std::int64_t>([](Transaction& tx) { return NextSequence(tx, "refund"); });
  ASSERT_TRUE(other) << other.error().ToString();
  EXPECT_EQ(*other, 1);
}

// NextSerial never hands out a value twice, even to transactions that roll back, and each
// thread sees its values increase; on PostgreSQL no sale waits on or conflicts over it, so the
// default attempts are never exhausted.
TEST_P(StoreContractTest, NextSerialIsUniqueAndIncreasingUnderConcurrency) {
  Exec("CREATE TABLE issued (number BIGINT PRIMARY KEY)");
  constexpr int kThreads = 8;
  constexpr int kPerThread = 60;
  std::atomic<int> committed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::int64_t last = 0;
      for (int i = 0; i < kPerThread; ++i) {
        const bool give_up = (t + i) % 5 == 0;
        std::int64_t drawn = 0;
        Result<void> done = store_->RunTransaction([&](Transaction& tx) -> Result<void> {
          Result<std::int64_t> number = NextSerial(tx, "ticket");
          if (!number) return Propagate(number);
          drawn = *number;
          if (give_up) return FailedPrecondition("payment declined");
          Result<std::int64_t> inserted =
              tx.Execute("INSERT INTO issued (number) VALUES ($1)", {Value{*number}});
          if (!inserted) return Propagate(inserted);
          return {};
        });
        if (done) {
          ++committed;
          EXPECT_GT(drawn, last) << "thread " << t << " saw its serial go backwards";
          last = drawn;
        } else if (done.error().code != ErrorCode::kFailedPrecondition) {
          ADD_FAILURE() << done.error().ToString();
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  Rows rows = Select("SELECT COUNT(*), MIN(number) FROM issued");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Int(0), committed.load());  // the primary key: no value issued twice
  EXPECT_GE(rows[0].Int(1), 1);
  if (store_->engine() == Engine::kPostgres) {
    Result<std::int64_t> unknown = store_->Transact<std::int64_t>(
        [](Transaction& tx) { return NextSerial(tx, "no_such_serial"); });
    ASSERT_FALSE(unknown) << "PostgreSQL has no sequence for a serial no migration made";
    EXPECT_EQ(unknown.error().code, ErrorCode::kInternal);
  }
}

// Migration 0018 moves ticket numbers from one counter per day to one serial: on a store that
// already issued tickets, the serial starts after the highest number any day gave out, so no
// number issued today repeats one issued earlier today.
TEST_P(StoreContractTest, TheTicketSerialMigrationContinuesAfterTheDailyCounters) {
  Exec("INSERT INTO sequences (name, value) VALUES ('ticket-20261205', 7), "
       "('ticket-20261206', 41), ('refund-20261206', 900)");
  if (store_->engine() == Engine::kPostgres) Exec("DROP SEQUENCE serial_ticket");
  const internal::Migration* ticket_serial = nullptr;
  for (const internal::Migration& migration : internal::EmbeddedMigrations()) {
    if (migration.name == "0018_ticket_serial") ticket_serial = &migration;
  }
  ASSERT_NE(ticket_serial, nullptr);
  Result<bool> migrated = store_->Transact<bool>([&](Transaction& tx) -> Result<bool> {
    for (const std::string& statement :
         internal::SplitStatements(ticket_serial->SqlFor(store_->engine()))) {
      if (auto done = tx.Execute(statement); !done) return Propagate(done);
    }
    return true;
  });
  ASSERT_TRUE(migrated) << migrated.error().ToString();
  Result<std::int64_t> next =
      store_->Transact<std::int64_t>([](Transaction& tx) { return NextSerial(tx, "ticket"); });
  ASSERT_TRUE(next) << next.error().ToString();
  EXPECT_EQ(*next, 42);
}

// Migration 0013 rebuilds the staff table to admit role 'kiosk'. Run again on a table with
// accounts in it, it keeps every account as it was; the rebuilt table still refuses an unknown
// role and a kiosk account without a station.
TEST_P(StoreContractTest, TheKioskRoleMigrationKeepsEveryAccount) {
  Exec("INSERT INTO staff (username, display_name, role, password_hash, active) VALUES "
       "('admin1', '省管理员', 'province_admin', 'hash-a', 1), "
       "('audit1', '审计员', 'auditor', 'hash-b', 0)");
  const internal::Migration* kiosk_role = nullptr;
  for (const internal::Migration& migration : internal::EmbeddedMigrations()) {
    if (migration.name == "0013_kiosk_role") kiosk_role = &migration;
  }
  ASSERT_NE(kiosk_role, nullptr);
  Result<bool> rebuilt = store_->Transact<bool>([&](Transaction& tx) -> Result<bool> {
    for (const std::string& statement :
         internal::SplitStatements(kiosk_role->SqlFor(store_->engine()))) {
      if (auto done = tx.Execute(statement); !done) return Propagate(done);
    }
    return true;
  });
  ASSERT_TRUE(rebuilt) << rebuilt.error().ToString();

  Rows rows = Select(
      "SELECT username, display_name, role, password_hash, active FROM staff ORDER BY username");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].Text(0), "admin1");
  EXPECT_EQ(rows[0].Text(1), "省管理员");
  EXPECT_EQ(rows[0].Text(2), "province_admin");
  EXPECT_EQ(rows[0].Text(3), "hash-a");
  EXPECT_EQ(rows[0].Int(4), 1);
  EXPECT_EQ(rows[1].Text(0), "audit1");
  EXPECT_EQ(rows[1].Int(4), 0);
  EXPECT_FALSE(ExecuteOne(*store_,
                          "INSERT INTO staff (username, display_name, role, password_hash) "
                          "VALUES ('kiosk9', '自助机', 'kiosk', 'h')"))
      << "a kiosk account needs a station";
  EXPECT_FALSE(ExecuteOne(*store_,
                          "INSERT INTO staff (username, display_name, role, password_hash) "
                          "VALUES ('robot9', '机器人', 'robot', 'h')"))
      << "an unknown role";
}

TEST_P(StoreContractTest, RefusesADatabaseWithANewerSchema) {
  Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
       {Value{std::int64_t{9999}}, Value{"9999_from_the_future"}, Value{"2030-01-01T00:00:00Z"}});
  Result<int> migrated = store_->Migrate();
  ASSERT_FALSE(migrated);
  EXPECT_EQ(migrated.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(migrated.error().message, HasSubstr("9999"));
  EXPECT_THAT(migrated.error().message, HasSubstr("upgrade keyun"));

  if (!database_->reopenable()) return;
  store_.reset();
  for (bool migrate : {true, false}) {
    OpenOptions options;
    options.migrate = migrate;
    Result<std::unique_ptr<Store>> reopened = Store::Open(database_->location(), options);
    ASSERT_FALSE(reopened) << "migrate=" << migrate;
    EXPECT_EQ(reopened.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_THAT(reopened.error().message,
                HasSubstr("database schema version 9999 is newer than this keyun"));
  }
}

TEST_P(StoreContractTest, ConcurrentMigratorsApplyEachMigrationOnce) {
  TestDatabase fresh(GetParam());
  ASSERT_TRUE(fresh.ok());
  OpenOptions options;
  options.migrate = false;
  constexpr int kMigrators = 4;
  std::vector<std::unique_ptr<Store>> stores;
  for (int i = 0; i < (fresh.reopenable() ? kMigrators : 1); ++i) {
    Result<std::unique_ptr<Store>> opened = Store::Open(fresh.location(), options);
    ASSERT_TRUE(opened) << opened.error().ToString();
    Result<int> version = (*opened)->SchemaVersion();
    ASSERT_TRUE(version) << version.error().ToString();
    EXPECT_EQ(*version, 0);
    stores.push_back(std::move(*opened));
  }
  std::atomic<int> applied{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kMigrators; ++i) {
    threads.emplace_back([&, i] {
      Result<int> count = stores[i % stores.size()]->Migrate();
      if (count) {
        applied += *count;
      } else {
        ADD_FAILURE() << count.error().ToString();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  Result<Rows> versions =
      QueryAll(*stores[0], "SELECT version FROM schema_migrations ORDER BY version");
  ASSERT_TRUE(versions) << versions.error().ToString();
  EXPECT_EQ(applied.load(), static_cast<int>(versions->size()));
  EXPECT_EQ(static_cast<int>(versions->back().Int(0)), LatestSchemaVersion());
  Result<int> version = stores[0]->SchemaVersion();
  ASSERT_TRUE(version);
  EXPECT_EQ(*version, LatestSchemaVersion());
}

INSTANTIATE_TEST_SUITE_P(Engines, StoreContractTest,
                         ::testing::Values(Backend::kSqliteMemory, Backend::kSqliteFile,
                                           Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return BackendName(info.param);
                         });

}  // namespace
}  // namespace keyun::store
