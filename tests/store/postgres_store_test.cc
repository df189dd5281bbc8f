// What only the PostgreSQL engine promises: connection handling (unreachable servers, broken
// and busy connections), password-free display, and serialization failures as kAborted.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "store/internal/engines.h"
#include "store/store.h"
#include "test_database.h"

namespace keyun::store {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = std::make_unique<TestDatabase>(Backend::kPostgres);
    ASSERT_TRUE(database_->ok());
  }
  std::unique_ptr<Store> Open(const OpenOptions& options = {}) {
    Result<std::unique_ptr<Store>> store = Store::Open(database_->location(), options);
    EXPECT_TRUE(store) << store.error().ToString();
    return store ? std::move(*store) : nullptr;
  }
  std::unique_ptr<TestDatabase> database_;
};

TEST(PostgresUrlTest, RedactionDropsPasswordsOnly) {
  using internal::RedactPostgresUrl;
  EXPECT_EQ(RedactPostgresUrl("postgresql://keyun:s3cret@db.example:5432/keyun?sslmode=require"),
            "postgresql://keyun@db.example:5432/keyun?sslmode=require");
  EXPECT_EQ(RedactPostgresUrl("postgres://keyun@db/keyun"), "postgres://keyun@db/keyun");
  EXPECT_EQ(RedactPostgresUrl("postgresql://db:5432/keyun"), "postgresql://db:5432/keyun");
  EXPECT_EQ(RedactPostgresUrl("postgresql://u:p%40ss@h/d"), "postgresql://u@h/d");
  EXPECT_EQ(RedactPostgresUrl("postgresql://u@h/d?password=x&sslmode=disable"),
            "postgresql://u@h/d?sslmode=disable");
  EXPECT_EQ(RedactPostgresUrl("postgresql://u@h/d?sslmode=disable&password=x"),
            "postgresql://u@h/d?sslmode=disable");
}

TEST_F(PostgresStoreTest, DisplayLocationHasNoPassword) {
  // The test server trusts local connections, so any password is accepted and ignored.
  std::string url = database_->location();
  const std::size_t at = url.find('@');
  ASSERT_NE(at, std::string::npos);
  url.insert(at, ":hunter2");
  Result<std::unique_ptr<Store>> store = Store::Open(url);
  ASSERT_TRUE(store) << store.error().ToString();
  EXPECT_EQ((*store)->engine(), Engine::kPostgres);
  EXPECT_THAT((*store)->DisplayLocation(), Not(HasSubstr("hunter2")));
  EXPECT_EQ((*store)->DisplayLocation(), database_->location());
}

TEST(PostgresConnectTest, UnreachableServerIsUnavailableQuickly) {
  // Port 1 on loopback: nothing listens there, so the connection is refused at once.
  const auto start = std::chrono::steady_clock::now();
  Result<std::unique_ptr<Store>> store = Store::Open("postgresql://keyun:pw@127.0.0.1:1/keyun");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(store.error().message, HasSubstr("127.0.0.1"));
  EXPECT_THAT(store.error().message, Not(HasSubstr("pw@")));
  EXPECT_LT(elapsed, std::chrono::seconds(6));
}

TEST(PostgresConnectTest, BlackholedServerTimesOut) {
  // 192.0.2.0/24 is TEST-NET-1: never routed, so only connect_timeout ends the attempt.
  OpenOptions options;
  options.connect_timeout_seconds = 1;
  const auto start = std::chrono::steady_clock::now();
  Result<std::unique_ptr<Store>> store =
      Store::Open("postgresql://keyun@192.0.2.1:5432/keyun", options);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kUnavailable);
  EXPECT_LT(elapsed, std::chrono::seconds(5));
}

TEST_F(PostgresStoreTest, BrokenConnectionsAreReplaced) {
  OpenOptions options;
  options.pool_size = 2;
  std::unique_ptr<Store> store = Open(options);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(ExecuteOne(*store, "INSERT INTO node_meta (key, value) VALUES ('a', '1')"));

  // Kill every server process serving the store's database (as a restart or failover would).
  std::unique_ptr<Store> killer = Open();
  ASSERT_NE(killer, nullptr);
  Result<Rows> killed = QueryAll(*killer,
                                 "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 "WHERE datname = current_database() AND pid <> pg_backend_pid()");
  ASSERT_TRUE(killed) << killed.error().ToString();
  ASSERT_FALSE(killed->empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));

  for (int i = 0; i < 4; ++i) {  // more transactions than pooled connections
    Result<Rows> rows = QueryAll(*store, "SELECT value FROM node_meta WHERE key = 'a'");
    ASSERT_TRUE(rows) << rows.error().ToString();
    EXPECT_EQ(rows->at(0).Text(0), "1");
  }
}

