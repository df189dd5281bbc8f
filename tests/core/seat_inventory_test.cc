#include "core/seat_inventory.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <vector>

namespace keyun::core {
namespace {

using std::chrono::minutes;

constexpr ChannelId kWindow{1};
constexpr ChannelId kMobile{2};
constexpr ChannelId kPlatform{3};
const Instant kNow = Instant::FromUnixMicros(1'790'000'000'000'000);  // 2026-09-21

SeatInventory Make(int seats, int stops) {
  Result<SeatInventory> inventory = SeatInventory::Create(seats, stops);
  EXPECT_TRUE(inventory) << inventory.error().ToString();
  return std::move(inventory).value();
}

SeatRequest Trip(int from, int to, ChannelId channel = kWindow, Instant now = kNow) {
  return SeatRequest{.from = from, .to = to, .channel = channel, .now = now};
}

SeatRequest Chosen(int seat, int from, int to, ChannelId channel = kWindow, Instant now = kNow) {
  return SeatRequest{.from = from, .to = to, .seat = seat, .channel = channel, .now = now};
}

int Sell(SeatInventory& inventory, const SeatRequest& request) {
  Result<int> seat = inventory.Allocate(request);
  EXPECT_TRUE(seat) << request.from << "→" << request.to << ": " << seat.error().ToString();
  return seat.value_or(0);
}

int Left(const SeatInventory& inventory, int from, int to, ChannelId channel = kWindow,
         Instant now = kNow) {
  Result<int> left = inventory.SeatsLeft(from, to, channel, now);
  EXPECT_TRUE(left) << left.error().ToString();
  return left.value_or(-1);
}

std::vector<std::uint64_t> Masks(const SeatInventory& inventory) {
  std::vector<std::uint64_t> masks;
  for (int seat = 1; seat <= inventory.seats(); ++seat)
    masks.push_back(inventory.mask(seat).bits());
  return masks;
}

template <class T>
void ExpectError(const Result<T>& result, ErrorCode code, const std::string& message,
                 const std::string& field = "") {
  ASSERT_FALSE(result) << "expected: " << message;
  EXPECT_EQ(result.error().code, code) << result.error().ToString();
  EXPECT_EQ(result.error().message, message);
  if (!field.empty()) {
    EXPECT_EQ(result.error().field, field);
  }
}

template <class T>
void ExpectInvalid(const Result<T>& result, const std::string& field) {
  ASSERT_FALSE(result) << "expected an invalid " << field;
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument) << result.error().ToString();
  EXPECT_EQ(result.error().field, field) << result.error().ToString();
}

TEST(SegmentMaskTest, RangeCoversTheSegmentsOfATrip) {
  static_assert(SegmentMask::Range(2, 5).bits() == 0b11100);
  EXPECT_EQ(SegmentMask::Range(0, 1).bits(), 1u);
  EXPECT_EQ(SegmentMask::Range(0, 63).bits(), ~std::uint64_t{0} >> 1);
  EXPECT_EQ(SegmentMask::Range(62, 63).bits(), std::uint64_t{1} << 62);
  SegmentMask trip = SegmentMask::Range(2, 5);
  EXPECT_EQ(trip.count(), 3);
  EXPECT_TRUE(trip.contains(2));
  EXPECT_TRUE(trip.contains(4));
  EXPECT_FALSE(trip.contains(5));
  EXPECT_TRUE(trip.Overlaps(SegmentMask::Range(4, 9)));
  EXPECT_FALSE(trip.Overlaps(SegmentMask::Range(5, 9)));  // C→E after A→C: same seat
  EXPECT_TRUE(trip.Covers(SegmentMask::Range(3, 5)));
  EXPECT_FALSE(trip.Covers(SegmentMask::Range(3, 6)));
  EXPECT_TRUE(SegmentMask().empty());
}

// The example at the top of seat_inventory.h, as code.
Result<int> HeaderExample(const Clock& clock, Instant departs) {
  Result<SeatInventory> inventory = SeatInventory::Create(/*seats=*/40, /*stops=*/10);
  if (!inventory) return Propagate(inventory);
  Quota quota{.boarding_stop = 3, .release_at = departs - std::chrono::hours(2)};
  if (auto r = inventory->Reserve(1, quota); !r) return Propagate(r);
  Result<int> seat =
      inventory->Allocate({.from = 0, .to = 6, .channel = kMobile, .now = clock.Now()});
  if (!seat) return Propagate(seat);
  Result<int> left = inventory->SeatsLeft(2, 9, kWindow, clock.Now());
  if (!left || *left != 38) return Internal("unexpected seats left");
  if (auto r = inventory->Release(*seat, 0, 6); !r) return Propagate(r);
  return seat;
}

TEST(SeatInventoryTest, HeaderExampleRuns) {
  FakeClock clock(kNow);
  Result<int> seat = HeaderExample(clock, kNow + std::chrono::hours(3));
  ASSERT_TRUE(seat) << seat.error().ToString();
  EXPECT_EQ(*seat, 2);  // seat 1 is kept for stop 3
}

TEST(SeatInventoryTest, CreateValidatesSize) {
  ExpectError(SeatInventory::Create(0, 10), ErrorCode::kInvalidArgument,
              "a run has 1 to 70 seats, not 0", "seats");
  ExpectInvalid(SeatInventory::Create(71, 10), "seats");
  ExpectError(SeatInventory::Create(40, 1), ErrorCode::kInvalidArgument,
              "a run has 2 to 64 stops, not 1", "stops");
  ExpectInvalid(SeatInventory::Create(40, 65), "stops");

  SeatInventory largest = Make(70, 64);
  EXPECT_EQ(largest.seats(), 70);
  EXPECT_EQ(largest.stops(), 64);
  EXPECT_EQ(Left(largest, 0, 63), 70);
  EXPECT_EQ(Sell(largest, Chosen(70, 0, 63)), 70);
  EXPECT_EQ(largest.mask(70), SegmentMask::Range(0, 63));
  EXPECT_EQ(Left(largest, 62, 63), 69);

  SeatInventory smallest = Make(1, 2);
  EXPECT_EQ(Sell(smallest, Trip(0, 1)), 1);
  ExpectError(smallest.Allocate(Trip(0, 1)), ErrorCode::kFailedPrecondition,
              "no seat left from stop 0 to stop 1");
}

TEST(SeatInventoryTest, ValidatesStopsAndSeats) {
  SeatInventory inventory = Make(40, 10);
  ExpectError(inventory.Allocate(Trip(-1, 3)), ErrorCode::kInvalidArgument,
              "from stop -1 does not exist: a trip starts at stop 0 to 8", "from");
  ExpectInvalid(inventory.Allocate(Trip(9, 9)), "from");
  ExpectError(inventory.Allocate(Trip(2, 10)), ErrorCode::kInvalidArgument,
              "to stop 10 does not exist: a trip ends at stop 1 to 9", "to");
  ExpectError(inventory.Allocate(Trip(5, 3)), ErrorCode::kInvalidArgument,
              "to stop 3 must come after from stop 5", "to");
  ExpectInvalid(inventory.Allocate(Trip(4, 4)), "to");
  ExpectError(inventory.Allocate(Chosen(41, 0, 1)), ErrorCode::kInvalidArgument,
              "seat 41 does not exist: seats are numbered 1 to 40", "seat");
  ExpectInvalid(inventory.Allocate(Chosen(0, 0, 1)), "seat");
  ExpectInvalid(inventory.Release(0, 0, 1), "seat");
  ExpectInvalid(inventory.Release(1, 3, 3), "to");
  ExpectInvalid(inventory.Occupy(41, 0, 1), "seat");
  ExpectInvalid(inventory.Occupy(1, 0, 12), "to");
  ExpectInvalid(inventory.SeatsLeft(3, 2, kWindow, kNow), "to");
  ExpectInvalid(inventory.SeatsLeft(0, 10, kWindow, kNow), "to");
  EXPECT_THROW((void)inventory.mask(0), std::out_of_range);
  EXPECT_THROW((void)inventory.mask(41), std::out_of_range);
  EXPECT_THROW((void)inventory.quota(41), std::out_of_range);
  EXPECT_EQ(Masks(inventory), std::vector<std::uint64_t>(40, 0));  // nothing happened
}

TEST(SeatInventoryTest, SellsLowestSeatWhenAllAreAlike) {
  SeatInventory inventory = Make(40, 10);
  EXPECT_EQ(Sell(inventory, Trip(0, 9)), 1);
  EXPECT_EQ(Sell(inventory, Trip(0, 9)), 2);
  EXPECT_EQ(Sell(inventory, Trip(3, 4)), 3);
  EXPECT_EQ(inventory.mask(1), SegmentMask::Range(0, 9));
  EXPECT_EQ(inventory.mask(3), SegmentMask::Range(3, 4));
  EXPECT_TRUE(inventory.mask(4).empty());
}

TEST(SeatInventoryTest, TightestFitKeepsTheEndToEndSeatForTheLongTrip) {
  // Seat 2 is free only on 0→1. First fit would sell 0→1 from seat 1, and then nobody could
  // ride 0→9; the tightest fit sells it from seat 2.
  SeatInventory inventory = Make(2, 10);
  ASSERT_TRUE(inventory.Occupy(2, 1, 9));
  EXPECT_EQ(Sell(inventory, Trip(0, 1)), 2);
  EXPECT_EQ(Sell(inventory, Trip(0, 9)), 1);
  EXPECT_EQ(Left(inventory, 0, 1), 0);
}

TEST(SeatInventoryTest, TightestFitMeasuresTheFreeGapAroundTheTrip) {
  SeatInventory inventory = Make(3, 10);
  // Seat 1 free end to end (gap 9); seat 2 free on 3→6 (gap 3); seat 3 free on 2→9 (gap 7).
  ASSERT_TRUE(inventory.Occupy(2, 0, 3));
  ASSERT_TRUE(inventory.Occupy(2, 6, 9));
  ASSERT_TRUE(inventory.Occupy(3, 0, 2));
  EXPECT_EQ(Sell(inventory, Trip(4, 5)), 2);  // first fit: seat 1, and 0→9 would be gone
  EXPECT_EQ(Sell(inventory, Trip(5, 8)), 3);  // seat 2 no longer fits; seat 3 (gap 7) beats 1
  EXPECT_EQ(Sell(inventory, Trip(0, 9)), 1);  // still sellable
  EXPECT_EQ(Sell(inventory, Trip(2, 4)), 3);  // gap 2→5 in seat 3 is the only one left
  EXPECT_EQ(Left(inventory, 0, 9), 0);
}

TEST(SeatInventoryTest, TightestFitPrefersAnExactFitAndBreaksTiesByNumber) {
  SeatInventory inventory = Make(4, 10);
  ASSERT_TRUE(inventory.Occupy(1, 0, 4));  // seat 1 free 4→9 (gap 5)
  ASSERT_TRUE(inventory.Occupy(2, 6, 9));  // seat 2 free 0→6 (gap 6)
  ASSERT_TRUE(inventory.Occupy(3, 0, 4));  // seat 3 free 4→6 (gap 2): an exact fit for 4→6
  ASSERT_TRUE(inventory.Occupy(3, 6, 9));
  ASSERT_TRUE(inventory.Occupy(4, 0, 4));  // seat 4 free 4→9 (gap 5), like seat 1
  EXPECT_EQ(Sell(inventory, Trip(4, 6)), 3);
  EXPECT_EQ(Sell(inventory, Trip(5, 6)), 1);  // seats 1 and 4 tie at gap 5; seat 2 has 6
  EXPECT_EQ(Sell(inventory, Trip(5, 6)), 4);
  EXPECT_EQ(Sell(inventory, Trip(5, 6)), 2);
}

TEST(SeatInventoryTest, HonoursAChosenSeat) {
  SeatInventory inventory = Make(40, 10);
  EXPECT_EQ(Sell(inventory, Chosen(12, 2, 5)), 12);  // not the tightest, but chosen
  EXPECT_EQ(Sell(inventory, Chosen(12, 5, 9)), 12);  // C→E after A→C in the same seat
  EXPECT_EQ(Sell(inventory, Chosen(12, 0, 2)), 12);
  const std::vector<std::uint64_t> before = Masks(inventory);
  ExpectError(inventory.Allocate(Chosen(12, 4, 6)), ErrorCode::kFailedPrecondition,
              "seat 12 is taken on part of this trip", "seat");
  EXPECT_EQ(Masks(inventory), before);
  EXPECT_EQ(inventory.mask(12), SegmentMask::Range(0, 9));
  EXPECT_EQ(Sell(inventory, Trip(4, 6)), 1);
}

TEST(SeatInventoryTest, RunsOutOfSeats) {
  SeatInventory inventory = Make(3, 10);
  for (int seat = 1; seat <= 3; ++seat) EXPECT_EQ(Sell(inventory, Trip(0, 5)), seat);
  ExpectError(inventory.Allocate(Trip(2, 7)), ErrorCode::kFailedPrecondition,
              "no seat left from stop 2 to stop 7");
  ExpectError(inventory.Allocate(Trip(4, 5)), ErrorCode::kFailedPrecondition,
              "no seat left from stop 4 to stop 5");
  EXPECT_EQ(Left(inventory, 0, 9), 0);
  EXPECT_EQ(Left(inventory, 5, 9), 3);  // the rest of the trip is still for sale
  for (int i = 0; i < 3; ++i) EXPECT_NE(Sell(inventory, Trip(5, 9)), 0);
  ExpectError(inventory.Allocate(Trip(8, 9)), ErrorCode::kFailedPrecondition,
              "no seat left from stop 8 to stop 9");
}

TEST(SeatInventoryTest, ReleaseReturnsExactlyTheTicketsSegments) {
  SeatInventory inventory = Make(2, 10);
  ASSERT_EQ(Sell(inventory, Chosen(1, 0, 2)), 1);
  ASSERT_EQ(Sell(inventory, Chosen(1, 2, 5)), 1);
  ASSERT_EQ(Sell(inventory, Chosen(1, 5, 8)), 1);
  ASSERT_TRUE(inventory.Release(1, 2, 5));
  EXPECT_EQ(inventory.mask(1).bits(),
            SegmentMask::Range(0, 2).bits() | SegmentMask::Range(5, 8).bits());
  EXPECT_EQ(Left(inventory, 2, 5), 2);
  EXPECT_EQ(Sell(inventory, Trip(3, 4)), 1);  // the freed gap 2→5 is the tightest now
  ASSERT_TRUE(inventory.Release(1, 5, 8));
  ASSERT_TRUE(inventory.Release(1, 0, 2));
  ASSERT_TRUE(inventory.Release(1, 3, 4));
  EXPECT_TRUE(inventory.mask(1).empty());
  EXPECT_EQ(Left(inventory, 0, 9), 2);
}

TEST(SeatInventoryTest, RefusesABadReleaseWithoutChangingAnything) {
  SeatInventory inventory = Make(3, 10);
  ASSERT_TRUE(inventory.Occupy(1, 2, 5));
  ASSERT_TRUE(inventory.Occupy(1, 5, 7));
  ASSERT_TRUE(inventory.Occupy(2, 0, 9));
  const std::vector<std::uint64_t> before = Masks(inventory);

  ExpectError(inventory.Release(3, 0, 1), ErrorCode::kFailedPrecondition,
              "seat 3 is free on part of stop 0 to stop 1", "seat");
  ExpectInvalid(inventory.Release(1, 2, 10), "to");
  ExpectError(inventory.Release(1, 1, 5), ErrorCode::kFailedPrecondition,
              "seat 1 is free on part of stop 1 to stop 5", "seat");
  ExpectError(inventory.Release(1, 5, 8), ErrorCode::kFailedPrecondition,
              "seat 1 is free on part of stop 5 to stop 8", "seat");
  // Occupied, but not one ticket: the start of one, the end of one, the middle, two at once.
  for (auto [from, to] : {std::pair{2, 4}, {3, 5}, {3, 4}, {2, 7}, {4, 6}}) {
    ExpectError(inventory.Release(1, from, to), ErrorCode::kFailedPrecondition,
                "seat 1 has no ticket from stop " + std::to_string(from) + " to stop " +
                    std::to_string(to) + ": release a ticket's own stops",
                "seat");
  }
  ExpectInvalid(inventory.Release(2, 0, 10), "to");
  EXPECT_FALSE(inventory.Release(2, 0, 8));  // the ticket runs to the last stop
  EXPECT_FALSE(inventory.Release(2, 1, 9));
  EXPECT_EQ(Masks(inventory), before);

  ASSERT_TRUE(inventory.Release(1, 2, 5));
  EXPECT_FALSE(inventory.Release(1, 2, 5));  // not twice
  ASSERT_TRUE(inventory.Release(2, 0, 9));
  ASSERT_TRUE(inventory.Release(1, 5, 7));
  EXPECT_EQ(Masks(inventory), std::vector<std::uint64_t>(3, 0));
}

TEST(SeatInventoryTest, OccupyRebuildsTheSameStateFromTheStore) {
  struct Ticket {
    int seat, from, to;
  };
  SeatInventory live = Make(40, 10);
  std::vector<Ticket> tickets;
  std::mt19937 random(7);
  for (int i = 0; i < 300; ++i) {
    int from = std::uniform_int_distribution(0, 8)(random);
    int to = std::uniform_int_distribution(from + 1, 9)(random);
    if (Result<int> seat = live.Allocate(Trip(from, to))) tickets.push_back({*seat, from, to});
  }
  ASSERT_GT(tickets.size(), 60u);
  // Refund a third, as the store would have recorded.
  std::vector<Ticket> kept;
  for (std::size_t i = 0; i < tickets.size(); ++i) {
    if (i % 3 == 0) {
      ASSERT_TRUE(live.Release(tickets[i].seat, tickets[i].from, tickets[i].to));
    } else {
      kept.push_back(tickets[i]);
    }
  }

  SeatInventory rebuilt = Make(40, 10);
  for (auto it = kept.rbegin(); it != kept.rend(); ++it) {  // order does not matter
    ASSERT_TRUE(rebuilt.Occupy(it->seat, it->from, it->to));
  }
  EXPECT_EQ(Masks(rebuilt), Masks(live));
  // Both know where each ticket begins and ends, so they agree on what comes next.
  for (int i = 0; i < 50; ++i) {
    int from = std::uniform_int_distribution(0, 8)(random);
    int to = std::uniform_int_distribution(from + 1, 9)(random);
    Result<int> a = live.Allocate(Trip(from, to));
    Result<int> b = rebuilt.Allocate(Trip(from, to));
    ASSERT_EQ(a.has_value(), b.has_value());
    if (a) {
      EXPECT_EQ(*a, *b);
    }
  }
  for (const Ticket& t : kept) {
    EXPECT_TRUE(rebuilt.Release(t.seat, t.from, t.to));
    EXPECT_FALSE(rebuilt.Release(t.seat, t.from, t.to));
  }

  const Ticket& some = kept.front();
  SeatInventory conflict = Make(40, 10);
  ASSERT_TRUE(conflict.Occupy(some.seat, some.from, some.to));
  ExpectError(conflict.Occupy(some.seat, some.from, some.to), ErrorCode::kFailedPrecondition,
              "seat " + std::to_string(some.seat) + " is taken on part of this trip", "seat");
  EXPECT_EQ(conflict.mask(some.seat), SegmentMask::Range(some.from, some.to));
}

TEST(SeatInventoryTest, BlocksASeatByOccupyingTheWholeRun) {
  SeatInventory inventory = Make(2, 10);
  ASSERT_TRUE(inventory.Occupy(1, 0, 9));  // crew seat
  EXPECT_EQ(Left(inventory, 0, 9), 1);
  EXPECT_EQ(Sell(inventory, Trip(0, 9)), 2);
  ExpectError(inventory.Allocate(Trip(0, 1)), ErrorCode::kFailedPrecondition,
              "no seat left from stop 0 to stop 1");
}

TEST(SeatInventoryTest, ChannelQuotaHoldsUntilItsReleaseTime) {
  const Instant release = kNow + minutes(60);
  SeatInventory inventory = Make(3, 10);
  ASSERT_TRUE(inventory.Reserve(1, Quota{.channel = kWindow, .release_at = release}));
  ASSERT_TRUE(inventory.Reserve(2, Quota{.channel = kWindow, .release_at = release}));

  EXPECT_EQ(Left(inventory, 0, 9, kMobile), 1);
  EXPECT_EQ(Left(inventory, 0, 9, kWindow), 3);
  EXPECT_EQ(Sell(inventory, Trip(0, 9, kMobile)), 3);
  ExpectError(inventory.Allocate(Trip(0, 9, kMobile)), ErrorCode::kFailedPrecondition,
              "no seat left from stop 0 to stop 9");
  ExpectError(inventory.Allocate(Chosen(1, 0, 9, kMobile)), ErrorCode::kFailedPrecondition,
              "seat 1 is reserved for another sales channel", "seat");
  EXPECT_EQ(Left(inventory, 0, 9, kMobile, release - minutes(1)), 0);
  EXPECT_EQ(Sell(inventory, Trip(0, 9, kWindow)), 1);

  // From the release time on, anyone.
  EXPECT_EQ(Left(inventory, 0, 9, kMobile, release), 1);
  EXPECT_EQ(Sell(inventory, Trip(0, 9, kMobile, release)), 2);
  EXPECT_EQ(Left(inventory, 0, 9, kWindow, release), 0);
}

TEST(SeatInventoryTest, AChannelUsesItsOwnQuotaFirst) {
  SeatInventory inventory = Make(4, 10);
  ASSERT_TRUE(inventory.Reserve(3, Quota{.channel = kPlatform, .release_at = kNow + minutes(5)}));
  ASSERT_TRUE(inventory.Occupy(1, 0, 4));                // seat 1 is the tightest fit for 5→9
  EXPECT_EQ(Sell(inventory, Trip(5, 9, kPlatform)), 3);  // its quota, not the shared seat 1
  EXPECT_EQ(Sell(inventory, Trip(5, 9, kWindow)), 1);
  // A released quota is no one's own: plain tightest fit again.
  ASSERT_TRUE(inventory.Reserve(4, Quota{.channel = kPlatform, .release_at = kNow}));
  EXPECT_EQ(Sell(inventory, Trip(0, 4, kPlatform)), 3);  // seat 3 is still its own
  EXPECT_EQ(Sell(inventory, Trip(0, 4, kPlatform)), 2);
}

TEST(SeatInventoryTest, BoardingStopQuotaKeepsSeatsForALaterStop) {
  const Instant release = kNow + minutes(30);
  SeatInventory inventory = Make(2, 10);
  ASSERT_TRUE(inventory.Reserve(2, Quota{.boarding_stop = 4, .release_at = release}));

  EXPECT_EQ(Sell(inventory, Trip(0, 9)), 1);
  ExpectError(inventory.Allocate(Trip(0, 2)), ErrorCode::kFailedPrecondition,
              "no seat left from stop 0 to stop 2");
  ExpectError(inventory.Allocate(Chosen(2, 3, 6)), ErrorCode::kFailedPrecondition,
              "seat 2 is reserved for passengers boarding at stop 4", "seat");
  EXPECT_EQ(Left(inventory, 3, 6), 0);
  EXPECT_EQ(Left(inventory, 4, 6), 1);  // any channel boarding at stop 4
  EXPECT_EQ(Sell(inventory, Trip(4, 6, kMobile)), 2);
  EXPECT_EQ(Left(inventory, 0, 4), 0);
  EXPECT_EQ(Left(inventory, 0, 4, kWindow, release), 1);
  EXPECT_EQ(Sell(inventory, Trip(0, 4, kWindow, release)), 2);
}

TEST(SeatInventoryTest, QuotaForAChannelAtAStopNeedsBoth) {
  SeatInventory inventory = Make(1, 10);
  ASSERT_TRUE(inventory.Reserve(
      1, Quota{.channel = kWindow, .boarding_stop = 2, .release_at = kNow + minutes(1)}));
  EXPECT_EQ(Left(inventory, 2, 5, kMobile), 0);
  EXPECT_EQ(Left(inventory, 1, 5, kWindow), 0);
  EXPECT_EQ(Left(inventory, 2, 5, kWindow), 1);
  EXPECT_FALSE(inventory.Allocate(Trip(1, 2, kWindow)));
  EXPECT_FALSE(inventory.Allocate(Trip(2, 3, kMobile)));
  EXPECT_EQ(Sell(inventory, Trip(2, 3, kWindow)), 1);
  EXPECT_EQ(Sell(inventory, Chosen(1, 0, 1, kMobile, kNow + minutes(1))), 1);
}

TEST(SeatInventoryTest, ReserveValidatesAndReplaces) {
  SeatInventory inventory = Make(40, 10);
  ExpectInvalid(inventory.Reserve(41, Quota{.channel = kWindow, .release_at = kNow}), "seat");
  ExpectInvalid(inventory.Reserve(1, Quota{.release_at = kNow}), "quota");
  ExpectError(inventory.Reserve(1, Quota{.boarding_stop = 9, .release_at = kNow}),
              ErrorCode::kInvalidArgument,
              "boarding stop 9 does not exist: passengers board at stop 0 to 8", "boarding_stop");
  ExpectInvalid(inventory.Reserve(1, Quota{.boarding_stop = -1, .release_at = kNow}),
                "boarding_stop");
  ExpectInvalid(inventory.Unreserve(0), "seat");
  EXPECT_FALSE(inventory.quota(1));

  const Instant later = kNow + minutes(10);
  ASSERT_TRUE(inventory.Reserve(1, Quota{.channel = kWindow, .release_at = later}));
  ASSERT_TRUE(inventory.Reserve(1, Quota{.boarding_stop = 3, .release_at = later}));
  std::optional<Quota> quota = inventory.quota(1);
  ASSERT_TRUE(quota);
  EXPECT_FALSE(quota->channel);
  EXPECT_EQ(quota->boarding_stop, 3);
  EXPECT_EQ(quota->release_at, later);
  EXPECT_EQ(Left(inventory, 0, 9, kWindow), 39);
  EXPECT_EQ(Left(inventory, 3, 9, kMobile), 40);

  ASSERT_TRUE(inventory.Unreserve(1));
  ASSERT_TRUE(inventory.Unreserve(1));  // nothing to remove is fine
  EXPECT_FALSE(inventory.quota(1));
  EXPECT_EQ(Left(inventory, 0, 9, kWindow), 40);
}

TEST(SeatInventoryTest, SeatsLeftIsExact) {
  SeatInventory inventory = Make(5, 6);
  EXPECT_EQ(Left(inventory, 0, 5), 5);
  ASSERT_TRUE(inventory.Occupy(1, 0, 2));
  ASSERT_TRUE(inventory.Occupy(2, 1, 3));
  ASSERT_TRUE(inventory.Occupy(3, 2, 5));
  ASSERT_TRUE(inventory.Occupy(4, 4, 5));
  // seat 1: ##... seat 2: .##.. seat 3: ..### seat 4: ....# seat 5: .....
  EXPECT_EQ(Left(inventory, 0, 1), 4);  // 2, 3, 4, 5
  EXPECT_EQ(Left(inventory, 0, 2), 3);  // 3, 4, 5
  EXPECT_EQ(Left(inventory, 1, 2), 3);  // 3, 4, 5
  EXPECT_EQ(Left(inventory, 2, 3), 3);  // 1, 4, 5
  EXPECT_EQ(Left(inventory, 3, 5), 3);  // 1, 2, 5
  EXPECT_EQ(Left(inventory, 4, 5), 3);  // 1, 2, 5
  EXPECT_EQ(Left(inventory, 0, 5), 1);  // 5
  ASSERT_TRUE(inventory.Reserve(5, Quota{.channel = kPlatform, .release_at = kNow + minutes(1)}));
  EXPECT_EQ(Left(inventory, 0, 5, kWindow), 0);
  EXPECT_EQ(Left(inventory, 0, 5, kPlatform), 1);
  EXPECT_EQ(Left(inventory, 4, 5, kWindow), 2);
}

// A slow, obviously right model of one run: occupied[seat][segment], the tickets sold, the
// quotas. Allocate must pick the seat the model picks, and never double-sell a segment.
class ReferenceRun {
 public:
  ReferenceRun(int seats, int stops)
      : segments_(stops - 1),
        occupied_(seats, std::vector<bool>(segments_, false)),
        quotas_(seats) {}

