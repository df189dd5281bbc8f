// The SQLite engine: one writer connection (BEGIN IMMEDIATE, group commit) and a pool of
// query-only reader connections that run beside it thanks to WAL.
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <charconv>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/internal/engines.h"
#include "store/internal/transaction_base.h"

namespace keyun::store::internal {
namespace {

// The one place SQLite result codes become ErrorCodes. `code` is an extended result code.
Error SqliteError(int code, std::string_view detail) {
  switch (code & 0xff) {
    case SQLITE_CONSTRAINT:
      if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return Error{ErrorCode::kAlreadyExists, std::string(detail), {}};
      }
      return Error{ErrorCode::kFailedPrecondition, std::string(detail), {}};  // FK, CHECK, NOT NULL
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Error{ErrorCode::kAborted, fmt::format("database is busy: {}", detail), {}};
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
      return Error{ErrorCode::kUnavailable, fmt::format("database unavailable: {}", detail), {}};
    default:
      return Error{ErrorCode::kInternal, fmt::format("database error: {}", detail), {}};
  }
}

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const {
    return std::hash<std::string_view>{}(text);
  }
};

// One sqlite3 handle and its prepared statements, cached by SQL text. Used by one thread at a
// time (the store's mutexes see to that), so it opens with SQLITE_OPEN_NOMUTEX.
class SqliteConnection {
 public:
  static Result<std::unique_ptr<SqliteConnection>> Open(const std::string& path, int flags) {
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    std::unique_ptr<SqliteConnection> connection(new SqliteConnection(db));
    if (rc != SQLITE_OK) {
      return Unavailable(fmt::format("cannot open SQLite database {}: {}", path,
                                     db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    }
    sqlite3_extended_result_codes(db, 1);
    return connection;
  }

  ~SqliteConnection() {
    for (auto& [sql, statement] : cache_) sqlite3_finalize(statement.stmt);
    sqlite3_close_v2(db_);
  }
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  [[nodiscard]] sqlite3* db() const { return db_; }
  [[nodiscard]] bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

  // Statements without parameters or results: BEGIN, COMMIT, ROLLBACK, pragmas.
  Result<void> Exec(const char* sql) {
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return Fail(rc, sql);
    return {};
  }

  Result<std::int64_t> Execute(std::string_view sql, Params params) {
    Result<sqlite3_stmt*> stmt = Start(sql, params);
    if (!stmt) return Propagate(stmt);
    Reset reset{*stmt};
    const sqlite3_int64 before = sqlite3_total_changes64(db_);
    int rc;
    while ((rc = sqlite3_step(*stmt)) == SQLITE_ROW) {
    }
    if (rc != SQLITE_DONE) return Fail(rc, sql);
    // sqlite3_changes64 keeps the count of the last INSERT/UPDATE/DELETE even after DDL;
    // total_changes tells whether this statement changed anything at all.
    return sqlite3_total_changes64(db_) == before ? 0 : sqlite3_changes64(db_);
  }

  Result<Rows> Query(std::string_view sql, Params params) {
    Result<sqlite3_stmt*> stmt = Start(sql, params);
    if (!stmt) return Propagate(stmt);
    Reset reset{*stmt};
    Rows rows;
    const int columns = sqlite3_column_count(*stmt);
    int rc;
    while ((rc = sqlite3_step(*stmt)) == SQLITE_ROW) {
      std::vector<Value> values;
      values.reserve(columns);
      for (int i = 0; i < columns; ++i) values.push_back(ColumnValue(*stmt, i));
      rows.emplace_back(std::move(values));
    }
    if (rc != SQLITE_DONE) return Fail(rc, sql);
    return rows;
  }

 private:
  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    std::vector<int> param_numbers;  // [i] = N of the i-th (1-based) parameter "$N"
    int param_count = 0;             // highest N
  };
  // Resets the statement and clears its bindings when a call ends, however it ends.
  struct Reset {
    sqlite3_stmt* stmt;
    ~Reset() {
      sqlite3_reset(stmt);
      sqlite3_clear_bindings(stmt);
    }
  };
  static constexpr std::size_t kMaxCachedStatements = 1024;

  explicit SqliteConnection(sqlite3* db) : db_(db) {}

  tl::unexpected<Error> Fail(int rc, std::string_view sql) {
    // The message of a failed step is on the handle; errstr covers codes with no message.
    const char* message = sqlite3_errmsg(db_);
    if (message == nullptr || *message == '\0') message = sqlite3_errstr(rc);
    Error error = SqliteError(rc, message);
    if (error.code == ErrorCode::kInternal || error.code == ErrorCode::kUnavailable) {
      spdlog::error("sqlite: {} (code {}) in: {}", message, rc, sql);
    }
    return tl::unexpected<Error>(std::move(error));
  }

  Result<Cached*> Prepare(std::string_view sql) {
    if (auto found = cache_.find(sql); found != cache_.end()) return &found->second;
    if (cache_.size() >= kMaxCachedStatements) {
      // Only SQL built at run time can get here; start over rather than grow without bound.
      spdlog::warn("sqlite: statement cache full ({}); clearing it", cache_.size());
      for (auto& [text, statement] : cache_) sqlite3_finalize(statement.stmt);
      cache_.clear();
    }
    Cached cached;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &cached.stmt, &tail);
    if (rc != SQLITE_OK) return Fail(rc, sql);
    std::string_view rest(tail, sql.data() + sql.size() - tail);
    if (cached.stmt == nullptr || rest.find_first_not_of(" \t\r\n;") != std::string_view::npos) {
      sqlite3_finalize(cached.stmt);
      return Internal(fmt::format("expected exactly one SQL statement: {}", sql));
    }
    const int count = sqlite3_bind_parameter_count(cached.stmt);
    cached.param_numbers.assign(count + 1, 0);
    for (int i = 1; i <= count; ++i) {
      const char* name = sqlite3_bind_parameter_name(cached.stmt, i);
      int number = 0;
      std::string_view text = name == nullptr ? "" : name;
      auto [end, ec] = text.size() > 1
                           ? std::from_chars(text.data() + 1, text.data() + text.size(), number)
                           : std::from_chars_result{text.data(), std::errc::invalid_argument};
      if (text.empty() || text[0] != '$' || ec != std::errc{} || end != text.data() + text.size() ||
          number < 1) {
        sqlite3_finalize(cached.stmt);
        return Internal(fmt::format("write parameters as $1..$n, not '{}': {}", text, sql));
      }
      cached.param_numbers[i] = number;
      cached.param_count = std::max(cached.param_count, number);
    }
    auto [slot, inserted] = cache_.emplace(std::string(sql), std::move(cached));
    return &slot->second;
  }

