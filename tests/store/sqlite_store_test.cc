// What only the SQLite engine promises: WAL files, durability settings, readers beside a
// writer, and how it reports a file it cannot open.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <thread>

#include "store/store.h"
#include "test_database.h"

namespace keyun::store {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<Store> OpenOrDie(const std::string& location, const OpenOptions& options = {}) {
  Result<std::unique_ptr<Store>> store = Store::Open(location, options);
  EXPECT_TRUE(store) << store.error().ToString();
  return store ? std::move(*store) : nullptr;
}

Value Pragma(Store& store, std::string_view name) {
  Result<Rows> rows = QueryAll(store, std::string("PRAGMA ") + std::string(name));
  EXPECT_TRUE(rows && rows->size() == 1) << name;
  return rows && !rows->empty() ? rows->front().at(0) : Value{};
}

TEST(SqliteStoreTest, FileRunsInWalModeWithForeignKeysAndGroupSync) {
  TestDatabase database(Backend::kSqliteFile);
  std::unique_ptr<Store> store = OpenOrDie(database.location());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->engine(), Engine::kSqlite);
  EXPECT_EQ(store->DisplayLocation(), database.location());
  EXPECT_EQ(Pragma(*store, "journal_mode"), Value{"wal"});
  // Read on a reader connection and on the writer: both must have the settings.
  EXPECT_EQ(Pragma(*store, "foreign_keys"), Value{std::int64_t{1}});
  Result<Rows> writer_fk =
      store->Transact<Rows>([](Transaction& tx) { return tx.Query("PRAGMA foreign_keys"); });
  ASSERT_TRUE(writer_fk);
  EXPECT_EQ(writer_fk->at(0).at(0), Value{std::int64_t{1}});
  Result<Rows> writer_sync =
      store->Transact<Rows>([](Transaction& tx) { return tx.Query("PRAGMA synchronous"); });
  ASSERT_TRUE(writer_sync);
  // NORMAL: SQLite keeps the file consistent (syncs at checkpoints); each commit is made
  // durable by the group commit's own fdatasync of the WAL before it is acknowledged.
  EXPECT_EQ(writer_sync->at(0).at(0), Value{std::int64_t{1}});
  EXPECT_TRUE(std::filesystem::exists(database.location() + "-wal"));
}

TEST(SqliteStoreTest, NormalSyncIsAnOption) {
  TestDatabase database(Backend::kSqliteFile);
  OpenOptions options;
  options.sqlite_synchronous_full = false;
  std::unique_ptr<Store> store = OpenOrDie(database.location(), options);
  ASSERT_NE(store, nullptr);
  Result<Rows> sync =
      store->Transact<Rows>([](Transaction& tx) { return tx.Query("PRAGMA synchronous"); });
  ASSERT_TRUE(sync);
  EXPECT_EQ(sync->at(0).at(0), Value{std::int64_t{1}});  // NORMAL
}

TEST(SqliteStoreTest, ReopenedFileKeepsItsData) {
  TestDatabase database(Backend::kSqliteFile);
  {
    std::unique_ptr<Store> store = OpenOrDie(database.location());
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(ExecuteOne(*store, "INSERT INTO node_meta (key, value) VALUES ($1, $2)",
                           {Value{"province"}, Value{"广东"}}));
  }
  std::unique_ptr<Store> reopened = OpenOrDie(database.location());
  ASSERT_NE(reopened, nullptr);
  Result<Rows> rows =
      QueryAll(*reopened, "SELECT value FROM node_meta WHERE key = $1", {Value{"province"}});
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->at(0).Text(0), "广东");
  Result<int> applied = reopened->Migrate();
  ASSERT_TRUE(applied);
  EXPECT_EQ(*applied, 0);
}

TEST(SqliteStoreTest, UnopenablePathIsUnavailableAndNamed) {
  Result<std::unique_ptr<Store>> store = Store::Open("/nonexistent-dir/x.db");
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(store.error().message, HasSubstr("/nonexistent-dir/x.db"));
}

TEST(SqliteStoreTest, FileThatIsNotADatabaseIsUnavailable) {
  TestDatabase database(Backend::kSqliteFile);
  std::ofstream(database.location()) << "this is not a database, just some text that is long "
                                        "enough to fill a header and then some more of it\n";
  Result<std::unique_ptr<Store>> store = Store::Open(database.location());
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kUnavailable) << store.error().ToString();
  EXPECT_THAT(store.error().message, HasSubstr(database.location()));
}

TEST(SqliteStoreTest, EmptyLocationIsInvalid) {
  Result<std::unique_ptr<Store>> store = Store::Open("");
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kInvalidArgument);
}

