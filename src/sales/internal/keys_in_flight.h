// One attempt at a time per idempotency key, within this process. Private to sales/.
//
// A client that retries while its first attempt is still running (a timeout on a slow network,
// a double tap) would otherwise race that attempt: its passengers' seats are already held in
// memory by the first, so the retry fails before the first has committed anything it could find
// by its key, and answers 409 for a request that in fact succeeded. Behind the gate the retry
// waits for the first attempt, then finds what it made. Safety does not rest on it: without it
// nothing is sold or changed twice either (the store's unique keys and conditional updates see
// to that); it only turns the retry's answer into the first one's. Several processes sharing
// one PostgreSQL each have their own gate, so a retry that reaches another process can still
// get the 409.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <unordered_set>
#include <utility>

namespace keyun::sales::internal {

class KeysInFlight {
 public:
  // Held while an attempt runs; leaving lets the next attempt with the key in.
  class [[nodiscard]] Pass {
   public:
    Pass(KeysInFlight& gate, std::string key) : gate_(gate), key_(std::move(key)) {}
    ~Pass() { gate_.Leave(key_); }
    Pass(const Pass&) = delete;
    Pass& operator=(const Pass&) = delete;

   private:
    KeysInFlight& gate_;
    std::string key_;
  };

  // Waits until no other attempt holds `key`, then holds it. Keys of different kinds of
  // request take a prefix ("order:", "change:"), so they never wait for each other.
  Pass Enter(std::string key) {
    std::unique_lock lock(mu_);
    idle_.wait(lock, [&] { return !busy_.contains(key); });
    busy_.insert(key);
    return Pass(*this, std::move(key));
  }

 private:
  void Leave(const std::string& key) {
    {
      std::lock_guard lock(mu_);
      busy_.erase(key);
    }
    idle_.notify_all();
  }

  std::mutex mu_;
  std::condition_variable idle_;
  std::unordered_set<std::string> busy_;  // guarded by mu_
};

}  // namespace keyun::sales::internal
