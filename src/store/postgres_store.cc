// The PostgreSQL engine: raw libpq behind RAII handles, a bounded connection pool, statements
// prepared once per connection, SERIALIZABLE writers retried on conflict.
#include <fmt/format.h>
#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/internal/engines.h"
#include "store/internal/sql_text.h"
#include "store/internal/transaction_base.h"

namespace keyun::store::internal {

std::string RedactPostgresUrl(std::string_view url) {
  std::string out(url);
  const std::size_t scheme_end = out.find("://");
  if (scheme_end != std::string::npos) {
    const std::size_t authority = scheme_end + 3;
    const std::size_t authority_end = std::min(out.find_first_of("/?", authority), out.size());
    const std::size_t at = out.rfind('@', authority_end);
    if (at != std::string::npos && at >= authority) {
      const std::size_t colon = out.find(':', authority);
      if (colon != std::string::npos && colon < at) out.erase(colon, at - colon);
    }
  }
  // A password may also come as a query parameter: ?password=… or &password=…
  for (std::size_t at = out.find("password="); at != std::string::npos;
       at = out.find("password=")) {
    if (at == 0 || (out[at - 1] != '?' && out[at - 1] != '&')) break;
    std::size_t end = out.find('&', at);
    end = end == std::string::npos ? out.size() : end + 1;
    out.erase(at, end - at);
  }
  while (!out.empty() && (out.back() == '&' || out.back() == '?')) out.pop_back();
  return out;
}

namespace {

// The one place SQLSTATEs become ErrorCodes.
Error PostgresError(std::string_view sqlstate, std::string message) {
  auto error = [&](ErrorCode code) { return Error{code, std::move(message), {}}; };
  if (sqlstate == "23505") return error(ErrorCode::kAlreadyExists);  // unique_violation
  if (sqlstate == "23503" || sqlstate == "23514" || sqlstate == "23502" || sqlstate == "23P01") {
    return error(ErrorCode::kFailedPrecondition);  // foreign key, check, not null, exclusion
  }
  if (sqlstate == "40001" || sqlstate == "40P01") {
    return error(ErrorCode::kAborted);  // serialization failure, deadlock
  }
  if (sqlstate == "08P01") return error(ErrorCode::kInternal);  // protocol misuse: our bug
  if (sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" ||
      sqlstate == "57P03" || sqlstate == "53300") {
    return error(ErrorCode::kUnavailable);  // connection, shutdown, too many connections
  }
  return error(ErrorCode::kInternal);
}

struct PgConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
struct PgResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgConnPtr = std::unique_ptr<PGconn, PgConnDeleter>;
using PgResultPtr = std::unique_ptr<PGresult, PgResultDeleter>;

constexpr Oid kBoolOid = 16;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kOidOid = 26;
constexpr Oid kNumericOid = 1700;

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const {
    return std::hash<std::string_view>{}(text);
  }
};

void LogNotice(void* /*arg*/, const char* message) {
  spdlog::debug("postgresql: {}", std::string_view(message));
}

// One server connection and the statements prepared on it. Used by one thread at a time.
class PgConnection {
 public:
  PgConnection(PgConnPtr conn, std::string display)
      : conn_(std::move(conn)), display_(std::move(display)) {
    PQsetNoticeProcessor(conn_.get(), LogNotice, nullptr);
  }

  // True once the connection is unusable; the pool then discards it.
  [[nodiscard]] bool broken() const { return PQstatus(conn_.get()) != CONNECTION_OK; }
  [[nodiscard]] bool idle() const { return PQtransactionStatus(conn_.get()) == PQTRANS_IDLE; }

  // A statement without parameters or rows (BEGIN, COMMIT, ROLLBACK), simple protocol.
  Result<void> Exec(const char* sql) {
    PgResultPtr result(PQexec(conn_.get(), sql));
    if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) return Fail(result.get(), sql);
    return {};
  }

  Result<std::int64_t> Execute(std::string_view sql, Params params) {
    Result<PgResultPtr> result = Run(sql, params);
    if (!result) return Propagate(result);
    std::string_view tuples = PQcmdTuples(result->get());
    std::int64_t changed = 0;
    std::from_chars(tuples.data(), tuples.data() + tuples.size(), changed);
    return changed;
  }

