// libsodium initialisation for eticket. Private to eticket.
#pragma once

namespace keyun::eticket::internal {

// Calls sodium_init() once per process (thread-safe); throws std::runtime_error if libsodium
// cannot initialise, which means no usable random source: a fatal start-up failure.
void EnsureSodium();

}  // namespace keyun::eticket::internal
