// keyun bench sales | checkins: durable sales and check-ins through a running node's HTTP API.
#include <cstdio>
#include <cstdlib>

#include "cli/commands.h"
#include "http/checkin_load.h"
#include "http/sales_load.h"

namespace keyun::cli {

void AddBenchCommand(CLI::App& app, RunFn& run) {
  auto options = std::make_shared<http::SalesLoadOptions>();
  auto port = std::make_shared<int>(8080);
  auto seconds = std::make_shared<int>(10);
  auto mode = std::make_shared<std::string>("holds");
  CLI::App* bench = app.add_subcommand("bench", "Measure a running node");
  bench->require_subcommand(1);
  CLI::App* sales = bench->add_subcommand(
      "sales",
      "Concurrent clients sell tickets through the node's API, by --mode: holds (POST "
      "/api/v1/orders, a durable hold), window (a clerk sells and takes cash in one request: an "
      "issued ticket) or mobile (hold, sandbox payment, the wallet's approval, the provider's "
      "notification, issued); prints sales/s and latency percentiles of whole sales, then "
      "reads every sale back and checks that none is missing or sold twice. The clerk's "
      "password from KEYUN_BENCH_PASSWORD (default: the demo's)");
  sales->add_option("--host", options->host, "node address")->capture_default_str();
  sales->add_option("--port", *port, "node port")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  sales->add_option("--clients", options->clients, "concurrent clients")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  sales->add_option("--seconds", *seconds, "how long to run")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  sales->add_option("--mode", *mode, "holds, window or mobile")
      ->check(CLI::IsMember({"holds", "window", "mobile"}))
      ->capture_default_str();
  sales->add_option("--clerk", options->clerk,
                    "the window mode's seller: a clerk sells the runs leaving their station; "
                    "admin (a province administrator) sells at every station's windows")
      ->capture_default_str();
  sales->add_option("--date", options->date, "first date of the runs to buy (default tomorrow)");
  sales->add_option("--days", options->days, "days of runs to buy on")
      ->check(CLI::Range(1, 60))
      ->capture_default_str();
  sales->callback([options, port, seconds, mode, &run] {
    run = [options, port, seconds, mode] {
      options->port = static_cast<std::uint16_t>(*port);
      options->duration = std::chrono::seconds(*seconds);
      auto parsed = http::ParseSaleMode(*mode);
      if (!parsed) return Fail(parsed.error());
      options->mode = *parsed;
      if (const char* password = std::getenv("KEYUN_BENCH_PASSWORD")) {
        options->password = password;
      }
      auto report = http::RunSalesLoad(*options, PrintProgress);
      if (!report) return Fail(report.error());
      std::printf(
          "bench sales (%s): %d clients, %.1f s, %d runs: %lld sales (%.0f tickets/s), %lld sold "
          "out, %lld errors; latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms; "
          "read back: %lld as answered, %lld not, %lld seat segments sold twice\n",
          mode->c_str(), options->clients, report->seconds, report->runs,
          static_cast<long long>(report->tickets), report->tickets_per_second,
          static_cast<long long>(report->sold_out), static_cast<long long>(report->errors),
          report->p50.count() / 1000.0, report->p90.count() / 1000.0,
          report->p99.count() / 1000.0, report->max.count() / 1000.0,
          static_cast<long long>(report->verified), static_cast<long long>(report->mismatched),
          static_cast<long long>(report->double_sold));
      return report->errors == 0 && report->mismatched == 0 && report->double_sold == 0 ? 0 : 1;
    };
  });

  auto checkin_options = std::make_shared<http::CheckinLoadOptions>();
  auto checkin_port = std::make_shared<int>(8080);
  CLI::App* checkins = bench->add_subcommand(
      "checkins",
      "Concurrent gates check passengers in through the node's API (POST /api/v1/checkins with "
      "QR vouchers); sells the tickets first, opens the station's check-in window for the run "
      "and restores it; prints checks/s and latency percentiles. Staff password from "
      "KEYUN_BENCH_PASSWORD (default: the demo's)");
  checkins->add_option("--host", checkin_options->host, "node address")->capture_default_str();
  checkins->add_option("--port", *checkin_port, "node port")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  checkins->add_option("--gates", checkin_options->gates, "concurrent gates")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  checkins->add_option("--tickets", checkin_options->tickets, "tickets to sell and check in")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  checkins->add_option("--clerk", checkin_options->clerk, "window clerk who sells them")
      ->capture_default_str();
  checkins->add_option("--manager", checkin_options->manager,
                       "station manager who opens the check-in window")
      ->capture_default_str();
  checkins->add_option("--gate-user", checkin_options->gate, "gate staff account")
      ->capture_default_str();
  checkins->callback([checkin_options, checkin_port, &run] {
    run = [checkin_options, checkin_port] {
      checkin_options->port = static_cast<std::uint16_t>(*checkin_port);
      if (const char* password = std::getenv("KEYUN_BENCH_PASSWORD")) {
        checkin_options->password = password;
      }
      auto report = http::RunCheckinLoad(*checkin_options, PrintProgress);
      if (!report) return Fail(report.error());
      std::printf(
          "bench checkins: station %s, %d gates, %d runs, set-up %.1f s; %lld check-ins in "
          "%.2f s (%.0f checks/s), %lld refused, %lld errors; latency p50 %.2f ms, p90 %.2f ms, "
          "p99 %.2f ms, max %.2f ms\n",
          report->station.c_str(), checkin_options->gates, report->runs, report->setup_seconds,
          static_cast<long long>(report->checkins), report->seconds, report->checkins_per_second,
          static_cast<long long>(report->refused), static_cast<long long>(report->errors),
          report->p50.count() / 1000.0, report->p90.count() / 1000.0,
          report->p99.count() / 1000.0, report->max.count() / 1000.0);
      return report->errors == 0 && report->refused == 0 ? 0 : 1;
    };
  });
}

}  // namespace keyun::cli