  Result<Rows> Query(std::string_view sql, Params params) {
    Result<PgResultPtr> result = Run(sql, params);
    if (!result) return Propagate(result);
    PGresult* res = result->get();
    const int row_count = PQntuples(res);
    const int column_count = PQnfields(res);
    std::vector<Oid> types(column_count);
    for (int c = 0; c < column_count; ++c) types[c] = PQftype(res, c);
    Rows rows;
    rows.reserve(row_count);
    for (int r = 0; r < row_count; ++r) {
      std::vector<Value> values;
      values.reserve(column_count);
      for (int c = 0; c < column_count; ++c) values.push_back(CellValue(res, r, c, types[c]));
      rows.emplace_back(std::move(values));
    }
    return rows;
  }

 private:
  struct Prepared {
    std::string name;  // "s1", "s2", …
  };
  static constexpr std::size_t kMaxPreparedStatements = 1024;

  // Prepares (once per SQL text and parameter type signature) and executes.
  Result<PgResultPtr> Run(std::string_view sql, Params params) {
    // Integers are sent typed as int8 so "$1 + 1" or "SELECT $1" mean what they do on SQLite;
    // text and NULL go untyped and take the type the statement gives them.
    key_.clear();
    std::vector<Oid> types(params.size(), 0);
    for (std::size_t i = 0; i < params.size(); ++i) {
      const bool is_int = std::holds_alternative<std::int64_t>(params[i]);
      if (is_int) types[i] = kInt8Oid;
      key_.push_back(is_int ? 'i' : 't');
    }
    key_.push_back('\n');
    key_.append(sql);

    auto found = prepared_.find(key_);
    if (found == prepared_.end()) {
      if (prepared_.size() >= kMaxPreparedStatements) {
        // Only SQL built at run time can get here; start over rather than grow without bound.
        spdlog::warn("postgresql: {} prepared statements on one connection; deallocating all",
                     prepared_.size());
        if (auto ok = Exec("DEALLOCATE ALL"); !ok) return Propagate(ok);
        prepared_.clear();
      }
      // PostgreSQL would accept unused trailing parameters typed int8; SQLite refuses them.
      // Refuse them here too, so a mistake fails the same way on both engines.
      if (auto ok = CheckParamCount(sql, HighestParameter(sql), params.size()); !ok) {
        return Propagate(ok);
      }
      std::string name = fmt::format("s{}", ++statement_counter_);
      const std::string text(sql);
      PgResultPtr result(PQprepare(conn_.get(), name.c_str(), text.c_str(),
                                   static_cast<int>(params.size()), types.data()));
      if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) return Fail(result.get(), sql);
      found = prepared_.emplace(key_, Prepared{std::move(name)}).first;
    }

    std::vector<std::string> numbers;  // keeps the decimal text of integers alive
    numbers.reserve(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (const auto* number = std::get_if<std::int64_t>(&params[i])) {
        numbers.push_back(std::to_string(*number));
        values[i] = numbers.back().c_str();
      } else if (const auto* text = std::get_if<std::string>(&params[i])) {
        values[i] = text->c_str();
      }
    }
    PgResultPtr result(PQexecPrepared(conn_.get(), found->second.name.c_str(),
                                      static_cast<int>(params.size()), values.data(), nullptr,
                                      nullptr, 0));
    ExecStatusType status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return Fail(result.get(), sql);
    return result;
  }

  static Value CellValue(PGresult* res, int row, int column, Oid type) {
    if (PQgetisnull(res, row, column)) return kNull;
    const char* text = PQgetvalue(res, row, column);
    const int size = PQgetlength(res, row, column);
    switch (type) {
      case kBoolOid:
        return std::int64_t{text[0] == 't' ? 1 : 0};
      case kInt8Oid:
      case kInt4Oid:
      case kInt2Oid:
      case kOidOid:
      case kNumericOid: {  // numeric: SUM(bigint) is numeric on PostgreSQL, integer on SQLite
        std::int64_t number = 0;
        auto [end, ec] = std::from_chars(text, text + size, number);
        if (ec == std::errc{} && end == text + size) return number;
        return std::string(text, static_cast<std::size_t>(size));
      }
      default:
        return std::string(text, static_cast<std::size_t>(size));
    }
  }

  tl::unexpected<Error> Fail(const PGresult* result, std::string_view sql) {
    const char* sqlstate =
        result == nullptr ? nullptr : PQresultErrorField(result, PG_DIAG_SQLSTATE);
    if (sqlstate == nullptr || broken()) {
      std::string reason = PQerrorMessage(conn_.get());
      while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
      spdlog::warn("postgresql: connection to {} failed: {}", display_, reason);
      return Unavailable(
          fmt::format("lost the connection to PostgreSQL at {}: {}", display_, reason));
    }
    const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
    Error error = PostgresError(sqlstate, primary == nullptr ? "database error" : primary);
    if (std::string_view(sqlstate).starts_with("23")) {  // class 23: integrity constraint
      const char* detail = PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL);
      std::string text = std::move(error.message);
      if (detail != nullptr) text += fmt::format(" ({})", detail);
      return tl::unexpected<Error>(ConstraintViolation(
          error.code == ErrorCode::kInternal ? ErrorCode::kFailedPrecondition : error.code,
          std::move(text), sql));
    }
    if (error.code == ErrorCode::kInternal || error.code == ErrorCode::kUnavailable) {
      const char* detail = PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL);
      spdlog::error("postgresql: {} {} {} in: {}", sqlstate, error.message,
                    detail == nullptr ? "" : detail, sql);
      error.message = fmt::format("database error: {}", error.message);
    }
    return tl::unexpected<Error>(std::move(error));
  }

  PgConnPtr conn_;
  const std::string display_;
  std::unordered_map<std::string, Prepared, StringHash, std::equal_to<>> prepared_;
  int statement_counter_ = 0;
  std::string key_;  // scratch for lookups
};

