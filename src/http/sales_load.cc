#include "http/sales_load.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "core/id_document.h"
#include "core/ids.h"
#include "core/time.h"
#include "http/http_client.h"
#include "http/internal/latency.h"
#include "http/internal/load_client.h"

namespace keyun::http {
namespace {

using internal::Bearer;
using internal::Expect;
using internal::Headers;
using nlohmann::json;

constexpr std::array<std::string_view, 3> kModeKeys = {"holds", "window", "mobile"};

struct Trip {
  std::string run_id;
  std::vector<std::string> stops;  // station codes in order
};

struct SoldTicket {
  std::string ticket_number;  // empty for a hold
  std::string run_id;
  int seat = 0, from = 0, to = 0;  // stop indexes of the trip
};

// One acknowledged sale, as the node answered it.
struct Sale {
  std::string order_id, access_token;
  std::vector<SoldTicket> tickets;
};

enum class Outcome { kSold, kSoldOut, kError };

// The runs of `days` days from `first` on every route (or, with `origin`, on the routes that
// leave it), on sale on `channel`.
Result<std::vector<Trip>> FindTrips(HttpClient& client, core::LocalDate first, int days,
                                    std::string_view channel, const std::string& origin,
                                    const std::function<void(int, int, std::string_view)>& say) {
  auto routes = Expect(client.Send("GET", "/api/v1/routes"), 200, "GET /api/v1/routes");
  if (!routes) return Propagate(routes);
  std::vector<Trip> trips;
  const json& items = routes->at("items");
  int done = 0;
  for (const json& route : items) {
    std::vector<std::string> stops;
    for (const json& stop : route.at("stops")) stops.push_back(stop.at("station_code"));
    if (stops.size() < 2 || (!origin.empty() && stops.front() != origin)) continue;
    for (int day = 0; day < std::max(1, days); ++day) {
      auto runs = client.Send("GET", "/api/v1/runs?from=" + stops.front() + "&to=" +
                                         stops.back() + "&date=" +
                                         first.AddDays(day).ToString() + "&channel=" +
                                         std::string(channel));
      if (!runs) return Propagate(runs);
      if (runs->status != 200) continue;  // e.g. a day not on sale yet
      json found = json::parse(runs->body);
      for (const json& run : found.at("items")) {
        if (run.at("route_code") == route.at("code")) trips.push_back({run.at("run_id"), stops});
      }
    }
    if (++done % 20 == 0) say(done, static_cast<int>(items.size()), "finding runs");
  }
  return trips;
}

// The tickets of an order answer, with the stop indexes of the trip sold.
std::vector<SoldTicket> TicketsOf(const json& order, int from, int to) {
  std::vector<SoldTicket> out;
  for (const json& t : order.at("tickets")) {
    out.push_back({t.at("ticket_number").is_string() ? t.at("ticket_number").get<std::string>()
                                                     : std::string(),
                   order.at("run_id"), t.at("seat").is_number() ? t.at("seat").get<int>() : 0,
                   from, to});
  }
  return out;
}

// One sale in `mode` on `connection`; `sale` is filled when the node acknowledged it.
Outcome SellOnce(HttpClient& connection, SaleMode mode, const Headers& staff, const Trip& trip,
                 int from, int to, std::int64_t serial, Sale& sale) {
  json body = {{"run_id", trip.run_id},
               {"from", trip.stops[from]},
               {"to", trip.stops[to]},
               {"channel", mode == SaleMode::kWindow ? "window" : "mobile"},
               {"passengers",
                {{{"name", "压测乘客"},
                  {"id_type", "resident_id"},
                  {"id_number", core::SyntheticResidentId(serial)},
                  {"fare_type", "adult"}}}}};
  // A window sells and takes cash in one request, as a counter does.
  if (mode == SaleMode::kWindow) body["pay"] = "cash";
  const std::string key = "bench-" + std::to_string(serial);
  Headers headers = mode == SaleMode::kWindow ? staff : Headers{};
  headers.emplace_back("Idempotency-Key", key);
  auto held = connection.Send("POST", "/api/v1/orders", body.dump(), headers);
  if (!held) return Outcome::kError;
  if (held->status == 409) return Outcome::kSoldOut;
  if (held->status != 201) return Outcome::kError;
  json order = json::parse(held->body, nullptr, false);
  if (order.is_discarded() || !order.contains("access_token")) return Outcome::kError;
  sale.order_id = order.at("order_id");
  sale.access_token = order.at("access_token");
  const std::string path = "/api/v1/orders/" + sale.order_id;
  Headers holder = {{"X-Access-Token", sale.access_token}};
  if (mode == SaleMode::kMobile) {
    Headers pay = holder;
    pay.emplace_back("Idempotency-Key", "pay-" + key);
    auto started = connection.Send("POST", path + "/pay", R"({"method": "sandbox"})", pay);
    if (!started || started->status != 202) return Outcome::kError;
    json payment = json::parse(started->body, nullptr, false);
    if (payment.is_discarded() || !payment.contains("payment")) return Outcome::kError;
    const std::string payment_id = payment.at("payment").at("payment_id");
    auto approved =
        connection.Send("POST", "/api/v1/sandbox/wallet/" + payment_id + "/approve", "{}");
    if (!approved || approved->status != 202) return Outcome::kError;
    // The provider notifies the node on its own; the phone polls, as the page does.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
      auto now = connection.Send("GET", path, "", holder);
      if (!now || now->status != 200) return Outcome::kError;
      order = json::parse(now->body, nullptr, false);
      if (order.is_discarded()) return Outcome::kError;
      if (order.at("status") == "issued") break;
      if (std::chrono::steady_clock::now() > deadline) return Outcome::kError;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  if (order.is_discarded()) return Outcome::kError;
  if (mode != SaleMode::kHolds && order.at("status") != "issued") return Outcome::kError;
  sale.tickets = TicketsOf(order, from, to);
  return Outcome::kSold;
}

// Reads every sale back and counts those answered otherwise than when they were made.
void Verify(const SalesLoadOptions& options, const std::vector<Sale>& sales,
            SalesLoadReport& report,
            const std::function<void(int, int, std::string_view)>& say) {
  const std::string expected = options.mode == SaleMode::kHolds ? "held" : "issued";
  std::atomic<std::size_t> next{0};
  std::atomic<std::int64_t> verified{0}, mismatched{0}, done{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < std::min(options.clients, 16); ++r) {
    readers.emplace_back([&] {
      HttpClient connection(options.host, options.port);
      for (std::size_t i = next++; i < sales.size(); i = next++) {
        const Sale& sale = sales[i];
        auto answer = connection.Send("GET", "/api/v1/orders/" + sale.order_id, "",
                                      {{"X-Access-Token", sale.access_token}});
        bool same = false;
        if (answer && answer->status == 200) {
          json order = json::parse(answer->body, nullptr, false);
          if (!order.is_discarded() && order.at("status") == expected) {
            std::vector<SoldTicket> now =
                TicketsOf(order, sale.tickets.front().from, sale.tickets.front().to);
            same = now.size() == sale.tickets.size();
            for (std::size_t k = 0; same && k < now.size(); ++k) {
              same = now[k].seat == sale.tickets[k].seat &&
                     now[k].ticket_number == sale.tickets[k].ticket_number;
            }
          }
        }
        ++(same ? verified : mismatched);
        if (++done % 1000 == 0) {
          say(static_cast<int>(done), static_cast<int>(sales.size()), "verifying");
        }
      }
    });
  }
  for (auto& t : readers) t.join();
  report.verified = verified;
  report.mismatched = mismatched;

  // No seat of a run sold twice on a segment: per (run, seat), the trips must not overlap.
  std::map<std::pair<std::string, int>, std::vector<std::pair<int, int>>> by_seat;
  for (const Sale& sale : sales) {
    for (const SoldTicket& t : sale.tickets) {
      if (t.seat > 0) by_seat[{t.run_id, t.seat}].emplace_back(t.from, t.to);
    }
  }
  for (auto& [seat, trips] : by_seat) {
    std::sort(trips.begin(), trips.end());
    for (std::size_t k = 1; k < trips.size(); ++k) {
      if (trips[k].first < trips[k - 1].second) ++report.double_sold;
    }
  }
}

}  // namespace

std::string_view SaleModeKey(SaleMode mode) { return kModeKeys[static_cast<int>(mode)]; }

Result<SaleMode> ParseSaleMode(std::string_view key) {
  for (std::size_t i = 0; i < kModeKeys.size(); ++i) {
    if (kModeKeys[i] == key) return static_cast<SaleMode>(i);
  }
  return InvalidArgument("unknown sale mode '" + std::string(key) +
                             "'; use holds, window or mobile",
                         "mode");
}

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
  HttpClient setup(options.host, options.port);
  Headers staff;
  std::string origin;
  if (options.mode == SaleMode::kWindow) {
    auto token = internal::Login(setup, options.clerk, options.password);
    if (!token) return Propagate(token);
    staff = Bearer(*token);
    auto session = Expect(setup.Send("GET", "/api/v1/session", "", staff), 200,
                          "GET /api/v1/session");
    if (!session) return Propagate(session);
    const bool province_wide = session->value("role", "") == "province_admin";
    if (session->contains("station") && session->at("station").is_string()) {
      origin = session->at("station");  // a window sells the runs leaving its station
    } else if (!province_wide) {
      return FailedPrecondition(options.clerk +
                                " has no station; window sales need a clerk's, or a province "
                                "administrator's to sell at every station's windows");
    }
  }
  auto trips = FindTrips(setup, first, options.days,
                         options.mode == SaleMode::kWindow ? "window" : "mobile", origin, say);
  if (!trips) return Propagate(trips);
  if (trips->empty()) {
    return FailedPrecondition("the node has no runs on sale from " + first.ToString() +
                              (origin.empty() ? "" : " leaving " + origin));
  }

