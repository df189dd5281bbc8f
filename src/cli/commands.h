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

}  // namespace keyun::cli
