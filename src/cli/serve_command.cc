// keyun serve: a provincial node (API, pages, background jobs).
#include <signal.h>
#include <spdlog/async.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <thread>

#include "cli/after_sale_policy_file.h"
#include "cli/commands.h"
#include "http/node.h"

namespace keyun::cli {
namespace {

struct ServeFlags {
  std::string db = "keyun.db";
  std::string key_file;  // empty: <db>.keys beside a SQLite file (docs/keys.md)
  std::string host = "127.0.0.1";
  int port = 8080;
  int threads = 2;           // I/O threads, about one per core
  int handler_threads = 64;  // handlers wait on the database: one per request in flight
  bool demo = false;
  std::uint64_t seed = 2026;
  std::string province = "37";
  int presale_days = 15;
  std::string log_level = "info";
  std::string access_log = "changes";
  std::string clock;              // ISO 8601 start of a shifted clock; empty = the real time
  std::string after_sale_policy;  // a TOML file; empty = AfterSalePolicy::Default() everywhere
};

void PrintBanner(const http::NodeInfo& info, const std::string& base) {
  std::printf("keyun: node ready (%s %s, schema version %d)\n", info.engine.c_str(),
              info.store_location.c_str(), info.schema_version);
  std::printf("keyun: key file %s (back it up apart from the database; docs/keys.md)\n",
              info.key_file.c_str());
  std::printf("keyun: listening on %s\n", base.c_str());
  std::printf("  management page   %s/manage\n", base.c_str());
  std::printf("  API               %s/api/v1/stations\n", base.c_str());
  std::printf("  health            %s/healthz\n", base.c_str());
  if (info.demo) {
    const network::DemoSummary& demo = *info.demo;
    std::printf("  demo province: %d stations, %d carriers, %d routes, %d schedules%s\n",
                demo.stations, demo.carriers, demo.routes, demo.schedules,
                demo.already_seeded ? " (already seeded)" : "");
    std::printf("  demo logins (demo only; password for all: %s):\n",
                std::string(network::kDemoPassword).c_str());
    for (const network::DemoLogin& login : demo.logins) {
      std::printf("    %-10s %s%s%s\n", login.username.c_str(),
                  std::string(network::RoleName(login.role)).c_str(), login.station ? " @ " : "",
                  login.station ? login.station->str().c_str() : "");
    }
  }
  std::fflush(stdout);
}

// A node logs a line per request. Formatting and writing it on the request's thread would cost
// every sale a write(2) under the sink's lock, so lines go through a queue to one logging
// thread (blocking, never dropping, when the queue is full). Warnings flush at once.
void UseAsyncLogging(const std::string& level) {
  spdlog::init_thread_pool(1 << 16, 1);
  auto sink = std::make_shared<spdlog::sinks::stdout_color_sink_mt>();
  auto logger = std::make_shared<spdlog::async_logger>("keyun", std::move(sink),
                                                       spdlog::thread_pool(),
                                                       spdlog::async_overflow_policy::block);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  spdlog::set_level(spdlog::level::from_str(level));
}

int Serve(const ServeFlags& flags) {
  // Block the stop signals before any thread starts (the logging thread included: threads
  // inherit the mask, and one that did not block them would take the default action, death);
  // one thread waits for them and stops the node.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  UseAsyncLogging(flags.log_level);

  http::NodeOptions options;
  std::unique_ptr<core::ShiftedClock> shifted;
  if (!flags.clock.empty()) {
    auto start = core::Instant::ParseIso8601(flags.clock);
    if (!start) return Fail(WithField(start.error(), "clock"));
    shifted = std::make_unique<core::ShiftedClock>(*start);
    options.clock = shifted.get();
    spdlog::warn("the node's clock starts at {}, not the real time (--clock)", start->ToIso8601());
  }
  if (!flags.after_sale_policy.empty()) {
    Result<core::AfterSalePolicyBook> book = LoadAfterSalePolicy(flags.after_sale_policy);
    if (!book) return Fail(book.error());
    spdlog::info("after-sale policy loaded from {}: province default and {} override(s)",
                 flags.after_sale_policy, book->override_count());
    options.sales_policy.after_sale = std::move(*book);
  } else {
    spdlog::info("after-sale policy: the defaults of DESIGN.md §3 (no --after-sale-policy)");
  }
  options.db = flags.db;
  options.key_file = flags.key_file;
  Result<http::AccessLog> access_log = http::ParseAccessLog(flags.access_log);
  if (!access_log) return Fail(access_log.error());
  options.server = {
      .host = flags.host, .port = static_cast<std::uint16_t>(flags.port), .threads = flags.threads,
      .handler_threads = flags.handler_threads, .access_log = *access_log};
  options.demo = flags.demo;
  options.demo_options.seed = flags.seed;
  options.demo_options.province_code = flags.province;
  options.province = flags.province;
  options.presale_days = flags.presale_days;
  if (flags.demo) options.password_cost = core::PasswordCost::kFastForTests;
  Result<std::unique_ptr<http::Node>> node = http::Node::Open(options, PrintProgress);
  if (!node) return Fail(node.error());
  Result<std::uint16_t> port = (*node)->Start();
  if (!port) return Fail(port.error());
  PrintBanner((*node)->info(), "http://" + flags.host + ":" + std::to_string(*port));

  std::thread waiter([&] {
    int signal = 0;
    sigwait(&stop_signals, &signal);
    spdlog::info("{} received: the node stops accepting, finishes the requests in flight "
                 "and exits",
                 signal == SIGTERM ? "SIGTERM" : "SIGINT");
    (*node)->Stop();
  });
  (*node)->Wait();
  waiter.join();
  node->reset();       // stops the node's threads, which may still log
  spdlog::info("the node stopped cleanly");
  spdlog::shutdown();  // drains the log queue
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& app, RunFn& run) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "Run a provincial node: the JSON API under /api/v1, the pages, /healthz");
  cmd->add_option("--db", flags->db, std::string(kDbHelp))->capture_default_str();
  AddKeyFileOption(*cmd, flags->key_file);
  cmd->add_option("--host", flags->host, "address to listen on")->capture_default_str();
  cmd->add_option("--port", flags->port, "TCP port; 0 picks a free one and prints it")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_option("--threads", flags->threads, "HTTP I/O threads (about one per core)")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("--handler-threads", flags->handler_threads,
                  "threads running requests; each is one request waiting on the database, so "
                  "this bounds how many sales share a group commit")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  cmd->add_flag("--demo", flags->demo,
                "seed the demo province into an empty database (idempotent) and print the "
                "demo logins");
  cmd->add_option("--seed", flags->seed, "demo: random seed")->capture_default_str();
  cmd->add_option("--province", flags->province, "demo: GB/T 2260 province code")
      ->capture_default_str();
  cmd->add_option("--presale-days", flags->presale_days,
                  "days of runs kept generated ahead of today")
      ->check(CLI::Range(0, 60))
      ->capture_default_str();
  cmd->add_option("--clock", flags->clock,
                  "start the node's clock at this time and let it run on, e.g. "
                  "2026-11-24T07:10:00+08:00 (training, demonstrations and tests; sales, "
                  "holds and check-in windows follow it)");
  cmd->add_option("--after-sale-policy", flags->after_sale_policy,
                  "TOML file with the province's refund and change fees and their station, "
                  "carrier and channel overrides (docs/after-sale.md, example in "
                  "docs/after-sale-policy.example.toml); default: the DESIGN.md §3 fees")
      ->type_name("FILE");
  cmd->add_option("--access-log", flags->access_log,
                  "which requests get a log line: all; changes (everything but quick, "
                  "successful reads: writes, errors, answers slower than 100 ms); off")
      ->check(CLI::IsMember({"all", "changes", "off"}))
      ->capture_default_str();
  cmd->add_option("--log-level", flags->log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();
  cmd->callback([flags, &run] { run = [flags] { return Serve(*flags); }; });
}

}  // namespace keyun::cli