  Result<sqlite3_stmt*> Start(std::string_view sql, Params params) {
    Result<Cached*> cached = Prepare(sql);
    if (!cached) return Propagate(cached);
    if (auto ok = CheckParamCount(sql, (*cached)->param_count, params.size()); !ok) {
      return Propagate(ok);
    }
    sqlite3_stmt* stmt = (*cached)->stmt;
    for (std::size_t i = 1; i < (*cached)->param_numbers.size(); ++i) {
      const Value& value = params[(*cached)->param_numbers[i] - 1];
      const int index = static_cast<int>(i);
      int rc = SQLITE_OK;
      if (const auto* number = std::get_if<std::int64_t>(&value)) {
        rc = sqlite3_bind_int64(stmt, index, *number);
      } else if (const auto* text = std::get_if<std::string>(&value)) {
        // SQLITE_STATIC: `params` outlives the statement's use; bindings are cleared after.
        rc = sqlite3_bind_text64(stmt, index, text->data(), text->size(), SQLITE_STATIC,
                                 SQLITE_UTF8);
      } else {
        rc = sqlite3_bind_null(stmt, index);
      }
      if (rc != SQLITE_OK) {
        sqlite3_clear_bindings(stmt);
        return Fail(rc, sql);
      }
    }
    return stmt;
  }

