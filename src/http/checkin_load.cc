#include "http/checkin_load.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>
#include <vector>

#include "core/id_document.h"
#include "core/time.h"
#include "http/http_client.h"
#include "http/internal/load_client.h"
#include "http/internal/latency.h"

namespace keyun::http {
namespace {

using nlohmann::json;
using internal::Bearer;
using internal::Expect;
using internal::Headers;
using internal::Login;

struct RunToFill {
  std::string run_id;
  std::string to;  // the route's last stop
  int seats_left = 0;
};

// The runs leaving `station` (their origin) between now + 6 min (the window cut-off is 5) and
// now + 22 h, with seats.
Result<std::vector<RunToFill>> FindRuns(HttpClient& client, const std::string& station,
                                        core::Instant now) {
  auto routes = Expect(client.Send("GET", "/api/v1/routes"), 200, "GET /api/v1/routes");
  if (!routes) return Propagate(routes);
  std::vector<RunToFill> runs;
  const core::LocalDate today = now.ShanghaiDate();
  for (const json& route : routes->at("items")) {
    const json& stops = route.at("stops");
    if (stops.size() < 2 || stops.front().at("station_code") != station) continue;
    const std::string last = stops.back().at("station_code");
    for (core::LocalDate day : {today, today.AddDays(1)}) {
      auto found = Expect(client.Send("GET", "/api/v1/runs?from=" + station + "&to=" + last +
                                                 "&date=" + day.ToString() + "&channel=window"),
                          200, "GET /api/v1/runs");
      if (!found) return Propagate(found);
      for (const json& run : found->at("items")) {
        if (run.at("route_code") != route.at("code")) continue;
        auto departs = core::Instant::ParseIso8601(run.at("departs_at").get<std::string>());
        if (!departs || *departs < now + std::chrono::minutes(6) ||
            *departs > now + std::chrono::hours(22)) {
          continue;
        }
        int seats = run.at("seats_left").get<int>();
        if (seats > 0) runs.push_back({run.at("run_id"), last, seats});
      }
    }
  }
  return runs;
}

}  // namespace

Result<CheckinLoadReport> RunCheckinLoad(
    const CheckinLoadOptions& options,
    const std::function<void(int, int, std::string_view)>& progress) {
  auto say = [&](int done, int total, std::string_view step) {
    if (progress) progress(done, total, step);
  };
  const auto setup_started = std::chrono::steady_clock::now();
  HttpClient setup(options.host, options.port);
  auto gate_token = Login(setup, options.gate, options.password);
  if (!gate_token) return Propagate(gate_token);
  auto clerk_token = Login(setup, options.clerk, options.password);
  if (!clerk_token) return Propagate(clerk_token);
  auto manager_token = Login(setup, options.manager, options.password);
  if (!manager_token) return Propagate(manager_token);

  auto session = Expect(setup.Send("GET", "/api/v1/session", "", Bearer(*gate_token)), 200,
                        "GET /api/v1/session");
  if (!session) return Propagate(session);
  if (!session->contains("station") || !session->at("station").is_string()) {
    return FailedPrecondition("the gate account " + options.gate + " has no station");
  }
  CheckinLoadReport report;
  report.station = session->at("station");
  auto feed = Expect(setup.Send("GET", "/api/v1/gate-feed?hours=1", "", Bearer(*gate_token)), 200,
                     "GET /api/v1/gate-feed");
  if (!feed) return Propagate(feed);
  auto now = core::Instant::ParseIso8601(feed->at("generated_at").get<std::string>());
  if (!now) return Internal("the gate feed's generated_at is not a time: " + now.error().message);
  const std::string window_path = "/api/v1/stations/" + report.station + "/checkin-window";
  auto window = Expect(setup.Send("GET", window_path, "", Bearer(*gate_token)), 200,
                       "GET " + window_path);
  if (!window) return Propagate(window);

  auto runs = FindRuns(setup, report.station, *now);
  if (!runs) return Propagate(runs);
  if (runs->empty()) {
    return FailedPrecondition("no run with seats leaves station " + report.station +
                              " in the next 22 hours (node time " + now->ToIso8601() + ")");
  }

  // Sell, five passengers an order, from a few window connections at once.
  std::mutex mu;
  std::vector<std::string> vouchers;  // guarded by mu
  std::size_t next_run = 0;           // guarded by mu
  int claimed = 0;                    // guarded by mu: tickets in orders sent or done
  std::atomic<std::int64_t> serial{static_cast<std::int64_t>(std::random_device{}() % 1000) *
                                   100000};
  std::atomic<bool> failed{false};
  Error first_error;
  std::vector<std::thread> sellers;
  for (int s = 0; s < 8; ++s) {
    sellers.emplace_back([&] {
      HttpClient window_client(options.host, options.port);
      auto fail = [&](const Error& e) {
        std::lock_guard lock(mu);
        if (!failed.exchange(true)) first_error = e;
      };
      while (!failed) {
        RunToFill run;
        int passengers = 0;
        {
          std::lock_guard lock(mu);
          int wanted = options.tickets - claimed;
          while (next_run < runs->size() && (*runs)[next_run].seats_left <= 0) ++next_run;
          if (wanted <= 0 || next_run >= runs->size()) return;
          RunToFill& r = (*runs)[next_run];
          passengers = std::min({5, r.seats_left, wanted});
          r.seats_left -= passengers;
          claimed += passengers;
          run = r;
        }
        json list = json::array();
        for (int p = 0; p < passengers; ++p) {
          list.push_back({{"name", "压测乘客"},
                          {"id_type", "resident_id"},
                          {"id_number", core::SyntheticResidentId(serial++)},
                          {"fare_type", "adult"}});
        }
        json order_body = {{"run_id", run.run_id}, {"from", report.station}, {"to", run.to},
                           {"channel", "window"},  {"passengers", list}};
        Headers headers = Bearer(*clerk_token);
        headers.emplace_back("Idempotency-Key", "bench-checkins-" + std::to_string(serial++));
        auto order = window_client.Send("POST", "/api/v1/orders", order_body.dump(), headers);
        if (order && order->status == 409) {  // sold out meanwhile: the next run
          std::lock_guard lock(mu);
          claimed -= passengers;
          for (auto& r : *runs) {
            if (r.run_id == run.run_id) r.seats_left = 0;
          }
          continue;
        }
        auto held = Expect(order, 201, "POST /api/v1/orders");
        if (!held) return fail(held.error());
        auto paid = Expect(window_client.Send("POST",
                                              "/api/v1/orders/" +
                                                  held->at("order_id").get<std::string>() + "/pay",
                                              json{{"method", "cash"}}.dump(),
                                              Bearer(*clerk_token)),
                           200, "POST /api/v1/orders/{id}/pay");
        if (!paid) return fail(paid.error());
        std::vector<std::string> texts;
        for (const json& ticket : paid->at("tickets")) {
          auto text = window_client.Send(
              "GET", "/api/v1/tickets/" + ticket.at("ticket_number").get<std::string>() +
                         "/voucher",
              "", Bearer(*clerk_token));  // the clerk who sold it reads it, as at a window
          if (!text || text->status != 200) {
            return fail(text ? Error{ErrorCode::kUnavailable, "GET voucher answered " +
                                                                   std::to_string(text->status),
                                     ""}
                             : text.error());
          }
          texts.push_back(text->body);
        }
        std::lock_guard lock(mu);
        vouchers.insert(vouchers.end(), texts.begin(), texts.end());
        if (vouchers.size() / 500 != (vouchers.size() - texts.size()) / 500) {
          say(static_cast<int>(vouchers.size()), options.tickets, "tickets sold");
        }
      }
    });
  }
  for (auto& t : sellers) t.join();
  if (failed) return tl::unexpected(first_error);
  report.runs = static_cast<int>(std::min(next_run + 1, runs->size()));

  // Open the window to 24 h for the measured phase; put it back afterwards, whatever happens.
  auto put_window = [&](int opens, int closes) {
    return Expect(setup.Send("PUT", window_path,
                             json{{"opens_before_minutes", opens},
                                  {"closes_before_minutes", closes}}
                                 .dump(),
                             Bearer(*manager_token)),
                  200, "PUT " + window_path);
  };
  if (auto opened = put_window(1440, 0); !opened) return Propagate(opened);
  report.setup_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - setup_started).count();

