// The SQLite engine: one writer connection (BEGIN IMMEDIATE, group commit) and a pool of
// query-only reader connections that run beside it thanks to WAL.
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <functional>
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
    if ((rc & 0xff) == SQLITE_CONSTRAINT) {
      return tl::unexpected<Error>(ConstraintViolation(error.code, message, sql));
    }
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
  [[nodiscard]] Engine engine() const override { return Engine::kSqlite; }

 private:
  Result<std::int64_t> DoExecute(std::string_view sql, Params params) override {
    return connection_.Execute(sql, params);
  }
  Result<Rows> DoQuery(std::string_view sql, Params params) override {
    return connection_.Query(sql, params);
  }

  SqliteConnection& connection_;
};

// A write transaction queued for the next group commit. The group's leader runs its body on
// the leader's thread while the member's own thread waits, so a group costs no hand-offs.
struct GroupMember {
  const std::function<Result<void>(Transaction&)>* body = nullptr;
  std::condition_variable cv;
  bool done = false;     // `result` is final: its group committed (and synced) or failed
  Result<void> result;   // the body's own result, then the group's
};

class SqliteStore final : public Store {
 public:
  SqliteStore(std::string path, bool sync_commits, std::unique_ptr<SqliteConnection> writer,
              std::vector<std::unique_ptr<SqliteConnection>> readers)
      : path_(std::move(path)),
        memory_(readers.empty()),
        sync_commits_(sync_commits && !memory_),
        writer_(std::move(writer)),
        idle_readers_(std::move(readers)) {}

  ~SqliteStore() override {
    if (wal_fd_ >= 0) ::close(wal_fd_);
  }

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
  // At most this many transactions share one commit, which bounds the leader's work.
  static constexpr std::size_t kMaxGroup = 256;

  // Group commit (leveldb's DBImpl::Write, with transactions). Writers queue; the one at the
  // front, when the writer connection is free, leads: it takes every queued writer into one
  // transaction, runs each body in its own SAVEPOINT (a body that fails is rolled back alone),
  // and commits once. It then frees the writer connection for the next leader *before* it
  // makes the group durable (fdatasync of the WAL, see SyncWal), so the next group executes
  // while this one's sync is in flight. A member returns only once its group is durable.
  Result<void> RunInGroup(const std::function<Result<void>(Transaction&)>& body) {
    GroupMember self;
    self.body = &body;
    std::unique_lock lock(group_mu_);
    waiting_.push_back(&self);
    self.cv.wait(lock, [&] {
      return self.done || (!writer_busy_ && !waiting_.empty() && waiting_.front() == &self);
    });
    if (self.done) return self.result;

    writer_busy_ = true;
    std::vector<GroupMember*> group;
    while (!waiting_.empty() && group.size() < kMaxGroup) {
      group.push_back(waiting_.front());
      waiting_.pop_front();
    }
    lock.unlock();
    Result<void> ran = RunGroup(group);
    bool wrote = std::any_of(group.begin(), group.end(),
                             [](GroupMember* m) { return m->result.has_value(); });
    lock.lock();
    // COMMIT under group_mu_, together with counting the generation, so that a reader that
    // saw this group's rows also sees its generation (RunOnReader).
    Result<void> committed = ran ? Commit() : ran;
    std::uint64_t generation = 0;
    if (committed && wrote) generation = ++committed_generation_;
    writer_busy_ = false;
    if (!waiting_.empty()) waiting_.front()->cv.notify_one();  // the next leader
    lock.unlock();

    if (generation > 0) committed = SyncWal(generation);
    lock.lock();
    for (GroupMember* member : group) {
      if (member->result) member->result = committed;
      member->done = true;
      if (member != &self) member->cv.notify_one();
    }
    return self.result;
  }

  Result<void> Commit() {
    Result<void> committed = writer_->Exec("COMMIT");
    if (writer_->in_transaction()) {  // a failed COMMIT may leave it open
      if (auto rolled_back = writer_->Exec("ROLLBACK"); !rolled_back) {
        spdlog::error("sqlite: ROLLBACK failed: {}", rolled_back.error().message);
      }
    }
    return committed;
  }