  std::atomic<std::int64_t> serial{static_cast<std::int64_t>(std::random_device{}() % 1000) *
                                   100000};
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<std::int64_t> latencies;  // guarded by mu
  std::vector<Sale> sales;              // guarded by mu
  SalesLoadReport report;
  report.runs = static_cast<int>(trips->size());
  std::atomic<std::int64_t> tickets{0}, sold_out{0}, errors{0};
  auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> clients;
  for (int c = 0; c < options.clients; ++c) {
    clients.emplace_back([&, c] {
      HttpClient connection(options.host, options.port);
      std::mt19937_64 rng(c * 7919 + 1);
      std::vector<std::int64_t> mine;
      std::vector<Sale> sold;
      while (!stop.load(std::memory_order_relaxed)) {
        const Trip& trip = (*trips)[rng() % trips->size()];
        int n = static_cast<int>(trip.stops.size());
        // A window sells from its own station, the first stop; a phone any segment.
        int from = options.mode == SaleMode::kWindow ? 0 : static_cast<int>(rng() % (n - 1));
        int to = from + 1 + static_cast<int>(rng() % (n - 1 - from));
        Sale sale;
        auto t0 = std::chrono::steady_clock::now();
        Outcome outcome =
            SellOnce(connection, options.mode, staff, trip, from, to, serial++, sale);
        auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - t0)
                          .count();
        if (outcome == Outcome::kSold) {
          ++tickets;
          mine.push_back(micros);
          sold.push_back(std::move(sale));
        } else if (outcome == Outcome::kSoldOut) {
          ++sold_out;
        } else {
          ++errors;
        }
      }
      std::lock_guard lock(mu);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
      sales.insert(sales.end(), std::make_move_iterator(sold.begin()),
                   std::make_move_iterator(sold.end()));
    });
  }
  int total = static_cast<int>(options.duration.count());
  for (int s = 1; s <= total; ++s) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    say(s, total, std::to_string(tickets.load()) + " sales so far");
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
  Verify(options, sales, report, say);
  return report;
}

}  // namespace keyun::http
