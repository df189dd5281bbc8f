// Seat inventory benchmarks. DESIGN.md §8: seat allocation in memory at ≥ 5 million sales/s
// per core on a mix of 40-seat, 10-stop runs.
//
//   seat_inventory_bench --benchmark_min_time=1
//
// Each benchmark works through a pool of 1,000 runs of 40 seats and 10 stops, one run after
// the other, so an inventory comes from L2 or L3 as on a node selling thousands of runs, not
// from L1 as a single hot run would. Trips are drawn beforehand from a fixed seed, uniformly
// over the 45 (from, to) pairs of a 10-stop run; channels uniformly over three.
//
// A run is put back empty after kAttemptsPerRun sale attempts, at its turn in the cycle: a
// copy of an empty inventory, a kilobyte, paid once per 80 attempts inside the timed loop.
// Run r starts the measurement with r % kAttemptsPerRun attempts behind it, so the pool holds
// every fill level from empty to sold out at all times, and some attempts fail.
// items_per_second counts sales (successful allocations); attempts/s counts all calls.
// `quotas:1` gives every run four reserved seats: two for the window and one for boarding at
// stop 4 (not yet released), one for a platform (already released).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "core/seat_inventory.h"

namespace keyun::core {
namespace {

constexpr int kRuns = 1000;
constexpr int kSeats = 40;
constexpr int kStops = 10;
// A run holds at most ~98 random trips (3.7 segments on average, 360 seat-segments), but
// random trips leave holes, so after 80 attempts most segments of a run are sold out.
constexpr int kAttemptsPerRun = 80;
constexpr std::size_t kTrips = 1 << 16;  // a power of two: the index wraps with a mask

constexpr ChannelId kWindow{1};
constexpr ChannelId kMobile{2};
constexpr ChannelId kPlatform{3};
const Instant kNow = Instant::FromUnixMicros(1'790'000'000'000'000);

struct Trip {
  int from;
  int to;
  ChannelId channel;
};

std::vector<Trip> RandomTrips() {
  std::vector<std::pair<int, int>> pairs;
  for (int from = 0; from < kStops - 1; ++from) {
    for (int to = from + 1; to < kStops; ++to) pairs.emplace_back(from, to);
  }
  const ChannelId channels[] = {kWindow, kMobile, kPlatform};
  std::mt19937_64 random(20261122);
  std::uniform_int_distribution<std::size_t> pair(0, pairs.size() - 1);
  std::uniform_int_distribution<int> channel(0, 2);
  std::vector<Trip> trips(kTrips);
  for (Trip& trip : trips) {
    auto [from, to] = pairs[pair(random)];
    trip = Trip{from, to, channels[channel(random)]};
  }
  return trips;
}

SeatInventory EmptyRun(bool quotas) {
  SeatInventory run = *SeatInventory::Create(kSeats, kStops);
  if (quotas) {
    using std::chrono::hours;
    (void)run.Reserve(1, Quota{.channel = kWindow, .release_at = kNow + hours(1)});
    (void)run.Reserve(2, Quota{.channel = kWindow, .release_at = kNow + hours(1)});
    (void)run.Reserve(3, Quota{.boarding_stop = 4, .release_at = kNow + hours(1)});
    (void)run.Reserve(4, Quota{.channel = kPlatform, .release_at = kNow - hours(1)});
  }
  return run;
}

SeatRequest Request(const Trip& trip) {
  return SeatRequest{.from = trip.from, .to = trip.to, .channel = trip.channel, .now = kNow};
}

// The pool of runs at every fill level, and the trips to throw at it.
struct Pool {
  explicit Pool(bool quotas)
      : empty(EmptyRun(quotas)), runs(kRuns, empty), attempts(kRuns, 0), trips(RandomTrips()) {
    for (int r = 0; r < kRuns; ++r) {
      for (int i = 0; i < r % kAttemptsPerRun; ++i) Attempt(r);
    }
  }

  bool Attempt(int r) {
    const Trip& trip = trips[next_trip];
    next_trip = (next_trip + 1) & (kTrips - 1);
    const bool sold = runs[r].Allocate(Request(trip)).has_value();
    if (++attempts[r] == kAttemptsPerRun) {
      runs[r] = empty;
      attempts[r] = 0;
    }
    return sold;
  }

  const SeatInventory empty;
  std::vector<SeatInventory> runs;
  std::vector<int> attempts;
  std::vector<Trip> trips;
  std::size_t next_trip = 0;
};

void BM_Allocate(benchmark::State& state) {
  Pool pool(state.range(0) != 0);
  std::int64_t sold = 0;
  int r = 0;
  for (auto _ : state) {
    sold += pool.Attempt(r);
    if (++r == kRuns) r = 0;
  }
  state.SetItemsProcessed(sold);
  state.counters["attempts/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["sold_share"] = static_cast<double>(sold) /
                                 static_cast<double>(std::max<std::int64_t>(1, state.iterations()));
}
BENCHMARK(BM_Allocate)->ArgName("quotas")->Arg(0)->Arg(1);

// Exact availability of one trip on one run: the query behind every search result.
void BM_SeatsLeft(benchmark::State& state) {
  Pool pool(state.range(0) != 0);
  std::size_t t = 0;
  int r = 0;
  for (auto _ : state) {
    const Trip& trip = pool.trips[t];
    t = (t + 1) & (kTrips - 1);
    Result<int> left = pool.runs[r].SeatsLeft(trip.from, trip.to, trip.channel, kNow);
    benchmark::DoNotOptimize(left);
    if (++r == kRuns) r = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SeatsLeft)->ArgName("quotas")->Arg(0)->Arg(1);

}  // namespace
}  // namespace keyun::core

BENCHMARK_MAIN();