  static Value ColumnValue(sqlite3_stmt* stmt, int column) {
    switch (sqlite3_column_type(stmt, column)) {
      case SQLITE_NULL:
        return kNull;
      case SQLITE_INTEGER:
        return std::int64_t{sqlite3_column_int64(stmt, column)};
      default: {  // TEXT; and REAL/BLOB, which keyun does not store, as their text
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, column));
        const int size = sqlite3_column_bytes(stmt, column);
        return std::string(text == nullptr ? "" : text, static_cast<std::size_t>(size));
      }
    }
  }

  sqlite3* db_;  // owned
  std::unordered_map<std::string, Cached, StringHash, std::equal_to<>> cache_;
};

class SqliteTransaction final : public GuardedTransaction {
 public:
  explicit SqliteTransaction(SqliteConnection& connection) : connection_(connection) {}

 private:
  Result<std::int64_t> DoExecute(std::string_view sql, Params params) override {
    return connection_.Execute(sql, params);
  }
  Result<Rows> DoQuery(std::string_view sql, Params params) override {
    return connection_.Query(sql, params);
  }

  SqliteConnection& connection_;
};

// A write transaction waiting for, running on, or committed with the writer connection.
struct GroupMember {
  std::condition_variable cv;
  bool turn = false;  // handed the writer connection
  bool done = false;  // `result` is final: its group committed or failed
  Result<void> result;
};

class SqliteStore final : public Store {
 public:
  SqliteStore(std::string path, std::unique_ptr<SqliteConnection> writer,
              std::vector<std::unique_ptr<SqliteConnection>> readers)
      : path_(std::move(path)),
        memory_(readers.empty()),
        writer_(std::move(writer)),
        idle_readers_(std::move(readers)) {}

  [[nodiscard]] Engine engine() const override { return Engine::kSqlite; }
  [[nodiscard]] std::string DisplayLocation() const override { return path_; }

  Result<void> RunTransaction(const std::function<Result<void>(Transaction&)>& body,
                              const TransactionOptions& options) override {
    return RetryOnAborted(options, [&](int /*attempt*/) -> Result<void> {
      // ":memory:" has no readers and nothing to sync: its one connection does everything.
      if (memory_) return RunAlone(body, options.read_only);
      return options.read_only ? RunOnReader(body) : RunInGroup(body);
    });
  }

 private:
  // At most this many transactions share one commit, which bounds the first one's wait.
  static constexpr std::size_t kMaxGroup = 64;

  // Group commit (leveldb's DBImpl::Write, with transactions): writers queue for the writer
  // connection and each runs its own body, on its own thread, inside a SAVEPOINT of one shared
  // transaction; whoever finds nobody waiting (or the group full) commits it for all, so one
  // fsync covers the whole group. Each RunTransaction returns only after its group's COMMIT.
  // A body that fails is rolled back to its savepoint and returns at once; the others are
  // unaffected. If the COMMIT fails, every member of the group gets its error (kAborted is
  // retried by each on its own).
  Result<void> RunInGroup(const std::function<Result<void>(Transaction&)>& body) {
    GroupMember self;
    std::unique_lock lock(group_mu_);
    if (writer_busy_) {
      waiting_.push_back(&self);
      self.cv.wait(lock, [&] { return self.turn; });
    } else {
      writer_busy_ = true;
    }
    lock.unlock();
    Result<void> result = RunMember(body);  // we hold the writer connection
    lock.lock();
    if (result) members_.push_back(&self);
    if (group_open_ && !waiting_.empty() && members_.size() < kMaxGroup) {
      HandOff(lock);  // the next writer joins our group
    } else {
      CommitGroup(lock);
    }
    if (!result) return result;
    self.cv.wait(lock, [&] { return self.done; });
    return self.result;
  }

