// The subcommands of `keyun`. Each Add*Command registers its flags on `app` and returns the
// subcommand; main() runs the one chosen. Run functions return the process exit code.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace keyun::cli {

// The callback main() runs after parsing, set by whichever subcommand was chosen.
using RunFn = std::function<int()>;

void AddServeCommand(CLI::App& app, RunFn& run);
void AddMigrateCommand(CLI::App& app, RunFn& run);
void AddDemoDataCommand(CLI::App& app, RunFn& run);
void AddImportCommand(CLI::App& app, RunFn& run);
void AddExportCommand(CLI::App& app, RunFn& run);
void AddBenchCommand(CLI::App& app, RunFn& run);
void AddGateCommand(CLI::App& app, RunFn& run);

// Prints "keyun: <message>" to stderr and returns exit code 1 (2 for bad input).
int Fail(const Error& error);
// A progress printer for long jobs: "[done/total] step" on stderr, one line per step.
void PrintProgress(int done, int total, std::string_view step);

inline constexpr std::string_view kDbHelp =
    "database: a SQLite file path (created if missing), :memory:, or a postgresql:// URL";

inline constexpr std::string_view kKeyFileHelp =
    "key file with the node's secrets (ID sealing and hashing keys, voucher signing seeds), kept "
    "out of the database, mode 0600; default: <db>.keys beside a SQLite file, in memory for "
    ":memory:; required for PostgreSQL (or set KEYUN_KEY_FILE). Back it up apart from the "
    "database (docs/keys.md). "
    "密钥文件：存放本节点的密钥（证件号加密与哈希密钥、电子客票签名种子），不存入数据库，权限 0600；"
    "默认为 SQLite 文件旁的 <db>.keys，:memory: 时保存在内存中；使用 PostgreSQL 时必须指定（或设置 "
    "KEYUN_KEY_FILE）。请与数据库分开备份（见 docs/keys.md）";

// Adds --key-file (and its environment variable KEYUN_KEY_FILE) to `cmd`, bound to `path`.
void AddKeyFileOption(CLI::App& cmd, std::string& path);

}  // namespace keyun::cli
