// Small helpers shared by the service and HTTP tests: a fresh database per engine and valid,
// distinct passenger IDs.
#pragma once

#include <cstdint>
#include <string>

#include "core/id_document.h"
#include "core/ids.h"
#include "core/result.h"
#include "core/time.h"
#include "support/postgres_test_server.h"

namespace keyun::testing {

enum class TestEngine { kSqlite, kPostgres };

inline std::string TestEngineName(TestEngine engine) {
  return engine == TestEngine::kSqlite ? "sqlite" : "postgresql";
}

// A private SQLite ":memory:" database, or a new empty database on the shared PostgreSQL test
// server (tests/support/postgres_test_server.h).
[[nodiscard]] inline Result<std::string> FreshDatabase(TestEngine engine) {
  if (engine == TestEngine::kSqlite) return std::string(":memory:");
  auto server = PostgresTestServer::Shared();
  if (!server) return tl::unexpected(server.error());
  return (*server)->CreateDatabase();
}

// A valid 18-character resident ID, different for every serial ≥ 0: 历下区 (370102), birth
// dates from 1970-01-01 on, sequence 100–999, check character computed (MOD 11-2).
[[nodiscard]] inline std::string TestResidentId(std::int64_t serial) {
  return core::SyntheticResidentId(serial);
}

// A serial written in Chinese digits (12 → 一二), for passenger names that tell tests' buyers
// apart: a name has letters, never digits.
[[nodiscard]] inline std::string ChineseDigits(std::int64_t serial) {
  static const char* const kDigits[] = {"〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
  std::string out;
  for (char c : std::to_string(serial)) out += c == '-' ? "负" : kDigits[c - '0'];
  return out;
}

}  // namespace keyun::testing