  // Runs every member's body in one transaction, left open for the leader to commit. Each
  // member's `result` is its body's. Only the leader (writer_busy_) calls it.
  Result<void> RunGroup(const std::vector<GroupMember*>& group) {
    // BEGIN IMMEDIATE takes the write lock now, so a write never fails half-way with
    // SQLITE_BUSY; another process holding it makes us wait busy_timeout, then kAborted.
    if (auto begun = writer_->Exec("BEGIN IMMEDIATE"); !begun) {
      for (GroupMember* member : group) member->result = begun;
      return begun;
    }
    for (std::size_t i = 0; i < group.size(); ++i) {
      GroupMember* member = group[i];
      member->result = writer_->Exec("SAVEPOINT keyun_member");
      if (member->result) {
        SqliteTransaction tx(*writer_);
        member->result = RunBody(tx, *member->body);
      }
      if (!writer_->in_transaction()) {
        // SQLite rolled the whole transaction back by itself (I/O error, disk full, …): the
        // earlier members lost their work too; the later ones have not run and may retry.
        Error lost = member->result ? Internal("the transaction was rolled back by SQLite").value()
                                    : member->result.error();
        for (std::size_t k = 0; k < group.size(); ++k) {
          if (k <= i) {
            if (group[k]->result || k == i) group[k]->result = tl::unexpected(lost);
          } else {
            group[k]->result = Aborted("the group's transaction was lost; retry");
          }
        }
        return tl::unexpected(lost);
      }
      if (member->result) member->result = writer_->Exec("RELEASE keyun_member");
      if (!member->result) {
        auto undone = writer_->Exec("ROLLBACK TO keyun_member");
        auto released = writer_->Exec("RELEASE keyun_member");
        if (!undone || !released) {
          spdlog::error("sqlite: rolling back to a savepoint failed: {}",
                        (!undone ? undone : released).error().message);
        }
      }
    }
    return {};
  }

  // Makes every commit up to `generation` durable. SQLite runs with synchronous=NORMAL, which
  // in WAL mode keeps the database consistent across power loss (the WAL is synced before
  // each checkpoint) but does not sync at COMMIT; we do that here, outside the writer lock:
  // fdatasync on our own descriptor of the -wal file flushes every frame written to it so
  // far, whoever wrote them. Equivalent to synchronous=FULL, but one group's sync overlaps
  // the next group's work.
  Result<void> SyncWal(std::uint64_t generation) {
    if (!sync_commits_) {
      MarkSynced(generation);
      return {};
    }
    int fd = -1;
    {
      std::lock_guard lock(group_mu_);
      if (wal_fd_ < 0) wal_fd_ = ::open((path_ + "-wal").c_str(), O_RDONLY | O_CLOEXEC);
      fd = wal_fd_;
    }
    if (fd < 0 || ::fdatasync(fd) != 0) {
      Error error{ErrorCode::kUnavailable,
                  fmt::format("cannot sync the SQLite WAL {}-wal: {}", path_, std::strerror(errno)),
                  {}};
      spdlog::error("sqlite: {}", error.message);
      MarkSynced(generation);  // readers must not wait forever; the writers get the error
      return tl::unexpected(error);
    }
    MarkSynced(generation);
    return {};
  }

  void MarkSynced(std::uint64_t generation) {
    std::lock_guard lock(group_mu_);
    if (generation > synced_generation_) {
      synced_generation_ = generation;
      synced_cv_.notify_all();
    }
  }

