// Store (存储): durable state behind one interface, with two engines.
//
//   Result<std::unique_ptr<Store>> store = Store::Open("keyun.db");          // SQLite file
//   Result<std::unique_ptr<Store>> pg = Store::Open("postgresql://u@h/db");  // PostgreSQL
//   if (!store) { log(store.error().message); return 1; }
//   if (auto applied = (*store)->Migrate(); !applied) { ... }
//
//   Result<std::int64_t> count = (*store)->Transact<std::int64_t>(
//       [&](Transaction& tx) -> Result<std::int64_t> {
//         auto rows = tx.Query("SELECT COUNT(*) FROM stations WHERE grade = $1", {Value{1}});
//         if (!rows) return Propagate(rows);
//         return rows->at(0).Int(0);
//       });
//
// SQL is written once, in the subset both engines speak (see docs/store.md): positional
// parameters $1..$n, INTEGER/BIGINT/TEXT columns, ON CONFLICT, RETURNING. User input only ever
// travels as a parameter, never spliced into SQL text. Statements are prepared once per
// connection and cached by their text.
//
// Errors: engine errors are mapped to ErrorCode in one place per engine: unique or foreign-key
// or check violations → kAlreadyExists / kFailedPrecondition, serialization failure, deadlock
// and SQLITE_BUSY → kAborted (Transact retries those), connection loss → kUnavailable, SQL
// mistakes → kInternal. The message names the constraint; engine detail goes to the log.
//
// Thread-safety: a Store is safe to use from many threads at once. A Transaction belongs to the
// thread running the Transact body and must not escape it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.h"

namespace keyun::store {

// One SQL value: NULL, a 64-bit integer (also booleans and money in fen), or text (UTF-8).
// There are deliberately no floating-point values: money and distances are integers.
using Value = std::variant<std::monostate, std::int64_t, std::string>;
inline constexpr std::monostate kNull{};

// One result row. Accessors assert the column index is in range; Int() of a NULL or text
// column is a programming error caught in debug builds and returns 0 in release.
class Row {
 public:
  Row() = default;
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}

  [[nodiscard]] std::size_t size() const { return values_.size(); }
  [[nodiscard]] bool IsNull(std::size_t column) const;
  [[nodiscard]] std::int64_t Int(std::size_t column) const;
  [[nodiscard]] const std::string& Text(std::size_t column) const;
  // NULL → nullopt.
  [[nodiscard]] std::optional<std::int64_t> OptionalInt(std::size_t column) const;
  [[nodiscard]] std::optional<std::string> OptionalText(std::size_t column) const;
  [[nodiscard]] const Value& at(std::size_t column) const { return values_.at(column); }

 private:
  std::vector<Value> values_;
};

using Rows = std::vector<Row>;
using Params = std::span<const Value>;

enum class Engine { kSqlite, kPostgres };
[[nodiscard]] std::string_view EngineName(Engine engine);  // "sqlite" / "postgresql"

// A unit of work inside Store::Transact. Everything done through it commits together or not at
// all. Not thread-safe; valid only inside the Transact body that received it.
//
// A failed statement ends the transaction on both engines (PostgreSQL aborts it; SQLite is
// made to behave the same): later statements return the same error, and the transaction rolls
// back even if the body swallows the error and returns success. To tolerate a duplicate,
// write INSERT … ON CONFLICT DO NOTHING instead of catching kAlreadyExists.
class Transaction {
 public:
  virtual ~Transaction() = default;

  // Which engine runs it, for the few statements the engines spell differently (NextSerial).
  [[nodiscard]] virtual Engine engine() const = 0;

  // Runs one statement (INSERT/UPDATE/DELETE/DDL); returns the number of rows it changed.
  [[nodiscard]] virtual Result<std::int64_t> Execute(std::string_view sql, Params params) = 0;
  // Runs one query; returns all its rows (integers as Int, text as Text, NULL as kNull).
  [[nodiscard]] virtual Result<Rows> Query(std::string_view sql, Params params) = 0;

  [[nodiscard]] Result<std::int64_t> Execute(std::string_view sql,
                                             std::initializer_list<Value> params = {}) {
    return Execute(sql, Params(params.begin(), params.size()));
  }
  [[nodiscard]] Result<Rows> Query(std::string_view sql, std::initializer_list<Value> params = {}) {
    return Query(sql, Params(params.begin(), params.size()));
  }
  // The single row of a query expected to return exactly one; kNotFound if none, kInternal if
  // more than one.
  [[nodiscard]] Result<Row> QueryOne(std::string_view sql, Params params);
  [[nodiscard]] Result<Row> QueryOne(std::string_view sql,
                                     std::initializer_list<Value> params = {}) {
    return QueryOne(sql, Params(params.begin(), params.size()));
  }
};


struct OpenOptions {
  // PostgreSQL: connections in the pool. SQLite: reader connections (one writer always).
  int pool_size = 4;
  // Apply pending migrations while opening (keyun serve does; keyun migrate does it alone).
  bool migrate = true;
  // SQLite: synchronous=FULL (default) fsyncs the WAL at every commit, so a sold ticket
  // survives power loss. false → synchronous=NORMAL: still safe against a crash of the
  // process, but the last commits before a power cut or kernel panic may be lost.
  bool sqlite_synchronous_full = true;
  // SQLite: how long a writer waits for another process's write lock before kAborted.
  std::chrono::milliseconds sqlite_busy_timeout{5000};
  // PostgreSQL: how long a transaction waits for a free pool connection before kUnavailable.
  std::chrono::milliseconds pool_acquire_timeout{10000};
  // PostgreSQL: connect_timeout in seconds unless the URL sets one.
  int connect_timeout_seconds = 5;
};

