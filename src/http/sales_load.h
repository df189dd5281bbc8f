// A load generator for `keyun bench sales`: many concurrent clients buying tickets from a
// running node over HTTP/1.1 keep-alive connections, as real ticket windows and phones do.
//
//   SalesLoadOptions options{.host = "127.0.0.1", .port = 8080, .clients = 64,
//                            .duration = std::chrono::seconds(10)};
//   Result<SalesLoadReport> report = RunSalesLoad(options, PrintProgress);
//   // report->tickets_per_second, report->p50, report->p99 …
//
// It finds the runs of the coming days through the public API (/api/v1/routes and /api/v1/runs), then
// each client posts mobile orders (one passenger, a unique valid ID, a random trip on a
// random run) with an Idempotency-Key, until the duration is over. A 201 is a ticket held
// durably; a 409 (sold out) is counted apart; anything else is an error.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace keyun::http {

struct SalesLoadOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  int clients = 64;
  std::chrono::seconds duration{10};
  std::string date;  // first day of the runs to buy, YYYY-MM-DD; empty = tomorrow (Shanghai)
  int days = 7;      // buy on the runs of this many days from `date`, so runs do not sell out
};

struct SalesLoadReport {
  std::int64_t tickets = 0;   // 201 Created
  std::int64_t sold_out = 0;  // 409
  std::int64_t errors = 0;    // anything else, or a broken connection
  double seconds = 0;
  double tickets_per_second = 0;
  std::chrono::microseconds p50{0}, p90{0}, p99{0}, max{0};  // of successful requests
  int runs = 0;  // runs the clients bought on
};

// Errors: kUnavailable if the node cannot be reached; kFailedPrecondition if it has no runs
// on sale for the date.
[[nodiscard]] Result<SalesLoadReport> RunSalesLoad(
    const SalesLoadOptions& options,
    const std::function<void(int done, int total, std::string_view step)>& progress = {});

}  // namespace keyun::http
