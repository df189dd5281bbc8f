#include <sodium.h>

#include <mutex>
#include <stdexcept>

#include "eticket/internal/sodium_init.h"

namespace keyun::eticket::internal {

void EnsureSodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  });
}

}  // namespace keyun::eticket::internal
