// Seat inventory (座位库存) of one run: which seat is sold on which segments (DESIGN.md §3).
//
//   Result<SeatInventory> inventory = SeatInventory::Create(/*seats=*/40, /*stops=*/10);
//   // Seat 1 kept for passengers boarding at stop 3 (配额) until 2 hours before departure.
//   Quota quota{.boarding_stop = 3, .release_at = departs - std::chrono::hours(2)};
//   if (auto r = inventory->Reserve(1, quota); !r) return Propagate(r);
//   Result<int> seat = inventory->Allocate(
//       {.from = 0, .to = 6, .channel = kMobile, .now = clock.Now()});
//   if (!seat) return Propagate(seat);  // FailedPrecondition "no seat left from stop 0 to stop 6"
//   Result<int> left = inventory->SeatsLeft(2, 9, kWindow, clock.Now());  // for a search page
//   if (auto r = inventory->Release(*seat, 0, 6); !r) return Propagate(r);  // refund
//
// A run serves stops 0..k (2 to 64 stops, so at most 63 segments); segment s is the leg from
// stop s to stop s + 1. A ticket from stop `from` to stop `to` (from < to) occupies segments
// from..to-1 of one seat, so two tickets share a seat when their trips do not overlap: A→C and
// C→E can both sit in seat 7. Seats are numbered from 1, as printed on the ticket.
//
// Allocation prefers the tightest fit: of the seats free for the trip, the one whose free gap
// around it is shortest, so that seats free end to end stay free for the long trips that need
// them. First fit would put a 0→1 ticket in seat 1 even when seat 2 is free exactly on 0→1, and
// the next 0→9 passenger would find no seat.
//
// Quotas (配额): a seat may be reserved for one channel, for passengers boarding at one stop,
// or both, until a release time; before it only matching requests get the seat, from it on
// anyone. To block a seat outright (crew seat, broken seat), Occupy it over the whole run.
//
// What is not here: holds and their expiry (the sales service calls Release when a hold
// lapses), free children (携童 take no seat), one seat per passenger ID per run, durability. The
// store is the truth; this is its in-memory image, rebuilt at start with Occupy.
//
// Thread-safety: not thread-safe. The owner serializes access, e.g. one inventory per run
// behind the sales service's lock. Const methods may run concurrently with each other.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/result.h"
#include "core/time.h"

namespace keyun::core {

// A set of segments of one run, bit s standing for segment s (stop s to stop s + 1).
class SegmentMask {
 public:
  static constexpr int kMaxSegments = 63;

  // No segment.
  constexpr SegmentMask() = default;
  constexpr explicit SegmentMask(std::uint64_t bits) : bits_(bits) {}

  // Segments from..to-1: the segments a trip from stop `from` to stop `to` rides.
  // Precondition: 0 <= from < to <= kMaxSegments (callers validate user input first).
  [[nodiscard]] static constexpr SegmentMask Range(int from, int to) {
    return SegmentMask((std::uint64_t{1} << to) - (std::uint64_t{1} << from));
  }

  [[nodiscard]] constexpr std::uint64_t bits() const { return bits_; }
  [[nodiscard]] constexpr bool empty() const { return bits_ == 0; }
  [[nodiscard]] constexpr int count() const { return std::popcount(bits_); }
  [[nodiscard]] constexpr bool contains(int segment) const { return (bits_ >> segment) & 1; }
  [[nodiscard]] constexpr bool Overlaps(SegmentMask other) const {
    return (bits_ & other.bits_) != 0;
  }
  [[nodiscard]] constexpr bool Covers(SegmentMask other) const {
    return (bits_ & other.bits_) == other.bits_;
  }

  bool operator==(const SegmentMask&) const = default;

 private:
  std::uint64_t bits_ = 0;
};

// A sales channel (station window, kiosk, mobile, each platform partner …). The sales service
// numbers its channels; the inventory only compares them: `ChannelId{3}`.
enum class ChannelId : std::uint16_t {};

// A reservation of one seat (配额). At least one of `channel` and `boarding_stop` is set; a
// request matches when it comes from that channel and boards at that stop (each where set).
struct Quota {
  std::optional<ChannelId> channel = std::nullopt;
  std::optional<int> boarding_stop = std::nullopt;
  // From this instant on the seat is open to every request.
  Instant release_at{};
};

// One seat wanted for one passenger.
struct SeatRequest {
  int from = 0;                            // boarding stop
  int to = 0;                              // alighting stop, after `from`
  std::optional<int> seat = std::nullopt;  // the seat the passenger chose, if any (1-based)
  ChannelId channel{};                     // where the sale comes from (for quotas)
  Instant now{};                           // when the sale happens (for quota release times)
};

// The seats of one run and the segments sold in each. A value type (about 1.7 KB, no heap
// memory unless seats are reserved): copying it copies the whole state.
class SeatInventory final {
 public:
  static constexpr int kMaxSeats = 70;
  static constexpr int kMaxStops = SegmentMask::kMaxSegments + 1;

