#include "core/internal/sodium.h"

#include <sodium.h>

#include <mutex>
#include <stdexcept>

namespace keyun::core::internal {

void EnsureSodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    // 0 = initialised now, 1 = already initialised (by another library); -1 = failure.
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  });
}

}  // namespace keyun::core::internal