  bool Free(int seat, int from, int to) const {
    for (int s = from; s < to; ++s) {
      if (occupied_[seat - 1][s]) return false;
    }
    return true;
  }
  bool Active(int seat, Instant now) const {
    return quotas_[seat - 1] && now < quotas_[seat - 1]->release_at;
  }
  bool MatchesQuota(int seat, int from, ChannelId channel) const {
    const Quota& q = *quotas_[seat - 1];
    return (!q.channel || *q.channel == channel) && (!q.boarding_stop || *q.boarding_stop == from);
  }
  bool Eligible(int seat, const SeatRequest& r) const {
    return Free(seat, r.from, r.to) &&
           (!Active(seat, r.now) || MatchesQuota(seat, r.from, r.channel));
  }
  int Gap(int seat, int from, int to) const {
    int start = from, end = to;
    while (start > 0 && !occupied_[seat - 1][start - 1]) --start;
    while (end < segments_ && !occupied_[seat - 1][end]) ++end;
    return end - start;
  }
  // The seat Allocate must choose, or 0.
  int Choose(const SeatRequest& r) const {
    std::optional<std::tuple<bool, int, int>> best;
    for (int seat = 1; seat <= static_cast<int>(occupied_.size()); ++seat) {
      if (!Eligible(seat, r)) continue;
      bool own = Active(seat, r.now) && MatchesQuota(seat, r.from, r.channel);
      std::tuple<bool, int, int> key{!own, Gap(seat, r.from, r.to), seat};
      if (!best || key < *best) best = key;
    }
    return best ? std::get<2>(*best) : 0;
  }
  int Left(int from, int to, ChannelId channel, Instant now) const {
    SeatRequest r = Trip(from, to, channel, now);
    int left = 0;
    for (int seat = 1; seat <= static_cast<int>(occupied_.size()); ++seat)
      left += Eligible(seat, r);
    return left;
  }
  void Mark(int seat, int from, int to, bool value) {
    for (int s = from; s < to; ++s) {
      ASSERT_NE(occupied_[seat - 1][s], value) << "seat " << seat << " segment " << s;
      occupied_[seat - 1][s] = value;
    }
  }
  std::uint64_t Mask(int seat) const {
    std::uint64_t bits = 0;
    for (int s = 0; s < segments_; ++s) bits |= std::uint64_t{occupied_[seat - 1][s]} << s;
    return bits;
  }