// At most `capacity` connections, made on demand. A connection that broke or is still inside
// a transaction is closed instead of coming back.
class PgPool {
 public:
  PgPool(std::string url, std::string display, const OpenOptions& options)
      : url_(std::move(url)),
        display_(std::move(display)),
        capacity_(std::max(1, options.pool_size)),
        acquire_timeout_(options.pool_acquire_timeout),
        connect_timeout_(std::to_string(std::max(1, options.connect_timeout_seconds))) {}

  [[nodiscard]] const std::string& display() const { return display_; }
  [[nodiscard]] int capacity() const { return capacity_; }

  Result<std::unique_ptr<PgConnection>> Acquire() {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, acquire_timeout_,
                      [&] { return !idle_.empty() || open_ < capacity_; })) {
      return Unavailable(fmt::format("all {} connections to PostgreSQL at {} stayed busy for {} ms",
                                     capacity_, display_, acquire_timeout_.count()));
    }
    if (!idle_.empty()) {
      std::unique_ptr<PgConnection> connection = std::move(idle_.back());
      idle_.pop_back();
      return connection;
    }
    ++open_;
    lock.unlock();
    Result<std::unique_ptr<PgConnection>> connection = Connect();
    if (!connection) {
      lock.lock();
      --open_;
      lock.unlock();
      cv_.notify_one();
    }
    return connection;
  }

  void Release(std::unique_ptr<PgConnection> connection) {
    const bool reusable = !connection->broken() && connection->idle();
    {
      std::lock_guard lock(mu_);
      if (reusable) {
        idle_.push_back(std::move(connection));
      } else {
        --open_;
      }
    }
    cv_.notify_one();
    connection.reset();  // a discarded connection closes outside the lock
  }

 private:
  Result<std::unique_ptr<PgConnection>> Connect() {
    // With expand_dbname the URL is expanded in place of "dbname": settings before it are
    // defaults the URL may override.
    const char* keywords[] = {"connect_timeout", "client_encoding", "application_name", "dbname",
                              nullptr};
    const char* values[] = {connect_timeout_.c_str(), "UTF8", "keyun", url_.c_str(), nullptr};
    PgConnPtr conn(PQconnectdbParams(keywords, values, 1));
    if (conn == nullptr) return Unavailable("out of memory connecting to PostgreSQL");
    if (PQstatus(conn.get()) != CONNECTION_OK) {
      std::string reason = PQerrorMessage(conn.get());
      while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
      return Unavailable(fmt::format("cannot connect to PostgreSQL at {}: {}", display_, reason));
    }
    return std::make_unique<PgConnection>(std::move(conn), display_);
  }

  // Constant after construction.
  const std::string url_;
  const std::string display_;
  const int capacity_;
  const std::chrono::milliseconds acquire_timeout_;
  const std::string connect_timeout_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PgConnection>> idle_;  // guarded by mu_
  int open_ = 0;                                     // guarded by mu_: idle + leased + connecting
};

// A connection borrowed from the pool for one transaction attempt.
class Lease {
 public:
  Lease(PgPool& pool, std::unique_ptr<PgConnection> connection)
      : pool_(pool), connection_(std::move(connection)) {}
  ~Lease() { pool_.Release(std::move(connection_)); }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  PgConnection* operator->() const { return connection_.get(); }
  PgConnection& operator*() const { return *connection_; }

