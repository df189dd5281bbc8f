// Durable sales without HTTP: SalesService::CreateOrder from many threads on a SQLite file of
// the demo province, each order committed (group commit, WAL synced) before it returns. Beside
// `keyun bench sales` (the same through the HTTP API) it tells the store and sales path's cost
// from the server's. Run: sales_service_bench --benchmark_min_time=3
#include <benchmark/benchmark.h>

#include <atomic>
#include <filesystem>
#include <random>

#include "core/id_document.h"
#include "core/ids.h"
#include "network/demo_province.h"
#include "sales/sales_service.h"

namespace keyun {
namespace {

struct World {
  World() {
    dir = std::filesystem::temp_directory_path() / ("keyun-sales-bench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    store = *store::Store::Open((dir / "keyun.db").string());
    network = std::make_unique<network::NetworkService>(
        *store, clock, network::NetworkService::Options{.password_cost = core::PasswordCost::kFastForTests});
    (void)*network::SeedDemoProvince(*network, {.days = 7});
    sales = std::make_unique<sales::SalesService>(*store, *network, clock, sales::SalesPolicy{},
                                                 *sales::LoadOrCreatePersonalDataKeys(*store, *key_file));
    core::LocalDate first = clock.Now().ShanghaiDate().AddDays(1);
    for (int day = 0; day < 6; ++day) {
      auto runs = network->ListRuns(first.AddDays(day));  // kept alive for the loop
      for (const auto& summary : *runs) {
        auto route = network->GetRoute(summary.run.route_code);
        std::vector<std::string> stops;
        for (const auto& stop : route->stops) stops.push_back(stop.station.str());
        trips.push_back({summary.run.id.str(), std::move(stops)});
      }
    }
  }
  ~World() {
    sales.reset();
    network.reset();
    store.reset();
    std::filesystem::remove_all(dir);
  }
  std::filesystem::path dir;
  core::SystemClock clock;
  std::unique_ptr<store::KeyFile> key_file = store::KeyFile::InMemory();
  std::unique_ptr<store::Store> store;
  std::unique_ptr<network::NetworkService> network;
  std::unique_ptr<sales::SalesService> sales;
  std::vector<std::pair<std::string, std::vector<std::string>>> trips;
  std::atomic<std::int64_t> serial{0};
};

World* world = nullptr;

void BM_DurableCreateOrder(benchmark::State& state) {
  if (state.thread_index() == 0 && world == nullptr) world = new World();
  std::mt19937_64 rng(static_cast<std::uint64_t>(state.thread_index()) * 7919 + 1);
  std::int64_t sold = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const auto& [run_id, stops] = world->trips[rng() % world->trips.size()];
    int n = static_cast<int>(stops.size());
    int from = static_cast<int>(rng() % (n - 1));
    int to = from + 1 + static_cast<int>(rng() % (n - 1 - from));
    std::int64_t id = world->serial++;
    sales::OrderRequest request{.run_id = run_id,
                                .from = stops[from],
                                .to = stops[to],
                                .channel = sales::Channel::kMobile,
                                .passengers = {{.name = "压测乘客", .id_type = "resident_id",
                                                .id_number = core::SyntheticResidentId(id),
                                                .fare_type = sales::FareType::kAdult,
                                                .seat = std::nullopt}},
                                .idempotency_key = "bench-" + std::to_string(id),
                                .seller = {}};
    state.ResumeTiming();
    if (world->sales->CreateOrder(request)) ++sold;
  }
  state.counters["tickets/s"] = benchmark::Counter(static_cast<double>(sold), benchmark::Counter::kIsRate);
}
// Wall time, since threads mostly wait for their group's sync.
BENCHMARK(BM_DurableCreateOrder)->Threads(1)->Threads(16)->Threads(64)->UseRealTime();

}  // namespace
}  // namespace keyun

BENCHMARK_MAIN();
