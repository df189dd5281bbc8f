// Schema migrations embedded into the binary at build time (see embed_migrations.cmake and
// docs/store.md). Private to src/store.
#pragma once

#include <span>
#include <string_view>

#include "store/internal/sql_text.h"
#include "store/store.h"

namespace keyun::store::internal {

// One migration file, NNNN_snake_name.sql, with its optional per-engine overrides
// NNNN_snake_name.sqlite.sql / NNNN_snake_name.postgres.sql (empty when absent).
struct Migration {
  int version = 0;
  std::string_view name;  // "0001_meta"
  std::string_view sql;
  std::string_view sqlite_sql;
  std::string_view postgres_sql;

  // The text to run on `engine`: its override if there is one, else the portable file.
  [[nodiscard]] std::string_view SqlFor(Engine engine) const;
};

// Every embedded migration, ordered by version (generated file migrations_embedded.cc).
[[nodiscard]] std::span<const Migration> EmbeddedMigrations();

}  // namespace keyun::store::internal