 private:
  PgPool& pool_;
  std::unique_ptr<PgConnection> connection_;
};

class PgTransaction final : public GuardedTransaction {
 public:
  explicit PgTransaction(PgConnection& connection) : connection_(connection) {}
  [[nodiscard]] Engine engine() const override { return Engine::kPostgres; }

 private:
  Result<std::int64_t> DoExecute(std::string_view sql, Params params) override {
    return connection_.Execute(sql, params);
  }
  Result<Rows> DoQuery(std::string_view sql, Params params) override {
    return connection_.Query(sql, params);
  }

  PgConnection& connection_;
};

class PostgresStore final : public Store {
 public:
  PostgresStore(std::string url, const OpenOptions& options)
      : pool_(url, RedactPostgresUrl(url), options) {}

  [[nodiscard]] Engine engine() const override { return Engine::kPostgres; }
  [[nodiscard]] std::string DisplayLocation() const override { return pool_.display(); }

  // Connects once, so that Open reports an unreachable server.
  Result<void> Check() {
    Result<std::unique_ptr<PgConnection>> connection = pool_.Acquire();
    if (!connection) return Propagate(connection);
    pool_.Release(std::move(*connection));
    return {};
  }

  Result<void> RunTransaction(const std::function<Result<void>(Transaction&)>& body,
                              const TransactionOptions& options) override {
    return RetryOnAborted(options, [&](int attempt) -> Result<void> {
      // Readers never conflict. Writers share the gate; one that has already lost
      // kExclusiveFromAttempt - 1 times takes it alone, so it cannot starve: otherwise, on a hot
      // row under SERIALIZABLE, a retry competes with fresh transactions on equal terms and
      // loses again with the same odds. (Other processes are not held back by the gate.)
      if (options.read_only) return RunOnce(body, options);
      if (attempt >= kExclusiveFromAttempt) {
        std::unique_lock alone(gate_);
        return RunOnce(body, options);
      }
      std::shared_lock shared(gate_);
      return RunOnce(body, options);
    });
  }

 private:
  static const char* BeginSql(const TransactionOptions& options) {
    // Readers get one snapshot and never serialization failures; writers default to
    // SERIALIZABLE so that they behave as on SQLite, where writers run one at a time.
    if (options.read_only) return "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
    if (options.isolation == Isolation::kReadCommitted)
      return "BEGIN ISOLATION LEVEL READ COMMITTED";
    return "BEGIN ISOLATION LEVEL SERIALIZABLE";
  }

  Result<void> RunOnce(const std::function<Result<void>(Transaction&)>& body,
                       const TransactionOptions& options) {
    // A pooled connection may have died while idle (server restart, idle timeout): BEGIN
    // fails, nothing was done, so try a fresh one.
    for (int tries = 0;; ++tries) {
      Result<std::unique_ptr<PgConnection>> acquired = pool_.Acquire();
      if (!acquired) return Propagate(acquired);
      Lease connection(pool_, std::move(*acquired));
      if (auto begun = connection->Exec(BeginSql(options)); !begun) {
        if (connection->broken() && tries < pool_.capacity()) continue;
        return begun;
      }
      PgTransaction tx(*connection);
      Result<void> result = RunBody(tx, body);
      if (result) {
        result = connection->Exec("COMMIT");
        if (!result && connection->broken()) {
          return Unavailable(fmt::format(
              "lost the connection to PostgreSQL at {} during COMMIT; the transaction may or may "
              "not have committed",
              pool_.display()));
        }
      }
      if (!connection->broken() && !connection->idle()) {
        if (auto rolled_back = connection->Exec("ROLLBACK"); !rolled_back) {
          spdlog::error("postgresql: ROLLBACK failed: {}", rolled_back.error().message);
        }
      }
      return result;
    }
  }

  static constexpr int kExclusiveFromAttempt = 3;

  PgPool pool_;
  // Taken shared by every read-write attempt (before a pool connection), exclusively by late
  // retries. Never run a transaction inside a transaction body: it would wait for itself.
  std::shared_mutex gate_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgres(std::string_view url, const OpenOptions& options) {
  auto store = std::make_unique<PostgresStore>(std::string(url), options);
  if (auto ok = store->Check(); !ok) return Propagate(ok);
  return store;
}

}  // namespace keyun::store::internal