  // Runs `body` in a savepoint of the group's transaction, beginning one if none is open.
  // Only the holder of the writer connection calls it.
  Result<void> RunMember(const std::function<Result<void>(Transaction&)>& body) {
    if (!group_open_) {
      // BEGIN IMMEDIATE takes the write lock now, so a write never fails half-way with
      // SQLITE_BUSY; another process holding it makes us wait busy_timeout, then kAborted.
      if (auto begun = writer_->Exec("BEGIN IMMEDIATE"); !begun) return begun;
      group_open_ = true;
    }
    if (auto saved = writer_->Exec("SAVEPOINT keyun_member"); !saved) return saved;
    SqliteTransaction tx(*writer_);
    Result<void> result = RunBody(tx, body);
    if (!writer_->in_transaction()) {
      // SQLite rolled the whole transaction back by itself (I/O error, disk full, …): the
      // group's earlier members lost their work too.
      group_open_ = false;
      if (result) result = Internal("the transaction was rolled back by SQLite");
      group_lost_ = result.error();
      return result;
    }
    if (result) result = writer_->Exec("RELEASE keyun_member");
    if (!result) {
      auto undone = writer_->Exec("ROLLBACK TO keyun_member");
      auto released = writer_->Exec("RELEASE keyun_member");
      if (!undone || !released) {
        spdlog::error("sqlite: rolling back to a savepoint failed: {}",
                      (!undone ? undone : released).error().message);
      }
    }
    return result;
  }

  // Commits the open group (if any), tells its members, and passes the writer connection on.
  // Called by the holder of the writer connection; unlocks `lock` while committing so that
  // writers can queue up for the next group meanwhile.
  void CommitGroup(std::unique_lock<std::mutex>& lock) {
    std::vector<GroupMember*> group = std::move(members_);
    members_.clear();
    const bool open = group_open_;
    group_open_ = false;
    std::optional<Error> lost = std::exchange(group_lost_, std::nullopt);
    lock.unlock();
    Result<void> committed;
    if (lost) {
      committed = tl::unexpected<Error>(*lost);
    } else if (open) {
      committed = writer_->Exec("COMMIT");
    }
    if (writer_->in_transaction()) {  // a failed COMMIT may leave it open
      if (auto rolled_back = writer_->Exec("ROLLBACK"); !rolled_back) {
        spdlog::error("sqlite: ROLLBACK failed: {}", rolled_back.error().message);
      }
    }
    lock.lock();
    for (GroupMember* member : group) {
      member->result = committed;
      member->done = true;
      member->cv.notify_one();
    }
    if (waiting_.empty()) {
      writer_busy_ = false;
    } else {
      HandOff(lock);
    }
  }

  void HandOff(std::unique_lock<std::mutex>& /*held*/) {
    GroupMember* next = waiting_.front();
    waiting_.pop_front();
    next->turn = true;
    next->cv.notify_one();
  }

  // ":memory:": one transaction at a time on the one connection.
  Result<void> RunAlone(const std::function<Result<void>(Transaction&)>& body, bool read_only) {
    std::lock_guard lock(group_mu_);
    if (read_only) {
      if (auto ok = writer_->Exec("PRAGMA query_only = 1"); !ok) return ok;
    }
    Result<void> result = Run(*writer_, read_only ? "BEGIN" : "BEGIN IMMEDIATE", body);
    if (read_only) {
      if (auto ok = writer_->Exec("PRAGMA query_only = 0"); !ok && result) return ok;
    }
    return result;
  }

  Result<void> RunOnReader(const std::function<Result<void>(Transaction&)>& body) {
    std::unique_ptr<SqliteConnection> reader;
    {
      std::unique_lock lock(readers_mu_);
      readers_cv_.wait(lock, [&] { return !idle_readers_.empty(); });
      reader = std::move(idle_readers_.back());
      idle_readers_.pop_back();
    }
    Result<void> result = Run(*reader, "BEGIN", body);
    {
      std::lock_guard lock(readers_mu_);
      idle_readers_.push_back(std::move(reader));
    }
    readers_cv_.notify_one();
    return result;
  }