  // An inventory with every seat free and no quota. InvalidArgument unless 1 <= seats <= 70
  // and 2 <= stops <= 64.
  [[nodiscard]] static Result<SeatInventory> Create(int seats, int stops);

  // Sells one seat from `request.from` to `request.to` and returns its number; the seat's
  // segments for that trip are occupied on success, and nothing changes on any error.
  //   Without `request.seat`: of the seats free for the whole trip and not reserved for someone
  //   else now, a seat reserved for this request (its own quota goes first, keeping the shared
  //   seats for everyone), then the tightest fit, then the lowest number.
  //   FailedPrecondition "no seat left from stop i to stop j" when there is none.
  //   With `request.seat`: that seat or an error: FailedPrecondition "seat 12 is taken on part
  //   of this trip", or "seat 12 is reserved …" if its quota does not match the request.
  // InvalidArgument (nothing changed) if a stop or the seat is out of range or from >= to.
  [[nodiscard]] Result<int> Allocate(const SeatRequest& request);

  // Frees the segments of a ticket from stop `from` to `to` in `seat`. The range must be one
  // whole ticket as sold or occupied: FailedPrecondition, with nothing changed, if any of
  // those segments is free, or the range is part of a ticket or spans two.
  // InvalidArgument (nothing changed) on an out-of-range seat or stop.
  [[nodiscard]] Result<void> Release(int seat, int from, int to);

  // Marks a ticket known to hold `seat` from `from` to `to`, regardless of quotas: rebuilding
  // the inventory from the store at start, or blocking a seat (Occupy(seat, 0, stops() - 1)).
  // FailedPrecondition, with nothing changed, if any of those segments is occupied.
  // InvalidArgument as for Release.
  [[nodiscard]] Result<void> Occupy(int seat, int from, int to);

  // Reserves `seat` per `quota`, replacing any quota it had. Tickets already in the seat stay.
  // InvalidArgument if the seat or boarding stop (0 .. stops()-2) is out of range, or the
  // quota names neither a channel nor a boarding stop.
  [[nodiscard]] Result<void> Reserve(int seat, const Quota& quota);

  // Removes the quota of `seat`, if any. InvalidArgument on an out-of-range seat.
  [[nodiscard]] Result<void> Unreserve(int seat);

  // Exactly how many seats Allocate could choose from for a request from `from` to `to` on
  // `channel` at `now` (without a chosen seat). InvalidArgument as for Allocate.
  [[nodiscard]] Result<int> SeatsLeft(int from, int to, ChannelId channel, Instant now) const;

  [[nodiscard]] int seats() const { return seats_; }
  [[nodiscard]] int stops() const { return segments_ + 1; }

  // The occupied segments of `seat`. Throws std::out_of_range unless 1 <= seat <= seats()
  // (a programmer error: validate user input first).
  [[nodiscard]] SegmentMask mask(int seat) const;
  // The quota of `seat`, if it has one (released or not). Throws as mask().
  [[nodiscard]] std::optional<Quota> quota(int seat) const;

 private:
  struct ReservedSeat {
    int index;  // 0-based
    Quota quota;
  };

  SeatInventory(int seats, int segments);

  Result<void> CheckTrip(int from, int to) const;
  Result<void> CheckSeat(int seat) const;
  Result<int> AllocateChosen(const SeatRequest& request, std::uint64_t trip);
  // The seat index Allocate picks without a chosen seat when there are quotas, or -1.
  int TightestFitWithQuotas(const SeatRequest& request) const;
  // Mark or clear a ticket from..to-1 in seat `index`, in all three bit arrays.
  void Take(int index, int from, int to);
  void Free(int index, int from, int to);

  // Constant after construction.
  int seats_;
  int segments_;
  std::uint64_t wall_;  // bits segments_..63: never free, so a gap search stops at the last stop

  // Per seat index; only the first seats_ are used. occupied_ is what mask() shows, plus
  // wall_; mirrored_ is the same set mirrored, because a gap search needs the free run just
  // before a trip and x86-64 has no cheap "highest set bit" but a cheap "lowest set bit";
  // starts_ lets Release tell whole tickets from parts.
  std::array<std::uint64_t, kMaxSeats> occupied_;  // bit s: segment s sold
  std::array<std::uint64_t, kMaxSeats> mirrored_;  // bit 62 - s: segment s sold; bit 63 set
  std::array<std::uint64_t, kMaxSeats> starts_;    // bit s: a ticket begins at s; plus wall_
  std::vector<ReservedSeat> reserved_;             // a few seats at most; empty on most runs
};

}  // namespace keyun::core