// WAL: a read-only transaction runs on a reader connection while a writer holds its lock, and
// sees the last committed state.
TEST(SqliteStoreTest, ReadersRunWhileAWriterIsInsideATransaction) {
  TestDatabase database(Backend::kSqliteFile);
  std::unique_ptr<Store> store = OpenOrDie(database.location());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(ExecuteOne(*store, "INSERT INTO node_meta (key, value) VALUES ('k', 'before')"));

  std::promise<void> writer_inside;
  std::promise<void> reader_done;
  std::future<void> reader_done_future = reader_done.get_future();
  std::thread writer([&] {
    Result<void> done = store->RunTransaction([&](Transaction& tx) -> Result<void> {
      if (auto ok = tx.Execute("UPDATE node_meta SET value = 'after' WHERE key = 'k'"); !ok) {
        return Propagate(ok);
      }
      writer_inside.set_value();
      reader_done_future.wait_for(std::chrono::seconds(10));
      return {};
    });
    EXPECT_TRUE(done);
  });
  writer_inside.get_future().wait();
  Result<Rows> seen = QueryAll(*store, "SELECT value FROM node_meta WHERE key = 'k'");
  reader_done.set_value();
  writer.join();
  ASSERT_TRUE(seen) << seen.error().ToString();
  EXPECT_EQ(seen->at(0).Text(0), "before");
  Result<Rows> after = QueryAll(*store, "SELECT value FROM node_meta WHERE key = 'k'");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->at(0).Text(0), "after");
}

// Two stores (as two processes would) on one file: writers wait for each other's lock.
TEST(SqliteStoreTest, TwoStoresOnOneFileSerializeTheirWriters) {
  TestDatabase database(Backend::kSqliteFile);
  std::unique_ptr<Store> first = OpenOrDie(database.location());
  std::unique_ptr<Store> second = OpenOrDie(database.location());
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  std::vector<std::thread> threads;
  for (Store* store : {first.get(), second.get()}) {
    threads.emplace_back([store] {
      for (int i = 0; i < 50; ++i) {
        Result<std::int64_t> number =
            store->Transact<std::int64_t>([](Transaction& tx) { return NextSequence(tx, "n"); });
        EXPECT_TRUE(number) << number.error().ToString();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  Result<Rows> value = QueryAll(*first, "SELECT value FROM sequences WHERE name = 'n'");
  ASSERT_TRUE(value);
  EXPECT_EQ(value->at(0).Int(0), 100);
}

// Group commit: writers share one transaction and one COMMIT. A member that fails (here: a
// duplicate key, or an error from the body) is rolled back to its savepoint alone, and a member
// that succeeds is committed when RunTransaction returns: another connection sees it at once.
TEST(SqliteStoreTest, GroupCommitIsolatesFailuresAndReturnsOnlyAfterCommit) {
  TestDatabase database(Backend::kSqliteFile);
  std::unique_ptr<Store> store = OpenOrDie(database.location());
  std::unique_ptr<Store> observer = OpenOrDie(database.location());
  ASSERT_NE(store, nullptr);
  ASSERT_NE(observer, nullptr);
  ASSERT_TRUE(ExecuteOne(*store, "CREATE TABLE seats (seat BIGINT PRIMARY KEY, holder TEXT)"));
  ASSERT_TRUE(ExecuteOne(*store, "CREATE TABLE log (entry BIGINT PRIMARY KEY)"));

  constexpr int kThreads = 16;
  constexpr int kPerThread = 40;
  std::atomic<int> sold{0};
  std::atomic<int> taken{0};
  std::atomic<int> declined{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::int64_t entry = t * kPerThread + i;
        const std::int64_t seat = entry % 200;  // each seat wanted by several threads
        const bool decline = entry % 7 == 0;
        Result<void> done = store->RunTransaction([&](Transaction& tx) -> Result<void> {
          if (auto ok = tx.Execute("INSERT INTO log (entry) VALUES ($1)", {Value{entry}}); !ok) {
            return Propagate(ok);
          }
          if (decline) return FailedPrecondition("payment declined");
          if (auto ok = tx.Execute("INSERT INTO seats (seat, holder) VALUES ($1, $2)",
                                   {Value{seat}, Value{std::to_string(entry)}});
              !ok) {
            return Propagate(ok);
          }
          return {};
        });
        if (done) {
          ++sold;
          Result<Rows> seen =
              QueryAll(*observer, "SELECT holder FROM seats WHERE seat = $1", {Value{seat}});
          ASSERT_TRUE(seen) << seen.error().ToString();
          ASSERT_EQ(seen->size(), 1u) << "committed seat " << seat << " not visible";
          EXPECT_EQ(seen->at(0).Text(0), std::to_string(entry));
        } else if (done.error().code == ErrorCode::kAlreadyExists) {
          ++taken;
        } else if (done.error().code == ErrorCode::kFailedPrecondition) {
          ++declined;
        } else {
          ADD_FAILURE() << done.error().ToString();
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(sold + taken + declined, kThreads * kPerThread);
  // Every seat has askers that do not decline (200 ≢ 0 mod 7), so each is sold exactly once.
  EXPECT_EQ(sold.load(), 200);
  Result<Rows> counts =
      QueryAll(*observer, "SELECT (SELECT COUNT(*) FROM seats), (SELECT COUNT(*) FROM log)");
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->at(0).Int(0), sold.load());
  EXPECT_EQ(counts->at(0).Int(1), sold.load());  // a failed member's log row went with it
}

}  // namespace
}  // namespace keyun::store
