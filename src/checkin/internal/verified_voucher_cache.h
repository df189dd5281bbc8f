// A bounded memo of voucher texts whose signature has verified under the gate's current trust
// list, so that a re-scan of the same code (the passenger scans again, the operator shows a
// colleague) skips the ~40 µs signature check. Private to checkin.
//
// Sound because the entry is keyed by the whole text, compared byte for byte (not by a hash of
// it), and a signature's validity is a pure function of the text and the trust list; the gate
// clears the cache whenever it replaces the trust list. Every other check (window, revocation,
// duplicate) still runs on every scan. It does nothing for a first scan, which is every
// passenger's: the ≥ 20,000 verifications/s of DESIGN.md §8 is met, or not, without it.
//
// Thread-safety: not synchronised (GateVerifier holds it under its mutex).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "eticket/voucher.h"

namespace keyun::checkin::internal {

class VerifiedVoucherCache final {
 public:
  // Holds at most `capacity` texts (0: caches nothing); the oldest entry goes first.
  explicit VerifiedVoucherCache(std::size_t capacity) : capacity_(capacity) {
    entries_.reserve(capacity);
    order_.reserve(capacity);
  }

  // The payload verified for exactly `text`, or nullptr. Valid until the next Insert or Clear.
  [[nodiscard]] const eticket::VoucherPayload* Find(std::string_view text) const;
  // Remembers that `text` verified to `payload`; no-op when capacity is 0 or it is known.
  void Insert(std::string_view text, const eticket::VoucherPayload& payload);
  void Clear();

  [[nodiscard]] std::size_t size() const { return entries_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept {
      return std::hash<std::string_view>{}(text);
    }
  };

  std::size_t capacity_;
  std::unordered_map<std::string, eticket::VoucherPayload, Hash, std::equal_to<>> entries_;
  // Keys in insertion order, as a ring once full: order_[next_] is the oldest. Element keys
  // are stable in an unordered_map, so pointing at them is safe until they are erased.
  std::vector<const std::string*> order_;
  std::size_t next_ = 0;
};

}  // namespace keyun::checkin::internal
