#include "core/seat_inventory.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <stdexcept>

namespace keyun::core {
namespace {

// Sort key of a candidate seat, smallest wins: [free segments around the trip][seat index],
// or kNoSeat for a seat that cannot take the trip.
constexpr int kIndexBits = 7;  // seat index < 70 < 128
constexpr std::uint32_t kIndexMask = (1u << kIndexBits) - 1;
constexpr std::uint32_t kNoSeat = 0xFFFFFFFF;
static_assert(SeatInventory::kMaxSeats <= (1 << kIndexBits));

constexpr std::uint64_t Bit(int i) { return std::uint64_t{1} << i; }

// A trip from..to-1 in mirrored_ form: segment s is bit 62 - s.
constexpr std::uint64_t Mirrored(int from, int to) {
  return SegmentMask::Range(63 - to, 63 - from).bits();
}

// mirrored_ as it must be for `occupied` (without its wall): the invariant Take and Free keep.
[[maybe_unused]] std::uint64_t MirrorOf(std::uint64_t occupied, int segments) {
  std::uint64_t mirrored = Bit(63);
  for (int s = 0; s < segments; ++s) mirrored |= ((occupied >> s) & 1) << (62 - s);
  return mirrored;
}

// The sort key of seat `index` for a trip of `length` segments from stop `from`: the free
// segments the trip would leave on both sides in the free gap it falls in (fewer is tighter:
// the gap is shortest), then the index; kNoSeat if any segment of the trip is sold.
// No branch, so a loop over the seats does not mispredict on the half of a busy run's seats
// that conflict, at random.
inline std::uint32_t SeatKey(std::uint64_t occupied, std::uint64_t mirrored, int index, int from,
                             int length) {
  // Free segments from `from` on: at least `length` if the seat fits, and then the excess is
  // what the trip leaves free after it (up to the next sold segment or the wall after the last
  // stop). Before the trip: in mirrored form bit 0 of the shifted word is segment from-1, bit 1
  // from-2, …, bit `from` the wall before stop 0. Both words are never zero (walls), so the
  // builtins are defined and need no zero test (std::countr_zero has one).
  const int after = __builtin_ctzll(occupied >> from) - length;  // < 0: does not fit
  const int before = __builtin_ctzll(mirrored >> (63 - from));
  const std::uint32_t key =
      static_cast<std::uint32_t>(before + after) << kIndexBits | static_cast<std::uint32_t>(index);
  return key | static_cast<std::uint32_t>(after >> 31);  // all ones (kNoSeat) if it does not fit
}

// The index of the seat that fits the trip from..to-1 tightest (SeatKey), or -1. Every seat's
// key is computed and the smallest kept, so a full run costs what an empty one does.
int TightestFit(const std::uint64_t* occupied, const std::uint64_t* mirrored, int seats, int from,
                int to) {
  std::uint32_t best = kNoSeat;
  for (int i = 0; i < seats; ++i) {
    best = std::min(best, SeatKey(occupied[i], mirrored[i], i, from, to - from));
  }
  return best == kNoSeat ? -1 : static_cast<int>(best & kIndexMask);
}

bool Matches(const Quota& quota, int from, ChannelId channel) {
  return (!quota.channel || *quota.channel == channel) &&
         (!quota.boarding_stop || *quota.boarding_stop == from);
}

}  // namespace

SeatInventory::SeatInventory(int seats, int segments)
    : seats_(seats), segments_(segments), wall_(~(Bit(segments) - 1)) {
  occupied_.fill(wall_);
  mirrored_.fill(Bit(63));
  starts_.fill(wall_);
}

void SeatInventory::Take(int index, int from, int to) {
  assert((occupied_[index] & SegmentMask::Range(from, to).bits()) == 0);
  occupied_[index] |= SegmentMask::Range(from, to).bits();
  mirrored_[index] |= Mirrored(from, to);
  starts_[index] |= Bit(from);
  assert(mirrored_[index] == MirrorOf(occupied_[index], segments_));
}

void SeatInventory::Free(int index, int from, int to) {
  assert(SegmentMask(occupied_[index]).Covers(SegmentMask::Range(from, to)));
  occupied_[index] &= ~SegmentMask::Range(from, to).bits();
  mirrored_[index] &= ~Mirrored(from, to);
  starts_[index] &= ~Bit(from);
  assert(mirrored_[index] == MirrorOf(occupied_[index], segments_));
}

Result<SeatInventory> SeatInventory::Create(int seats, int stops) {
  if (seats < 1 || seats > kMaxSeats) {
    return InvalidArgument(fmt::format("a run has 1 to {} seats, not {}", kMaxSeats, seats),
                           "seats");
  }
  if (stops < 2 || stops > kMaxStops) {
    return InvalidArgument(fmt::format("a run has 2 to {} stops, not {}", kMaxStops, stops),
                           "stops");
  }
  return SeatInventory(seats, stops - 1);
}

Result<void> SeatInventory::CheckTrip(int from, int to) const {
  if (0 <= from && from < to && to <= segments_) [[likely]] {
    return {};
  }
  if (from < 0 || from >= segments_) {
    return InvalidArgument(fmt::format("from stop {} does not exist: a trip starts at stop 0 to {}",
                                       from, segments_ - 1),
                           "from");
  }
  if (to < 1 || to > segments_) {
    return InvalidArgument(
        fmt::format("to stop {} does not exist: a trip ends at stop 1 to {}", to, segments_), "to");
  }
  if (from >= to) {
    return InvalidArgument(fmt::format("to stop {} must come after from stop {}", to, from), "to");
  }
  return {};
}

Result<void> SeatInventory::CheckSeat(int seat) const {
  if (seat < 1 || seat > seats_) {
    return InZh(InvalidArgument(fmt::format("seat {} does not exist: seats are numbered 1 to {}",
                                            seat, seats_),
                                "seat"),
                fmt::format("没有 {} 号座位：本班座位号为 1 至 {}", seat, seats_));
  }
  return {};
}

// Seats reserved for this request first, so it uses its own quota and leaves the shared seats
// for everyone; failing those, the tightest fit among the seats no active quota keeps from it.
int SeatInventory::TightestFitWithQuotas(const SeatRequest& request) const {
  std::uint32_t best_own = kNoSeat;
  bool kept = false;
  for (const ReservedSeat& reserved : reserved_) {
    if (request.now >= reserved.quota.release_at) continue;
    if (Matches(reserved.quota, request.from, request.channel)) {
      const int i = reserved.index;
      best_own = std::min(best_own, SeatKey(occupied_[i], mirrored_[i], i, request.from,
                                            request.to - request.from));
    } else {
      kept = true;
    }
  }
  if (best_own != kNoSeat) return static_cast<int>(best_own & kIndexMask);
  if (!kept) {
    return TightestFit(occupied_.data(), mirrored_.data(), seats_, request.from, request.to);
  }
  // The masks as this request sees them: seats kept from it are full.
  std::array<std::uint64_t, kMaxSeats> visible;
  std::copy_n(occupied_.begin(), seats_, visible.begin());
  for (const ReservedSeat& reserved : reserved_) {
    if (request.now < reserved.quota.release_at &&
        !Matches(reserved.quota, request.from, request.channel)) {
      visible[reserved.index] = ~std::uint64_t{0};
    }
  }
  return TightestFit(visible.data(), mirrored_.data(), seats_, request.from, request.to);
}

Result<int> SeatInventory::Allocate(const SeatRequest& request) {
  if (Result<void> valid = CheckTrip(request.from, request.to); !valid) return Propagate(valid);
  const std::uint64_t trip = SegmentMask::Range(request.from, request.to).bits();
  if (request.seat) return AllocateChosen(request, trip);

  const int index = reserved_.empty() ? TightestFit(occupied_.data(), mirrored_.data(), seats_,
                                                    request.from, request.to)
                                      : TightestFitWithQuotas(request);
  if (index < 0) {
    return InZh(FailedPrecondition(
                    fmt::format("no seat left from stop {} to stop {}", request.from, request.to)),
                "这一段行程已无余座，请选择其他班次");
  }
  Take(index, request.from, request.to);
  return index + 1;
}

Result<int> SeatInventory::AllocateChosen(const SeatRequest& request, std::uint64_t trip) {
  const int seat = *request.seat;
  if (Result<void> valid = CheckSeat(seat); !valid) return Propagate(valid);
  const int index = seat - 1;
  if ((occupied_[index] & trip) != 0) {
    return InZh(
        FailedPrecondition(fmt::format("seat {} is taken on part of this trip", seat), "seat"),
        fmt::format("{} 号座位在这段行程上已售出，请另选座位", seat));
  }
  for (const ReservedSeat& reserved : reserved_) {
    const Quota& quota = reserved.quota;
    if (reserved.index != index || request.now >= quota.release_at) continue;
    if (quota.channel && *quota.channel != request.channel) {
      return InZh(FailedPrecondition(
                      fmt::format("seat {} is reserved for another sales channel", seat), "seat"),
                  fmt::format("{} 号座位为其他售票渠道预留，请另选座位", seat));
    }
    if (quota.boarding_stop && *quota.boarding_stop != request.from) {
      return InZh(FailedPrecondition(
                      fmt::format("seat {} is reserved for passengers boarding at stop {}", seat,
                                  *quota.boarding_stop),
                      "seat"),
                  fmt::format("{} 号座位为第 {} 站上车的旅客预留，请另选座位", seat,
                              *quota.boarding_stop));
    }
  }
  Take(index, request.from, request.to);
  return seat;
}

Result<void> SeatInventory::Release(int seat, int from, int to) {
  if (Result<void> valid = CheckSeat(seat); !valid) return valid;
  if (Result<void> valid = CheckTrip(from, to); !valid) return valid;
  const int index = seat - 1;
  const std::uint64_t trip = SegmentMask::Range(from, to).bits();
  const std::uint64_t occupied = occupied_[index];
  const std::uint64_t starts = starts_[index];
  if ((occupied & trip) != trip) {
    return FailedPrecondition(
        fmt::format("seat {} is free on part of stop {} to stop {}", seat, from, to), "seat");
  }
  // One whole ticket: one begins at `from`, none inside, and the next segment is free or
  // begins another ticket (the wall counts as one).
  const bool whole = (starts & Bit(from)) != 0 &&
                     (starts & SegmentMask::Range(from + 1, to).bits()) == 0 &&
                     ((occupied & ~starts) & Bit(to)) == 0;
  if (!whole) {
    return FailedPrecondition(
        fmt::format("seat {} has no ticket from stop {} to stop {}: release a ticket's own stops",
                    seat, from, to),
        "seat");
  }
  Free(index, from, to);
  return {};
}

Result<void> SeatInventory::Occupy(int seat, int from, int to) {
  if (Result<void> valid = CheckSeat(seat); !valid) return valid;
  if (Result<void> valid = CheckTrip(from, to); !valid) return valid;
  const int index = seat - 1;
  const std::uint64_t trip = SegmentMask::Range(from, to).bits();
  if ((occupied_[index] & trip) != 0) {
    return InZh(
        FailedPrecondition(fmt::format("seat {} is taken on part of this trip", seat), "seat"),
        fmt::format("{} 号座位在这段行程上已售出，请另选座位", seat));
  }
  Take(index, from, to);
  return {};
}

Result<void> SeatInventory::Reserve(int seat, const Quota& quota) {
  if (Result<void> valid = CheckSeat(seat); !valid) return valid;
  if (!quota.channel && !quota.boarding_stop) {
    return InvalidArgument(
        "a quota reserves a seat for a channel, a boarding stop or both; to block a seat, "
        "occupy it over the whole run",
        "quota");
  }
  if (quota.boarding_stop && (*quota.boarding_stop < 0 || *quota.boarding_stop >= segments_)) {
    return InvalidArgument(
        fmt::format("boarding stop {} does not exist: passengers board at stop 0 to {}",
                    *quota.boarding_stop, segments_ - 1),
        "boarding_stop");
  }
  const int index = seat - 1;
  auto it = std::find_if(reserved_.begin(), reserved_.end(),
                         [index](const ReservedSeat& r) { return r.index == index; });
  if (it != reserved_.end()) {
    it->quota = quota;
  } else {
    reserved_.push_back({index, quota});
  }
  return {};
}

Result<void> SeatInventory::Unreserve(int seat) {
  if (Result<void> valid = CheckSeat(seat); !valid) return valid;
  std::erase_if(reserved_, [index = seat - 1](const ReservedSeat& r) { return r.index == index; });
  return {};
}

Result<int> SeatInventory::SeatsLeft(int from, int to, ChannelId channel, Instant now) const {
  if (Result<void> valid = CheckTrip(from, to); !valid) return Propagate(valid);
  const std::uint64_t trip = SegmentMask::Range(from, to).bits();
  int left = 0;
  for (int i = 0; i < seats_; ++i) left += (occupied_[i] & trip) == 0;
  for (const ReservedSeat& reserved : reserved_) {  // each seat once: Reserve replaces
    left -= now < reserved.quota.release_at && !Matches(reserved.quota, from, channel) &&
            (occupied_[reserved.index] & trip) == 0;
  }
  return left;
}

SegmentMask SeatInventory::mask(int seat) const {
  if (seat < 1 || seat > seats_) {
    throw std::out_of_range(
        fmt::format("SeatInventory::mask: seat {} is outside 1 to {}", seat, seats_));
  }
  return SegmentMask(occupied_[seat - 1] & ~wall_);
}

std::optional<Quota> SeatInventory::quota(int seat) const {
  if (seat < 1 || seat > seats_) {
    throw std::out_of_range(
        fmt::format("SeatInventory::quota: seat {} is outside 1 to {}", seat, seats_));
  }
  for (const ReservedSeat& reserved : reserved_) {
    if (reserved.index == seat - 1) return reserved.quota;
  }
  return std::nullopt;
}

}  // namespace keyun::core
