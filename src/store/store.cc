// What both engines share: Row, Open's dispatch, migrations, NextSequence.
#include "store/store.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cassert>
#include <ctime>
#include <set>

#include "store/internal/engines.h"
#include "store/internal/migrations.h"

namespace keyun::store {

bool Row::IsNull(std::size_t column) const {
  return std::holds_alternative<std::monostate>(values_.at(column));
}

std::int64_t Row::Int(std::size_t column) const {
  const Value& value = values_.at(column);
  assert(std::holds_alternative<std::int64_t>(value) && "Row::Int of a NULL or text column");
  const auto* number = std::get_if<std::int64_t>(&value);
  return number == nullptr ? 0 : *number;
}

const std::string& Row::Text(std::size_t column) const {
  static const std::string kEmpty;
  const Value& value = values_.at(column);
  assert(std::holds_alternative<std::string>(value) && "Row::Text of a NULL or integer column");
  const auto* text = std::get_if<std::string>(&value);
  return text == nullptr ? kEmpty : *text;
}

std::optional<std::int64_t> Row::OptionalInt(std::size_t column) const {
  if (IsNull(column)) return std::nullopt;
  return Int(column);
}

std::optional<std::string> Row::OptionalText(std::size_t column) const {
  if (IsNull(column)) return std::nullopt;
  return Text(column);
}

Result<Row> Transaction::QueryOne(std::string_view sql, Params params) {
  Result<Rows> rows = Query(sql, params);
  if (!rows) return Propagate(rows);
  if (rows->empty()) return NotFound("no row found");
  if (rows->size() > 1) {
    return Internal(
        fmt::format("expected one row but the query returned {}: {}", rows->size(), sql));
  }
  return std::move(rows->front());
}

std::string_view EngineName(Engine engine) {
  switch (engine) {
    case Engine::kSqlite:
      return "sqlite";
    case Engine::kPostgres:
      return "postgresql";
  }
  return "sqlite";
}

int LatestSchemaVersion() {
  std::span<const internal::Migration> migrations = internal::EmbeddedMigrations();
  return migrations.empty() ? 0 : migrations.back().version;
}

Result<std::unique_ptr<Store>> Store::Open(std::string_view location, const OpenOptions& options) {
  if (location.empty()) {
    return InvalidArgument(
        "no database given: pass a SQLite file, :memory: or a postgresql:// URL");
  }
  const bool postgres =
      location.starts_with("postgresql://") || location.starts_with("postgres://");
  Result<std::unique_ptr<Store>> store = postgres ? internal::OpenPostgres(location, options)
                                                  : internal::OpenSqlite(location, options);
  if (!store) return store;

  if (options.migrate) {
    Result<int> applied = (*store)->Migrate();
    if (!applied) return Propagate(applied);
  } else {
    Result<int> version = (*store)->SchemaVersion();
    if (!version) return Propagate(version);
    if (*version > LatestSchemaVersion()) {
      return FailedPrecondition(
          fmt::format("database schema version {} is newer than this keyun ({}); upgrade keyun",
                      *version, LatestSchemaVersion()));
    }
  }
  return store;
}

namespace {

// Serializes migrators across processes on PostgreSQL (released at commit or rollback). SQLite
// needs none: migrations are write transactions, and BEGIN IMMEDIATE admits one writer.
constexpr std::string_view kLockMigrations = "SELECT pg_advisory_xact_lock(4608246003779825457)";

constexpr std::string_view kCreateSchemaMigrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";

Result<void> LockMigrations(Store& store, Transaction& tx) {
  if (store.engine() != Engine::kPostgres) return {};
  Result<Rows> locked = tx.Query(kLockMigrations);
  if (!locked) return Propagate(locked);
  return {};
}

std::string UtcNow() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::size_t size = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return std::string(text, size);
}

tl::unexpected<Error> NewerSchema(int version) {
  return FailedPrecondition(
      fmt::format("database schema version {} is newer than this keyun ({}); upgrade keyun",
                  version, LatestSchemaVersion()));
}

}  // namespace

Result<int> Store::SchemaVersion() {
  const char* exists_sql =
      engine() == Engine::kSqlite
          ? "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
          : "SELECT COUNT(*) FROM pg_catalog.pg_tables "
            "WHERE schemaname = current_schema() AND tablename = 'schema_migrations'";
  TransactionOptions read;
  read.read_only = true;
  return Transact<int>(
      [&](Transaction& tx) -> Result<int> {
        Result<Row> exists = tx.QueryOne(exists_sql);
        if (!exists) return Propagate(exists);
        if (exists->Int(0) == 0) return 0;
        Result<Row> max = tx.QueryOne("SELECT MAX(version) FROM schema_migrations");
        if (!max) return Propagate(max);
        return static_cast<int>(max->OptionalInt(0).value_or(0));
      },
      read);
}

