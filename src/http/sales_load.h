// A load generator for `keyun bench sales`: many concurrent clients selling tickets through a
// running node over HTTP/1.1 keep-alive connections, as real ticket windows and phones do.
//
//   SalesLoadOptions options{.port = 8080, .clients = 64, .mode = SaleMode::kWindow};
//   Result<SalesLoadReport> report = RunSalesLoad(options, PrintProgress);
//   // report->tickets_per_second, report->p99, report->verified …
//
// It finds the runs of the coming days through the public API (/api/v1/routes, /api/v1/runs),
// then each client sells one ticket after another (one passenger, a unique valid ID, a random
// trip on a random run) until the duration is over. What one sale is depends on the mode:
//   holds   POST /orders: a seat held durably (not yet a ticket);
//   window  a clerk's POST /orders with "pay": "cash": an issued, signed ticket in one request
//           and one transaction, on the runs leaving the clerk's station (a province
//           administrator's session sells at every station's windows, as many clerks would);
//   mobile  POST /orders, POST /orders/{id}/pay sandbox, the passenger's approval in the
//           sandbox wallet, the provider's notification, and GET /orders/{id} until issued.
// Latency is that of the whole sale. A 409 (sold out, seat taken) is counted apart; anything
// else is an error. At the end every sale the node acknowledged is read back (GET /orders/{id}
// with the order's access token) and checked: it exists in the state it was answered in, with
// the same ticket numbers and seats, and no seat of a run is sold twice on any segment. A fast
// wrong answer cannot pass.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace keyun::http {

enum class SaleMode { kHolds, kWindow, kMobile };
[[nodiscard]] std::string_view SaleModeKey(SaleMode mode);  // "holds", "window", "mobile"
[[nodiscard]] Result<SaleMode> ParseSaleMode(std::string_view key);

struct SalesLoadOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  int clients = 64;
  std::chrono::seconds duration{10};
  SaleMode mode = SaleMode::kHolds;
  std::string date;  // first day of the runs to sell, YYYY-MM-DD; empty = tomorrow (Shanghai)
  int days = 7;      // sell on the runs of this many days from `date`, so runs do not sell out
  // The window mode's seller: sells the runs leaving their station; a province administrator
  // (role province_admin, no station) sells on every route, as the windows of all stations.
  std::string clerk = "clerk";
  std::string password = "keyun-demo";  // the clerk's
};

struct SalesLoadReport {
  std::int64_t tickets = 0;   // sales the node acknowledged (held or issued, by mode)
  std::int64_t sold_out = 0;  // 409
  std::int64_t errors = 0;    // anything else, or a broken connection
  double seconds = 0;
  double tickets_per_second = 0;
  std::chrono::microseconds p50{0}, p90{0}, p99{0}, max{0};  // of acknowledged sales
  int runs = 0;  // runs the clients sold on
  // The check after the load: sales read back as answered, and those that were not (missing,
  // another state, another seat or number), and seat segments sold twice.
  std::int64_t verified = 0, mismatched = 0, double_sold = 0;
};

// Errors: kUnavailable if the node cannot be reached; kFailedPrecondition if it has no runs
// on sale for the date; kUnauthenticated if the window mode's clerk cannot log in.
[[nodiscard]] Result<SalesLoadReport> RunSalesLoad(
    const SalesLoadOptions& options,
    const std::function<void(int done, int total, std::string_view step)>& progress = {});

}  // namespace keyun::http