// Isolation of read-write transactions on PostgreSQL. SQLite runs one writer at a time, which
// is serializable whatever is chosen here.
enum class Isolation {
  // Default. A body that is correct on SQLite is correct on PostgreSQL; conflicts surface as
  // kAborted (SQLSTATE 40001/40P01) and RunTransaction retries the body.
  kSerializable,
  // For bodies made only of self-contained conditional writes ("UPDATE … WHERE left > 0",
  // INSERT … ON CONFLICT, NextSequence) that must not read-then-write: they wait for row locks
  // instead of aborting, which keeps hot rows fast. Never use it for read-modify-write logic.
  kReadCommitted,
};

struct TransactionOptions {
  // Read-only transactions may run concurrently with a writer (WAL / MVCC) and see one
  // consistent snapshot. Writing in one is an error (kInternal).
  bool read_only = false;
  // Attempts in total when the body or commit fails with kAborted; then kAborted is returned.
  int max_attempts = 8;
  Isolation isolation = Isolation::kSerializable;
};

// Progress of a long job, e.g. migrations: (done, total, what is being done now).
using ProgressFn = std::function<void(int done, int total, std::string_view step)>;

// Runs inside the transaction of migration `version`, before its SQL, to carry data the
// migration drops somewhere else first (0015 drops the node's secrets, which the key file takes
// first: key_file.h). An error rolls the migration back. Retried with the transaction.
using MigrationHook = std::function<Result<void>(int version, Transaction& tx)>;

struct MigrateOptions {
  ProgressFn progress;
  MigrationHook before_migration;
  // Apply migrations up to this version only; 0 = all. For tests that build an old schema.
  int up_to_version = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Opens `location`: "postgresql://…" or "postgres://…" → PostgreSQL; ":memory:" → a private
  // in-memory SQLite database; anything else → a SQLite file (created if missing, WAL mode).
  // Errors: kUnavailable if the database cannot be reached or opened (the message says which
  // file or host and why); kFailedPrecondition if its schema is newer than this binary knows.
  [[nodiscard]] static Result<std::unique_ptr<Store>> Open(std::string_view location,
                                                           const OpenOptions& options = {});

  [[nodiscard]] virtual Engine engine() const = 0;
  // The location without any password, for logs and messages.
  [[nodiscard]] virtual std::string DisplayLocation() const = 0;

  // Applies every migration not yet applied, each in its own transaction, in order. Returns the
  // number applied (0 when up to date). Safe to call concurrently from several processes.
  [[nodiscard]] Result<int> Migrate(const ProgressFn& progress = {});
  [[nodiscard]] Result<int> Migrate(const MigrateOptions& options);
  // Highest migration applied; 0 for an empty database.
  [[nodiscard]] Result<int> SchemaVersion();

  // Runs `body` in one transaction and commits it if the body succeeds; rolls back if the body
  // returns an error (which is returned as is). Success is returned once the commit is durable
  // (on SQLite, concurrent writers share one commit: group commit, docs/store.md). Retries the whole body on kAborted, up to
  // options.max_attempts, so the body must have no side effects outside the transaction. The
  // body must not start another transaction on this store (it may wait for itself).
  [[nodiscard]] virtual Result<void> RunTransaction(
      const std::function<Result<void>(Transaction&)>& body,
      const TransactionOptions& options = {}) = 0;

  // RunTransaction for bodies that produce a value.
  template <class T, class Body>
  [[nodiscard]] Result<T> Transact(Body&& body, const TransactionOptions& options = {}) {
    std::optional<T> out;
    Result<void> done = RunTransaction(
        [&](Transaction& tx) -> Result<void> {
          Result<T> value = body(tx);
          if (!value) return tl::unexpected(value.error());
          out = std::move(*value);
          return {};
        },
        options);
    if (!done) return tl::unexpected(done.error());
    return std::move(*out);
  }
};

// Next value (1, 2, 3, …) of the named gap-free counter, e.g. a ticket sequence. The counter
// lives in table `sequences` and moves with `tx`: if the transaction rolls back, the number is
// not used up, so committed numbers have no gaps. Concurrent callers on one name serialize on
// its row (on PostgreSQL under kSerializable a loser gets kAborted and is retried).
[[nodiscard]] Result<std::int64_t> NextSequence(Transaction& tx, std::string_view name);

// Next value of the named node-wide serial, e.g. "ticket" for ticket numbers: unique and
// increasing, but not gap-free (a rolled-back transaction may use a value up). On PostgreSQL
// it is a database SEQUENCE `serial_<name>` (migration 0018 makes `serial_ticket`), which
// takes no row lock, so concurrent sales never wait on it or conflict over it; on SQLite (one
// writer at a time) a row of `sequences` named `serial-<name>`, advanced as NextSequence does.
// kInternal for a name without its sequence on PostgreSQL.
[[nodiscard]] Result<std::int64_t> NextSerial(Transaction& tx, std::string_view name);

// The highest schema version this binary knows (the last embedded migration).
[[nodiscard]] int LatestSchemaVersion();

}  // namespace keyun::store