TEST_F(PostgresStoreTest, ExhaustedPoolIsUnavailableAfterTheTimeout) {
  OpenOptions options;
  options.pool_size = 1;
  options.pool_acquire_timeout = std::chrono::milliseconds(200);
  std::unique_ptr<Store> store = Open(options);
  ASSERT_NE(store, nullptr);

  std::promise<void> holding;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::thread holder([&] {
    Result<void> done = store->RunTransaction([&](Transaction&) -> Result<void> {
      holding.set_value();
      released.wait();
      return {};
    });
    EXPECT_TRUE(done);
  });
  holding.get_future().wait();
  Result<Rows> starved = QueryAll(*store, "SELECT 1");
  release.set_value();
  holder.join();
  ASSERT_FALSE(starved);
  EXPECT_EQ(starved.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(starved.error().message, HasSubstr("busy"));
  EXPECT_TRUE(QueryAll(*store, "SELECT 1"));  // and it is usable again
}

// Two SERIALIZABLE transactions that read then write the same row: the second to commit loses
// with SQLSTATE 40001, reported as kAborted when retries are off.
TEST_F(PostgresStoreTest, SerializationFailureIsAborted) {
  std::unique_ptr<Store> store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(ExecuteOne(*store, "INSERT INTO sequences (name, value) VALUES ('n', 0)"));

  TransactionOptions once;
  once.max_attempts = 1;
  std::promise<void> first_read;
  std::promise<void> second_done;
  std::shared_future<void> second_finished = second_done.get_future().share();
  auto read_then_write = [](Transaction& tx) -> Result<void> {
    Result<Row> row = tx.QueryOne("SELECT value FROM sequences WHERE name = 'n'");
    if (!row) return Propagate(row);
    Result<std::int64_t> updated =
        tx.Execute("UPDATE sequences SET value = $1 WHERE name = 'n'", {Value{row->Int(0) + 1}});
    if (!updated) return Propagate(updated);
    return {};
  };
  Result<void> first = tl::unexpected(Error{});
  std::thread slow([&] {
    first = store->RunTransaction(
        [&](Transaction& tx) -> Result<void> {
          Result<Row> row = tx.QueryOne("SELECT value FROM sequences WHERE name = 'n'");
          if (!row) return Propagate(row);
          first_read.set_value();
          second_finished.wait();  // the other transaction commits in between
          Result<std::int64_t> updated = tx.Execute(
              "UPDATE sequences SET value = $1 WHERE name = 'n'", {Value{row->Int(0) + 1}});
          if (!updated) return Propagate(updated);
          return {};
        },
        once);
  });
  first_read.get_future().wait();
  Result<void> second = store->RunTransaction(read_then_write, once);
  second_done.set_value();
  slow.join();
  EXPECT_TRUE(second) << second.error().ToString();
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().code, ErrorCode::kAborted) << first.error().ToString();
  Result<Rows> value = QueryAll(*store, "SELECT value FROM sequences WHERE name = 'n'");
  ASSERT_TRUE(value);
  EXPECT_EQ(value->at(0).Int(0), 1);
}

TEST_F(PostgresStoreTest, ReadCommittedWaitsInsteadOfAborting) {
  OpenOptions wide;
  wide.pool_size = 8;
  std::unique_ptr<Store> store = Open(wide);
  ASSERT_NE(store, nullptr);
  TransactionOptions options;
  options.isolation = Isolation::kReadCommitted;
  options.max_attempts = 1;  // no retries needed: conditional writes wait for the row lock
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        Result<std::int64_t> number = store->Transact<std::int64_t>(
            [](Transaction& tx) { return NextSequence(tx, "hot"); }, options);
        EXPECT_TRUE(number) << number.error().ToString();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  Result<Rows> value = QueryAll(*store, "SELECT value FROM sequences WHERE name = 'hot'");
  ASSERT_TRUE(value);
  EXPECT_EQ(value->at(0).Int(0), 400);
}

}  // namespace
}  // namespace keyun::store
