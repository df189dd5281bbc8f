#include "http/sales_load.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>
#include <vector>

#include "core/id_document.h"
#include "core/ids.h"
#include "core/time.h"
#include "http/http_client.h"
#include "http/internal/latency.h"

namespace keyun::http {
namespace {

using nlohmann::json;

struct Trip {
  std::string run_id;
  std::vector<std::string> stops;  // station codes in order
};

}  // namespace

Result<SalesLoadReport> RunSalesLoad(
    const SalesLoadOptions& options,
    const std::function<void(int, int, std::string_view)>& progress) {
  auto say = [&](int done, int total, std::string_view step) {
    if (progress) progress(done, total, step);
  };
  core::LocalDate first = core::SystemClock().Now().ShanghaiDate().AddDays(1);
  if (!options.date.empty()) {
    auto parsed = core::LocalDate::Parse(options.date);
    if (!parsed) return InvalidArgument(parsed.error().message, "date");
    first = *parsed;
  }
  std::string date = first.ToString();
  HttpClient setup(options.host, options.port);
  auto routes = setup.Send("GET", "/api/v1/routes");
  if (!routes) return Propagate(routes);
  if (routes->status != 200)
    return Unavailable("GET /api/v1/routes answered " + std::to_string(routes->status));
  std::vector<Trip> trips;
  json route_list = json::parse(routes->body);
  json route_items = route_list["items"];
  int done = 0;
  for (const json& route : route_items) {
    std::vector<std::string> stops;
    for (const json& stop : route["stops"]) stops.push_back(stop["station_code"]);
    for (int day = 0; day < std::max(1, options.days); ++day) {
      auto runs = setup.Send("GET",
                             "/api/v1/runs?from=" + stops.front() + "&to=" + stops.back() +
                                 "&date=" + first.AddDays(day).ToString() + "&channel=mobile");
      if (!runs) return Propagate(runs);
      if (runs->status == 200) {
        json found = json::parse(runs->body);  // kept alive: the loop walks into it
        for (const json& run : found["items"]) {
          if (run["route_code"] == route["code"]) trips.push_back({run["run_id"], stops});
        }
      }
    }
    if (++done % 20 == 0) say(done, static_cast<int>(route_items.size()), "finding runs");
  }
  if (trips.empty()) return FailedPrecondition("the node has no runs on sale on " + date);

  std::atomic<std::int64_t> serial{static_cast<std::int64_t>(std::random_device{}() % 1000) *
                                   100000};
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<std::int64_t> latencies;  // guarded by mu
  SalesLoadReport report;
  report.runs = static_cast<int>(trips.size());
  std::atomic<std::int64_t> tickets{0}, sold_out{0}, errors{0};
  auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> clients;
  for (int c = 0; c < options.clients; ++c) {
    clients.emplace_back([&, c] {
      HttpClient connection(options.host, options.port);
      std::mt19937_64 rng(c * 7919 + 1);
      std::vector<std::int64_t> mine;
      while (!stop.load(std::memory_order_relaxed)) {
        const Trip& trip = trips[rng() % trips.size()];
        int n = static_cast<int>(trip.stops.size());
        int from = static_cast<int>(rng() % (n - 1));
        int to = from + 1 + static_cast<int>(rng() % (n - 1 - from));
        std::int64_t id = serial++;
        json body = {{"run_id", trip.run_id},
                     {"from", trip.stops[from]},
                     {"to", trip.stops[to]},
                     {"channel", "mobile"},
                     {"passengers",
                      {{{"name", "压测乘客"},
                        {"id_type", "resident_id"},
                        {"id_number", core::SyntheticResidentId(id)},
                        {"fare_type", "adult"}}}}};
        auto t0 = std::chrono::steady_clock::now();
        auto res = connection.Send("POST", "/api/v1/orders", body.dump(),
                                   {{"Idempotency-Key", "bench-" + std::to_string(id)}});
        auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - t0)
                          .count();
        if (res && res->status == 201) {
          ++tickets;
          mine.push_back(micros);
        } else if (res && res->status == 409) {
          ++sold_out;
        } else {
          ++errors;
        }
      }
      std::lock_guard lock(mu);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
    });
  }
  int total = static_cast<int>(options.duration.count());
  for (int s = 1; s <= total; ++s) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    say(s, total, std::to_string(tickets.load()) + " tickets so far");
  }
  stop = true;
  for (auto& t : clients) t.join();
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  report.tickets = tickets;
  report.sold_out = sold_out;
  report.errors = errors;
  report.tickets_per_second = static_cast<double>(report.tickets) / report.seconds;
  internal::LatencySummary summary = internal::Summarize(latencies);
  report.p50 = summary.p50;
  report.p90 = summary.p90;
  report.p99 = summary.p99;
  report.max = summary.max;
  return report;
}

}  // namespace keyun::http
