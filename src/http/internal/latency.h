// Latency percentiles of a load run (`keyun bench sales`, `keyun bench checkins`). Private to
// http/.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

namespace keyun::http::internal {

struct LatencySummary {
  std::chrono::microseconds p50{0}, p90{0}, p99{0}, max{0};
};

// Sorts `micros` and reads the nearest-rank percentiles; all zero when it is empty.
inline LatencySummary Summarize(std::vector<std::int64_t>& micros) {
  LatencySummary out;
  if (micros.empty()) return out;
  std::sort(micros.begin(), micros.end());
  auto at = [&](double q) {
    return std::chrono::microseconds(
        micros[std::min(micros.size() - 1, static_cast<std::size_t>(q * micros.size()))]);
  };
  out.p50 = at(0.50);
  out.p90 = at(0.90);
  out.p99 = at(0.99);
  out.max = std::chrono::microseconds(micros.back());
  return out;
}

}  // namespace keyun::http::internal