Result<int> Store::Migrate(const ProgressFn& progress) {
  return Migrate(MigrateOptions{.progress = progress, .before_migration = {}, .up_to_version = 0});
}

Result<int> Store::Migrate(const MigrateOptions& migrate) {
  const ProgressFn& progress = migrate.progress;
  // READ COMMITTED on PostgreSQL so that the re-check after waiting for the advisory lock sees
  // what the migrator that held it committed (a serializable snapshot would predate it).
  TransactionOptions options;
  options.isolation = Isolation::kReadCommitted;

  Result<std::set<int>> applied = Transact<std::set<int>>(
      [&](Transaction& tx) -> Result<std::set<int>> {
        if (auto locked = LockMigrations(*this, tx); !locked) return Propagate(locked);
        if (auto created = tx.Execute(kCreateSchemaMigrations); !created) return Propagate(created);
        Result<Rows> rows = tx.Query("SELECT version FROM schema_migrations");
        if (!rows) return Propagate(rows);
        std::set<int> versions;
        for (const Row& row : *rows) versions.insert(static_cast<int>(row.Int(0)));
        return versions;
      },
      options);
  if (!applied) return Propagate(applied);
  if (!applied->empty() && *applied->rbegin() > LatestSchemaVersion()) {
    return NewerSchema(*applied->rbegin());
  }

  std::vector<const internal::Migration*> pending;
  for (const internal::Migration& migration : internal::EmbeddedMigrations()) {
    if (migrate.up_to_version > 0 && migration.version > migrate.up_to_version) break;
    if (!applied->contains(migration.version)) pending.push_back(&migration);
  }
  const int total = static_cast<int>(pending.size());
  int count = 0;
  for (int done = 0; done < total; ++done) {
    const internal::Migration& migration = *pending[done];
    if (progress) progress(done, total, migration.name);
    Result<bool> ran = Transact<bool>(
        [&](Transaction& tx) -> Result<bool> {
          if (auto locked = LockMigrations(*this, tx); !locked) return Propagate(locked);
          Result<Row> already =
              tx.QueryOne("SELECT COUNT(*) FROM schema_migrations WHERE version = $1",
                          {Value{std::int64_t{migration.version}}});
          if (!already) return Propagate(already);
          if (already->Int(0) > 0) return false;  // another migrator got here first
          if (migrate.before_migration) {
            if (auto moved = migrate.before_migration(migration.version, tx); !moved) {
              return Propagate(moved);
            }
          }
          std::vector<std::string> statements =
              internal::SplitStatements(migration.SqlFor(engine()));
          for (std::size_t i = 0; i < statements.size(); ++i) {
            Result<std::int64_t> executed = tx.Execute(statements[i]);
            if (!executed) {
              return tl::unexpected<Error>(
                  WithContext(executed.error(), fmt::format("statement {}", i + 1)));
            }
          }
          Result<std::int64_t> recorded = tx.Execute(
              "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
              {Value{std::int64_t{migration.version}}, Value{std::string(migration.name)},
               Value{UtcNow()}});
          if (!recorded) return Propagate(recorded);
          return true;
        },
        options);
    if (!ran) {
      return tl::unexpected<Error>(
          WithContext(ran.error(), fmt::format("migration {}", migration.name)));
    }
    if (*ran) {
      ++count;
      spdlog::info("store: applied migration {} to {}", migration.name, DisplayLocation());
    }
  }
  if (progress && total > 0) progress(total, total, "done");
  return count;
}

Result<std::int64_t> NextSequence(Transaction& tx, std::string_view name) {
  Result<Row> row = tx.QueryOne(
      "INSERT INTO sequences (name, value) VALUES ($1, 1) "
      "ON CONFLICT (name) DO UPDATE SET value = sequences.value + 1 RETURNING value",
      {Value{std::string(name)}});
  if (!row) return Propagate(row);
  return row->Int(0);
}

Result<std::int64_t> NextSerial(Transaction& tx, std::string_view name) {
  if (tx.engine() == Engine::kSqlite) return NextSequence(tx, "serial-" + std::string(name));
  Result<Row> row = tx.QueryOne("SELECT nextval(CAST($1 AS TEXT)::regclass)",
                                {Value{"serial_" + std::string(name)}});
  if (!row) return Propagate(row);
  return row->Int(0);
}

}  // namespace keyun::store
