// keyun: the one binary of the platform (DESIGN.md §1 "Processes").
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/commands.h"

namespace keyun::cli {

int Fail(const Error& error) {
  // Chinese first, as the pages default to it, then the English message.
  if (!error.message_zh.empty()) std::fprintf(stderr, "keyun: %s\n", error.message_zh.c_str());
  std::fprintf(stderr, "keyun: %s\n", error.message.c_str());
  if (!error.field.empty()) std::fprintf(stderr, "keyun: (at %s)\n", error.field.c_str());
  return error.code == ErrorCode::kInvalidArgument ? 2 : 1;
}

void AddKeyFileOption(CLI::App& cmd, std::string& path) {
  cmd.add_option("--key-file", path, std::string(kKeyFileHelp))
      ->envname("KEYUN_KEY_FILE")
      ->type_name("PATH");
}

void PrintProgress(int done, int total, std::string_view step) {
  std::fprintf(stderr, "[%d/%d] %.*s\n", done, total, static_cast<int>(step.size()), step.data());
}

}  // namespace keyun::cli

int main(int argc, char** argv) {
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  CLI::App app{
      "keyun: networked ticketing for intercity road passenger transport (道路客运联网售票).\n"
      "Run `keyun <command> --help` for a command's options."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "keyun 0.1.0");
  keyun::cli::RunFn run;
  keyun::cli::AddServeCommand(app, run);
  keyun::cli::AddMigrateCommand(app, run);
  keyun::cli::AddDemoDataCommand(app, run);
  keyun::cli::AddImportCommand(app, run);
  keyun::cli::AddExportCommand(app, run);
  keyun::cli::AddBenchCommand(app, run);
  keyun::cli::AddGateCommand(app, run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    if (code != 0) std::fprintf(stderr, "Run `keyun --help` for the commands and options.\n");
    return code;
  }
  return run ? run() : 0;
}
