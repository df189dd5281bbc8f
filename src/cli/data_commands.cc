// keyun migrate, demo-data, import, export: data commands that open the store and exit.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

#include "cli/commands.h"
#include "core/time.h"
#include "network/demo_province.h"
#include "network/network_service.h"
#include "store/key_file.h"
#include "store/store.h"

namespace keyun::cli {
namespace {

// Opens `db` and applies pending migrations; secrets an older database still holds move into
// its key file first (store/key_file.h), so migrating never loses them. Returns the number
// of migrations applied with the store.
Result<std::pair<std::unique_ptr<store::Store>, int>> OpenAndMigrate(const std::string& db,
                                                                     const std::string& key_path) {
  auto key_file = store::KeyFile::ForDatabase(db, key_path);
  if (!key_file) return tl::unexpected(WithField(key_file.error(), "--key-file"));
  auto store = store::Store::Open(db, store::OpenOptions{.migrate = false});
  if (!store) return Propagate(store);
  auto applied = store::MigrateWithKeyFile(**store, **key_file, PrintProgress);
  if (!applied) {
    return tl::unexpected(WithContext(applied.error(), "migrating " + (*store)->DisplayLocation()));
  }
  return std::pair(std::move(*store), *applied);
}

Result<std::unique_ptr<store::Store>> OpenStore(const std::string& db,
                                                const std::string& key_path) {
  auto opened = OpenAndMigrate(db, key_path);
  if (!opened) return Propagate(opened);
  return std::move(opened->first);
}

std::string TableNames() {
  std::string out;
  for (network::Table t : network::AllTables()) {
    if (!out.empty()) out += ", ";
    out += network::TableName(t);
  }
  return out;
}

}  // namespace

void AddMigrateCommand(CLI::App& app, RunFn& run) {
  struct Flags {
    std::string db = "keyun.db";
    std::string key_file;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand("migrate", "Apply pending schema migrations and exit");
  cmd->add_option("--db", flags->db, std::string(kDbHelp))->capture_default_str();
  AddKeyFileOption(*cmd, flags->key_file);
  cmd->callback([flags, &run] {
    run = [flags] {
      auto opened = OpenAndMigrate(flags->db, flags->key_file);
      if (!opened) return Fail(opened.error());
      auto& [store, applied] = *opened;
      auto version = store->SchemaVersion();
      std::printf("keyun: %s is at schema version %d (%d migration%s applied)\n",
                  store->DisplayLocation().c_str(), version ? *version : -1, applied,
                  applied == 1 ? "" : "s");
      return 0;
    };
  });
}

void AddDemoDataCommand(CLI::App& app, RunFn& run) {
  struct Flags {
    std::string db = "keyun.db";
    std::string key_file;
    network::DemoOptions demo;
    std::string first_date;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand(
      "demo-data", "Seed the demo province (real GB/T 2260 counties) into a database and exit");
  cmd->add_option("--db", flags->db, std::string(kDbHelp))->capture_default_str();
  AddKeyFileOption(*cmd, flags->key_file);
  cmd->add_option("--seed", flags->demo.seed, "random seed")->capture_default_str();
  cmd->add_option("--province", flags->demo.province_code, "GB/T 2260 province code")
      ->capture_default_str();
  cmd->add_option("--days", flags->demo.days, "days of runs to generate")
      ->check(CLI::Range(0, 366))
      ->capture_default_str();
  cmd->add_option("--first-date", flags->first_date,
                  "first day of runs, YYYY-MM-DD (default today)");
  cmd->callback([flags, &run] {
    run = [flags] {
      if (!flags->first_date.empty()) {
        auto date = core::LocalDate::Parse(flags->first_date);
        if (!date) return Fail(WithField(date.error(), "--first-date"));
        flags->demo.first_date = *date;
      }
      auto store = OpenStore(flags->db, flags->key_file);
      if (!store) return Fail(store.error());
      core::SystemClock clock;
      network::NetworkService network(**store, clock,
                                      {.password_cost = core::PasswordCost::kFastForTests});
      auto summary = network::SeedDemoProvince(network, flags->demo, PrintProgress);
      if (!summary) return Fail(summary.error());
      std::printf(
          "keyun: demo province %s in %s: %d stations, %d carriers, %d vehicles, %d routes, "
          "%d fares, %d schedules, %d staff, %d runs created\n",
          summary->already_seeded ? "was already seeded" : "seeded",
          (*store)->DisplayLocation().c_str(), summary->stations, summary->carriers,
          summary->vehicles, summary->routes, summary->fares, summary->schedules, summary->staff,
          summary->runs_created);
      return 0;
    };
  });
}

void AddImportCommand(CLI::App& app, RunFn& run) {
  struct Flags {
    std::string db = "keyun.db";
    std::string key_file;
    std::string table;
    std::string file;
    bool dry_run = false;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand(
      "import",
      "Import master data from a CSV file (docs/csv.md). Every bad row is reported with its "
      "line number; nothing is imported unless every row is good");
  cmd->add_option("--db", flags->db, std::string(kDbHelp))->capture_default_str();
  AddKeyFileOption(*cmd, flags->key_file);
  cmd->add_option("--table", flags->table, "one of: " + TableNames())->required();
  cmd->add_option("file", flags->file, "the CSV file (UTF-8)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_flag("--dry-run", flags->dry_run, "check every row and report, but write nothing");
  cmd->callback([flags, &run] {
    run = [flags] {
      auto table = network::ParseTable(flags->table);
      if (!table) return Fail(WithField(table.error(), "--table"));
      std::ifstream in(flags->file, std::ios::binary);
      if (!in)
        return Fail(Error{ErrorCode::kInvalidArgument, "cannot read " + flags->file, "file"});
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      auto store = OpenStore(flags->db, flags->key_file);
      if (!store) return Fail(store.error());
      core::SystemClock clock;
      network::NetworkService network(**store, clock);
      auto report = network.ImportCsv(*table, text, {.dry_run = flags->dry_run});
      if (!report) {
        std::fprintf(stderr, "keyun: %s was not imported; nothing was written:\n%s\n",
                     flags->file.c_str(), report.error().message.c_str());
        return 2;
      }
      std::printf("keyun: %s %s: %d records, %d inserted, %d updated\n",
                  flags->dry_run ? "dry run of" : "imported", flags->file.c_str(), report->records,
                  report->inserted, report->updated);
      return 0;
    };
  });
}

void AddExportCommand(CLI::App& app, RunFn& run) {
  struct Flags {
    std::string db = "keyun.db";
    std::string key_file;
    std::string table;
    std::string out;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand("export", "Export master data as CSV (docs/csv.md)");
  cmd->add_option("--db", flags->db, std::string(kDbHelp))->capture_default_str();
  AddKeyFileOption(*cmd, flags->key_file);
  cmd->add_option("--table", flags->table, "one of: " + TableNames())->required();
  cmd->add_option("--out", flags->out, "output file (default: standard output)");
  cmd->callback([flags, &run] {
    run = [flags] {
      auto table = network::ParseTable(flags->table);
      if (!table) return Fail(WithField(table.error(), "--table"));
      auto store = OpenStore(flags->db, flags->key_file);
      if (!store) return Fail(store.error());
      core::SystemClock clock;
      network::NetworkService network(**store, clock);
      auto csv = network.ExportCsv(*table);
      if (!csv) return Fail(csv.error());
      if (flags->out.empty()) {
        std::fwrite(csv->data(), 1, csv->size(), stdout);
      } else {
        std::ofstream out(flags->out, std::ios::binary);
        out << *csv;
        if (!out)
          return Fail(Error{ErrorCode::kUnavailable, "cannot write " + flags->out, "--out"});
      }
      return 0;
    };
  });
}

}  // namespace keyun::cli
