#include "store/internal/migrations.h"

namespace keyun::store::internal {

std::string_view Migration::SqlFor(Engine engine) const {
  std::string_view override_sql = engine == Engine::kSqlite ? sqlite_sql : postgres_sql;
  return override_sql.empty() ? sql : override_sql;
}

}  // namespace keyun::store::internal