  std::atomic<std::size_t> next{0};
  std::atomic<std::int64_t> checkins{0}, refused{0}, errors{0};
  std::vector<std::int64_t> latencies;  // guarded by mu
  const auto started = std::chrono::steady_clock::now();
  auto last_end = started;  // guarded by mu: when the last gate finished
  std::vector<std::thread> gates;
  for (int g = 0; g < options.gates; ++g) {
    gates.emplace_back([&, g] {
      HttpClient gate_client(options.host, options.port);
      const std::string gate_id = "B" + std::to_string(g + 1);
      std::vector<std::int64_t> mine;
      for (std::size_t i = next++; i < vouchers.size(); i = next++) {
        json scan = {{"gate", gate_id}, {"method", "qr_code"}, {"voucher", vouchers[i]}};
        auto t0 = std::chrono::steady_clock::now();
        auto res = gate_client.Send("POST", "/api/v1/checkins", scan.dump(), Bearer(*gate_token));
        auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - t0)
                          .count();
        if (res && res->status == 200) {
          ++checkins;
          mine.push_back(micros);
        } else if (res && res->status == 409) {
          ++refused;
        } else {
          ++errors;
        }
      }
      const auto ended = std::chrono::steady_clock::now();
      std::lock_guard lock(mu);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
      last_end = std::max(last_end, ended);
    });
  }
  const int total = static_cast<int>(vouchers.size());
  while (next.load() < vouchers.size()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    say(static_cast<int>(std::min<std::size_t>(next.load(), vouchers.size())), total,
        "vouchers checked in");
  }
  for (auto& t : gates) t.join();
  report.seconds = std::chrono::duration<double>(last_end - started).count();
  auto restored = put_window(window->at("opens_before_minutes").get<int>(),
                             window->at("closes_before_minutes").get<int>());
  report.checkins = checkins;
  report.refused = refused;
  report.errors = errors;
  report.checkins_per_second = static_cast<double>(report.checkins) / report.seconds;
  internal::LatencySummary summary = internal::Summarize(latencies);
  report.p50 = summary.p50;
  report.p90 = summary.p90;
  report.p99 = summary.p99;
  report.max = summary.max;
  if (!restored) return Propagate(restored);
  return report;
}

}  // namespace keyun::http
