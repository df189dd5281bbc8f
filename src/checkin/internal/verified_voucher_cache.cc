#include "checkin/internal/verified_voucher_cache.h"

namespace keyun::checkin::internal {

const eticket::VoucherPayload* VerifiedVoucherCache::Find(std::string_view text) const {
  if (entries_.empty()) return nullptr;
  const auto it = entries_.find(text);
  return it == entries_.end() ? nullptr : &it->second;
}

void VerifiedVoucherCache::Insert(std::string_view text, const eticket::VoucherPayload& payload) {
  if (capacity_ == 0 || entries_.find(text) != entries_.end()) return;
  if (order_.size() == capacity_) {
    entries_.erase(entries_.find(*order_[next_]));
  }
  const auto it = entries_.emplace(std::string(text), payload).first;
  if (order_.size() < capacity_) {
    order_.push_back(&it->first);
  } else {
    order_[next_] = &it->first;
    next_ = (next_ + 1) % capacity_;
  }
}

void VerifiedVoucherCache::Clear() {
  entries_.clear();
  order_.clear();
  next_ = 0;
}

}  // namespace keyun::checkin::internal