  int segments_;
  std::vector<std::vector<bool>> occupied_;
  std::vector<std::optional<Quota>> quotas_;
  struct Ticket {
    int seat, from, to;
  };
  std::vector<Ticket> sold_;
};

TEST(SeatInventoryTest, RandomSalesAndRefundsAgreeWithAReferenceModel) {
  constexpr int kRuns = 6, kSeats = 40, kStops = 10, kOps = 5000;
  const ChannelId channels[] = {kWindow, kMobile, kPlatform};
  std::mt19937_64 random(20261122);
  auto uniform = [&random](int lo, int hi) {
    return std::uniform_int_distribution(lo, hi)(random);
  };
  int sold = 0, refused = 0, refunded = 0, bad_releases = 0;

  for (int run = 0; run < kRuns; ++run) {
    SCOPED_TRACE("run " + std::to_string(run));
    SeatInventory inventory = Make(kSeats, kStops);
    ReferenceRun model(kSeats, kStops);
    if (run % 2 == 1) {  // half the runs carry quotas, released at various times
      for (int i = 0; i < 8; ++i) {
        int seat = uniform(1, kSeats);
        Quota quota{.release_at = kNow + minutes(uniform(0, kOps))};
        if (uniform(0, 2) != 0) quota.channel = channels[uniform(0, 2)];
        if (!quota.channel || uniform(0, 1)) quota.boarding_stop = uniform(0, kStops - 2);
        ASSERT_TRUE(inventory.Reserve(seat, quota));
        model.quotas_[seat - 1] = quota;
      }
    }
    for (int op = 0; op < kOps; ++op) {
      const Instant now = kNow + minutes(op);
      const int kind = uniform(0, 9);
      if (kind < 6) {  // a sale, sometimes of a chosen seat
        int from = uniform(0, kStops - 2);
        SeatRequest request =
            Trip(from, uniform(from + 1, kStops - 1), channels[uniform(0, 2)], now);
        if (kind == 0) request.seat = uniform(1, kSeats);
        const int expected = request.seat
                                 ? (model.Eligible(*request.seat, request) ? *request.seat : 0)
                                 : model.Choose(request);
        Result<int> seat = inventory.Allocate(request);
        ASSERT_EQ(seat.value_or(0), expected)
            << "op " << op << ": " << request.from << "→" << request.to;
        if (seat) {
          ASSERT_NO_FATAL_FAILURE(model.Mark(*seat, request.from, request.to, true));
          model.sold_.push_back({*seat, request.from, request.to});
          ++sold;
        } else {
          ASSERT_EQ(seat.error().code, ErrorCode::kFailedPrecondition);
          ++refused;
        }
      } else if (kind < 8 && !model.sold_.empty()) {  // a refund
        std::size_t i = uniform(0, static_cast<int>(model.sold_.size()) - 1);
        ReferenceRun::Ticket ticket = model.sold_[i];
        ASSERT_TRUE(inventory.Release(ticket.seat, ticket.from, ticket.to)) << "op " << op;
        ASSERT_NO_FATAL_FAILURE(model.Mark(ticket.seat, ticket.from, ticket.to, false));
        model.sold_.erase(model.sold_.begin() + i);
        ++refunded;
      } else {  // a release of some range: allowed only if it is exactly one ticket sold
        int seat = uniform(1, kSeats), from = uniform(0, kStops - 2);
        int to = uniform(from + 1, kStops - 1);
        auto it = std::find_if(model.sold_.begin(), model.sold_.end(), [&](const auto& t) {
          return t.seat == seat && t.from == from && t.to == to;
        });
        Result<void> released = inventory.Release(seat, from, to);
        ASSERT_EQ(released.has_value(), it != model.sold_.end()) << "op " << op;
        if (released) {
          ASSERT_NO_FATAL_FAILURE(model.Mark(seat, from, to, false));
          model.sold_.erase(it);
        } else {
          ++bad_releases;
        }
      }
      // Availability agrees for a random trip and channel, and every mask agrees.
      int from = uniform(0, kStops - 2), to = uniform(from + 1, kStops - 1);
      ChannelId channel = channels[uniform(0, 2)];
      ASSERT_EQ(Left(inventory, from, to, channel, now), model.Left(from, to, channel, now))
          << "op " << op;
      if (op % 16 == 0) {
        for (int seat = 1; seat <= kSeats; ++seat) {
          ASSERT_EQ(inventory.mask(seat).bits(), model.Mask(seat))
              << "op " << op << " seat " << seat;
        }
      }
    }
  }
  // The mix really exercised every path.
  EXPECT_GT(sold, 5000);
  EXPECT_GT(refused, 1000);
  EXPECT_GT(refunded, 3000);
  EXPECT_GT(bad_releases, 1000);
}

}  // namespace
}  // namespace keyun::core
