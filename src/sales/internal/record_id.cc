#include "sales/internal/record_id.h"

#include <fmt/format.h>

#include <atomic>
#include <cstdint>
#include <random>

namespace keyun::sales::internal {

std::string NewRecordId(char prefix, const core::Instant& now) {
  static std::atomic<std::uint32_t> counter{0};
  thread_local std::mt19937_64 rng(std::random_device{}());
  return fmt::format("{}{}{:04x}{:06x}", prefix, now.ShanghaiDate().Compact(),
                     ++counter & 0xffff, rng() & 0xffffff);
}

}  // namespace keyun::sales::internal