  // A reader may see a group that is committed but not yet synced; before it answers, it
  // waits for that sync, so nothing is ever reported that a power cut could take back.
  void AwaitDurable(std::uint64_t generation) {
    std::unique_lock lock(group_mu_);
    synced_cv_.wait(lock, [&] { return synced_generation_ >= generation; });
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
    // The snapshot saw at most the groups counted by now (COMMIT and count are atomic).
    if (result && sync_commits_) AwaitDurable(LastCommitted());
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

  std::uint64_t LastCommitted() {
    std::lock_guard lock(group_mu_);
    return committed_generation_;
  }

  // Constant after construction.
  const std::string path_;
  const bool memory_;
  const bool sync_commits_;  // fdatasync the WAL before a write is acknowledged

  // The writer connection is used by one thread at a time: for ":memory:" whoever holds
  // group_mu_; for files the group leader (writer_busy_).
  std::unique_ptr<SqliteConnection> writer_;

  std::mutex group_mu_;
  bool writer_busy_ = false;                 // guarded by group_mu_
  std::deque<GroupMember*> waiting_;         // guarded by group_mu_: FIFO of queued writers
  std::uint64_t committed_generation_ = 0;   // guarded by group_mu_: groups committed
  std::uint64_t synced_generation_ = 0;      // guarded by group_mu_: groups durable
  std::condition_variable synced_cv_;        // signalled when synced_generation_ grows
  int wal_fd_ = -1;                          // guarded by group_mu_: opened on first sync

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
  // A province's hot pages (the indexes sales touch) stay in the writer's cache: 64 MiB, not
  // SQLite's default 2 MiB, which re-read index pages from the OS on every sale.
  if (auto ok = Pragma(w, path, "PRAGMA cache_size = -65536"); !ok) return Propagate(ok);
  // Each group member runs in a SAVEPOINT, whose undo copies of the pages it touches form a
  // statement journal: in memory, not a temporary file written with a pwrite per page.
  if (auto ok = Pragma(w, path, "PRAGMA temp_store = MEMORY"); !ok) return Propagate(ok);
  if (!memory) {
    // WAL: readers never block the writer nor the writer them, and a commit is one append.
    // Small pages for a new file (an existing one keeps its size): a sale touches about ten
    // pages of different B-trees, and every commit writes each dirty page whole to the WAL, so
    // the page size is what a sale costs in bytes written and synced.
    if (auto ok = Pragma(w, path, "PRAGMA page_size = 1024"); !ok) return Propagate(ok);
    Result<Rows> mode = w.Query("PRAGMA journal_mode = WAL", {});
    if (!mode) {
      return Unavailable(
          fmt::format("cannot open SQLite database {}: {}", path, mode.error().message));
    }
    if (mode->empty() || mode->front().at(0) != Value{std::string("wal")}) {
      return Unavailable(fmt::format("cannot open SQLite database {}: WAL mode unavailable", path));
    }
  }
  // NORMAL: in WAL mode SQLite syncs only at checkpoints, which keeps the file consistent
  // across power loss. Durability of each commit (OpenOptions::sqlite_synchronous_full) is the
  // group commit's own fdatasync of the WAL (SqliteStore::SyncWal), so it covers whole groups
  // and overlaps the next group's work.
  if (auto ok = Pragma(w, path, "PRAGMA synchronous = NORMAL"); !ok) return Propagate(ok);

  std::vector<std::unique_ptr<SqliteConnection>> readers;
  if (!memory) {
    for (int i = 0; i < std::max(1, options.pool_size); ++i) {
      auto reader = SqliteConnection::Open(path, SQLITE_OPEN_READWRITE);
      if (!reader) return Propagate(reader);
      if (auto ok = Pragma(**reader, path, busy_timeout); !ok) return Propagate(ok);
      if (auto ok = Pragma(**reader, path, "PRAGMA foreign_keys = ON"); !ok) return Propagate(ok);
      if (auto ok = Pragma(**reader, path, "PRAGMA cache_size = -16384"); !ok) return Propagate(ok);
      if (auto ok = Pragma(**reader, path, "PRAGMA query_only = 1"); !ok) return Propagate(ok);
      readers.push_back(std::move(*reader));
    }
  }
  return std::make_unique<SqliteStore>(path, options.sqlite_synchronous_full, std::move(*writer),
                                       std::move(readers));
}

}  // namespace keyun::store::internal
