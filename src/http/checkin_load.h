// A load generator for `keyun bench checkins`: many gates checking passengers in through a
// running node's API at once (POST /api/v1/checkins, QR voucher), as a large station's gates
// do when several buses board together.
//
//   CheckinLoadOptions options{.port = 8080, .gates = 64, .tickets = 3000};
//   Result<CheckinLoadReport> report = RunCheckinLoad(options, PrintProgress);
//   // report->checkins_per_second, report->p99 …
//
// Set-up, through the public API with the demo's staff logins (or those given):
//   1. the gate account's station S and the node's time (GET /api/v1/gate-feed);
//   2. a window clerk of S sells `tickets` tickets on the runs leaving S in the next 22 hours
//      (five passengers an order, cash) and fetches each voucher's text;
//   3. S's manager opens the check-in window to 24 h (PUT /stations/S/checkin-window), so that
//      every ticket can check in now, whatever its departure time.
// The measured phase: `gates` clients, each on its own keep-alive connection as its own gate,
// check the vouchers in, each once. A 200 is a durable check-in; a 409 is a refusal (counted
// apart: there should be none); anything else is an error. Afterwards the station's window
// is put back as it was.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace keyun::http {

struct CheckinLoadOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  int gates = 64;       // concurrent gate clients
  int tickets = 3000;   // tickets sold in the set-up, each checked in once
  std::string clerk = "clerk", manager = "manager", gate = "gate";
  std::string password = "keyun-demo";  // of all three accounts
};

struct CheckinLoadReport {
  std::string station;
  int runs = 0;                // runs the tickets were sold on
  std::int64_t checkins = 0;   // 200: admitted and recorded
  std::int64_t refused = 0;    // 409: refused by a gate rule
  std::int64_t errors = 0;     // anything else, or a broken connection
  double seconds = 0;          // of the measured phase
  double checkins_per_second = 0;
  std::chrono::microseconds p50{0}, p90{0}, p99{0}, max{0};  // of admitted check-ins
  double setup_seconds = 0;
};

// Errors: kUnavailable if the node cannot be reached; kUnauthenticated if a login fails;
// kFailedPrecondition if no run leaves the gate's station in the next 22 hours.
[[nodiscard]] Result<CheckinLoadReport> RunCheckinLoad(
    const CheckinLoadOptions& options,
    const std::function<void(int done, int total, std::string_view step)>& progress = {});

}  // namespace keyun::http
