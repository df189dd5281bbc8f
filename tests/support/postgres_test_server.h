// A real PostgreSQL 15 server for tests (no mocks): started from the installed server binaries
// in a fresh temporary directory, on a free 127.0.0.1 port, with fsync off, and removed again.
//
//   Result<PostgresTestServer*> server = PostgresTestServer::Shared();
//   ASSERT_TRUE(server) << server.error().message;   // says to install postgresql-15
//   Result<std::string> url = (*server)->CreateDatabase();   // fresh database per test
//   auto store = store::Store::Open(*url);
//
// Which server Shared() gives, first match wins:
//   1. KEYUN_TEST_PG_URL=postgresql://user@host:port/db — an existing server; tests create and
//      drop their own databases on it.
//   2. KEYUN_TEST_PG_SHARED=<state file> written by `keyun_test_postgres start <file>` — the
//      ctest fixture "keyun_postgres" (tests/support/CMakeLists.txt) starts one server for the
//      whole ctest run, since ctest runs every test case in a process of its own.
//   3. Otherwise a server started on first use and stopped when the process exits.
//
// Running as root (CI, containers), initdb refuses to run, so the server runs as the `postgres`
// system user via runuser. Thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace keyun::testing {

class PostgresTestServer {
 public:
  // The process-wide server (see above). Errors: kUnavailable with what to install or fix.
  [[nodiscard]] static Result<PostgresTestServer*> Shared();

  // A private server in a new temporary directory, stopped and removed by the destructor, or
  // by a watchdog process if this process dies first (crash, kill, timeout).
  [[nodiscard]] static Result<std::unique_ptr<PostgresTestServer>> Start();
  // A server that outlives this process (the ctest fixture); nothing stops it but
  // StopDirectory(directory()).
  [[nodiscard]] static Result<std::unique_ptr<PostgresTestServer>> StartDetached();
  // An existing server at `url` (any database on it); nothing is stopped on destruction.
  [[nodiscard]] static std::unique_ptr<PostgresTestServer> Attach(std::string url);

  ~PostgresTestServer();
  PostgresTestServer(const PostgresTestServer&) = delete;
  PostgresTestServer& operator=(const PostgresTestServer&) = delete;

  // URL of the server's maintenance database (as superuser on a started server).
  [[nodiscard]] const std::string& url() const { return url_; }
  // The directory a started server lives in; empty when attached.
  [[nodiscard]] const std::string& directory() const { return directory_; }

  // Creates a new empty database and returns its URL. An empty name picks "t_<random>".
  [[nodiscard]] Result<std::string> CreateDatabase(std::string_view name = {});
  // Drops a database made by CreateDatabase, closing any connections still open to it.
  [[nodiscard]] Result<void> DropDatabase(std::string_view name);

  // Stops the server living in `directory` and removes the directory.
  [[nodiscard]] static Result<void> StopDirectory(const std::string& directory);

  // `url` with its database name replaced by `database`.
  [[nodiscard]] static std::string WithDatabase(std::string_view url, std::string_view database);
  // The database name in `url` (the path after host:port), or "" if none.
  [[nodiscard]] static std::string DatabaseOf(std::string_view url);

 private:
  PostgresTestServer(std::string url, std::string directory, bool owned)
      : url_(std::move(url)), directory_(std::move(directory)), owned_(owned) {}
  [[nodiscard]] static Result<std::unique_ptr<PostgresTestServer>> StartIn(bool owned);

  const std::string url_;
  const std::string directory_;
  bool owned_;            // stop and remove in the destructor
  int watchdog_fd_ = -1;  // write end of the watchdog's pipe; closing it wakes the watchdog
  int watchdog_pid_ = 0;
};

}  // namespace keyun::testing
