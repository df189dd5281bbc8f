// libsodium initialisation, once per process. Private to core.
#pragma once

namespace keyun::core::internal {

// Calls sodium_init() exactly once (thread-safe); throws std::runtime_error if libsodium
// cannot initialise (no usable random source: a fatal start-up failure).
void EnsureSodium();

}  // namespace keyun::core::internal