  // One transaction on its own: begin, body, commit, or roll back; the connection ends
  // outside a transaction.
  static Result<void> Run(SqliteConnection& connection, const char* begin,
                          const std::function<Result<void>(Transaction&)>& body) {
    if (auto begun = connection.Exec(begin); !begun) return begun;
    SqliteTransaction tx(connection);
    Result<void> result = RunBody(tx, body);
    if (result) result = connection.Exec("COMMIT");
    // A failed COMMIT may leave the transaction open; some errors end it on their own.
    if (connection.in_transaction()) {
      if (auto rolled_back = connection.Exec("ROLLBACK"); !rolled_back) {
        spdlog::error("sqlite: ROLLBACK failed: {}", rolled_back.error().message);
      }
    }
    return result;
  }

  // Constant after construction.
  const std::string path_;
  const bool memory_;

  // The writer connection is used by one thread at a time: for ":memory:" whoever holds
  // group_mu_; for files the thread that writer_busy_ was set or handed over for.
  std::unique_ptr<SqliteConnection> writer_;
  bool group_open_ = false;          // writer connection holder only: BEGIN done, no COMMIT
  std::optional<Error> group_lost_;  // writer connection holder only

  std::mutex group_mu_;
  bool writer_busy_ = false;           // guarded by group_mu_
  std::deque<GroupMember*> waiting_;   // guarded by group_mu_: FIFO of queued writers
  std::vector<GroupMember*> members_;  // guarded by group_mu_: done, awaiting the COMMIT

  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<SqliteConnection>> idle_readers_;  // guarded by readers_mu_
};

Result<void> Pragma(SqliteConnection& connection, const std::string& path, const std::string& sql) {
  if (auto ok = connection.Exec(sql.c_str()); !ok) {
    return Unavailable(fmt::format("cannot open SQLite database {}: {}", path, ok.error().message));
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<Store>> OpenSqlite(std::string_view location, const OpenOptions& options) {
  const std::string path(location);
  const bool memory = path == ":memory:";
  const std::string busy_timeout =
      fmt::format("PRAGMA busy_timeout = {}", options.sqlite_busy_timeout.count());

  auto writer = SqliteConnection::Open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!writer) return Propagate(writer);
  SqliteConnection& w = **writer;
  if (auto ok = Pragma(w, path, busy_timeout); !ok) return Propagate(ok);
  if (auto ok = Pragma(w, path, "PRAGMA foreign_keys = ON"); !ok) return Propagate(ok);
  if (!memory) {
    // WAL: readers never block the writer nor the writer them, and a commit is one append.
    Result<Rows> mode = w.Query("PRAGMA journal_mode = WAL", {});
    if (!mode) {
      return Unavailable(
          fmt::format("cannot open SQLite database {}: {}", path, mode.error().message));
    }
    if (mode->empty() || mode->front().at(0) != Value{std::string("wal")}) {
      return Unavailable(fmt::format("cannot open SQLite database {}: WAL mode unavailable", path));
    }
  }
  // FULL fsyncs the WAL at each commit (durable across power loss); NORMAL only at checkpoints
  // (durable across a crash of keyun, not of the machine). See OpenOptions.
  if (auto ok = Pragma(w, path,
                       options.sqlite_synchronous_full ? "PRAGMA synchronous = FULL"
                                                       : "PRAGMA synchronous = NORMAL");
      !ok) {
    return Propagate(ok);
  }

  std::vector<std::unique_ptr<SqliteConnection>> readers;
  if (!memory) {
    for (int i = 0; i < std::max(1, options.pool_size); ++i) {
      auto reader = SqliteConnection::Open(path, SQLITE_OPEN_READWRITE);
      if (!reader) return Propagate(reader);
      if (auto ok = Pragma(**reader, path, busy_timeout); !ok) return Propagate(ok);
      if (auto ok = Pragma(**reader, path, "PRAGMA foreign_keys = ON"); !ok) return Propagate(ok);
      if (auto ok = Pragma(**reader, path, "PRAGMA query_only = 1"); !ok) return Propagate(ok);
      readers.push_back(std::move(*reader));
    }
  }
  return std::make_unique<SqliteStore>(path, std::move(*writer), std::move(readers));
}

}  // namespace keyun::store::internal
