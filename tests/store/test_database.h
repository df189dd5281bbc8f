// A fresh, empty database per test, on any backend: a private SQLite :memory: database, a
// SQLite file in a new temporary directory, or a new database on the shared PostgreSQL test
// server. Removed (directory deleted, database dropped) when the object goes away.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <utility>

#include "store/store.h"
#include "support/postgres_test_server.h"

namespace keyun::store {

enum class Backend { kSqliteMemory, kSqliteFile, kPostgres };

inline std::string BackendName(Backend backend) {
  switch (backend) {
    case Backend::kSqliteMemory:
      return "SqliteMemory";
    case Backend::kSqliteFile:
      return "SqliteFile";
    case Backend::kPostgres:
      return "Postgres";
  }
  return "?";
}

// For GoogleTest's messages and the names ctest shows: "GetParam() = Postgres".
inline void PrintTo(Backend backend, std::ostream* out) { *out << BackendName(backend); }

class TestDatabase {
 public:
  // Fails the current test (ASSERT) if the database cannot be made; check ok() afterwards.
  explicit TestDatabase(Backend backend) : backend_(backend) {
    switch (backend) {
      case Backend::kSqliteMemory:
        location_ = ":memory:";
        break;
      case Backend::kSqliteFile: {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "keyun-store-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) {
          ADD_FAILURE() << "mkdtemp failed";
          return;
        }
        directory_ = pattern;
        location_ = directory_ + "/keyun.db";
        break;
      }
      case Backend::kPostgres: {
        Result<testing::PostgresTestServer*> server = testing::PostgresTestServer::Shared();
        if (!server) {
          ADD_FAILURE() << "no PostgreSQL test server: " << server.error().message;
          return;
        }
        server_ = *server;
        Result<std::string> url = server_->CreateDatabase();
        if (!url) {
          ADD_FAILURE() << url.error().message;
          return;
        }
        location_ = *url;
        break;
      }
    }
  }

  ~TestDatabase() {
    if (!directory_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(directory_, ignored);
    }
    if (server_ != nullptr && !location_.empty()) {
      (void)server_->DropDatabase(testing::PostgresTestServer::DatabaseOf(location_));
    }
  }
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  [[nodiscard]] bool ok() const { return !location_.empty(); }
  [[nodiscard]] Backend backend() const { return backend_; }
  [[nodiscard]] const std::string& location() const { return location_; }
  // Whether a second Open of location() reaches the same data (not so for :memory:).
  [[nodiscard]] bool reopenable() const { return backend_ != Backend::kSqliteMemory; }
  [[nodiscard]] testing::PostgresTestServer* server() const { return server_; }

 private:
  Backend backend_;
  std::string location_;
  std::string directory_;
  testing::PostgresTestServer* server_ = nullptr;
};

// Shorthands for test set-up: one statement or query in its own transaction.
inline Result<std::int64_t> ExecuteOne(Store& store, std::string_view sql,
                                       std::vector<Value> params = {}) {
  return store.Transact<std::int64_t>(
      [&](Transaction& tx) { return tx.Execute(sql, Params(params)); });
}
inline Result<Rows> QueryAll(Store& store, std::string_view sql, std::vector<Value> params = {}) {
  TransactionOptions read;
  read.read_only = true;
  return store.Transact<Rows>([&](Transaction& tx) { return tx.Query(sql, Params(params)); }, read);
}

}  // namespace keyun::store
