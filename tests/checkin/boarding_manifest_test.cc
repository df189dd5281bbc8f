#include "checkin/boarding_manifest.h"

#include <gtest/gtest.h>

#include "gate_fixture.h"

namespace keyun::checkin {
namespace {

using testing::Adult;
using testing::FreeChild;
using testing::Person;
using testing::Station;
using testing::Ticket;

Error BuildError(std::vector<ManifestTicket> tickets) {
  Result<BoardingManifest> manifest = BoardingManifest::Build(Station(), std::move(tickets));
  EXPECT_FALSE(manifest.has_value());
  return manifest ? Error{} : manifest.error();
}

TEST(BoardingManifestTest, FindsTicketsRunsAdultsAndPassengers) {
  ManifestTicket adult = Adult(1);
  adult.free_children = {Ticket(2)};
  ManifestTicket afternoon = Adult(3, testing::kAfternoonRun);
  afternoon.id_hash = Person(1);
  Result<BoardingManifest> m =
      BoardingManifest::Build(Station(), {adult, FreeChild(2), afternoon, Adult(4)});
  ASSERT_TRUE(m.has_value()) << m.error().ToString();
  EXPECT_EQ(m->size(), 4u);
  EXPECT_EQ(m->station(), Station());
  ASSERT_NE(m->Find(Ticket(1)), nullptr);
  EXPECT_EQ(*m->Find(Ticket(1)), adult);
  EXPECT_EQ(m->Find(Ticket(5)), nullptr);
  EXPECT_TRUE(m->HasRun(testing::Run()));
  EXPECT_TRUE(m->HasRun(testing::kAfternoonRun));
  EXPECT_FALSE(m->HasRun("370102001-20261122-K0399"));
  ASSERT_NE(m->AdultOf(Ticket(2)), nullptr);
  EXPECT_EQ(m->AdultOf(Ticket(2))->ticket_number, Ticket(1));
  EXPECT_EQ(m->AdultOf(Ticket(1)), nullptr);
  const std::vector<const ManifestTicket*> passenger = m->FindByIdHash(Person(1));
  ASSERT_EQ(passenger.size(), 2u);
  EXPECT_EQ(passenger[0]->ticket_number, Ticket(1));
  EXPECT_EQ(passenger[1]->ticket_number, Ticket(3));
  EXPECT_TRUE(m->FindByIdHash(Person(99)).empty());

  const BoardingManifest copy = *m;  // indexes are positions: a copy answers on its own
  EXPECT_EQ(copy.Find(Ticket(4))->ticket_number, Ticket(4));
  EXPECT_NE(copy.Find(Ticket(4)), m->Find(Ticket(4)));
}

TEST(BoardingManifestTest, RefusesTicketsBoardingElsewhere) {
  ManifestTicket elsewhere = Adult(1);
  elsewhere.boarding_station = Station(testing::kElsewhere);
  EXPECT_EQ(BuildError({Adult(2), elsewhere}).field, "tickets[1].boarding_station");
}

TEST(BoardingManifestTest, RefusesDuplicatesAndBadSeats) {
  EXPECT_EQ(BuildError({Adult(1), Adult(1)}).field, "tickets[1].ticket_number");
  ManifestTicket no_seat = Adult(1);
  no_seat.seat = 0;
  EXPECT_EQ(BuildError({no_seat}).field, "tickets[0].seat");
  ManifestTicket child_with_seat = FreeChild(1);
  child_with_seat.seat = 5;
  EXPECT_EQ(BuildError({child_with_seat}).field, "tickets[0].seat");
  ManifestTicket far_stop = Adult(1);
  far_stop.boarding_stop = 256;
  EXPECT_EQ(BuildError({far_stop}).field, "tickets[0].boarding_stop");
}

TEST(BoardingManifestTest, RefusesFreeChildrenThatBreakTheRules) {
  ManifestTicket adult = Adult(1);
  adult.free_children = {Ticket(2)};
  // Not in the manifest.
  EXPECT_EQ(BuildError({adult}).field, "tickets[0].free_children");
  // Not a free child's ticket.
  EXPECT_EQ(BuildError({adult, Adult(2)}).field, "tickets[0].free_children");
  // On another run.
  EXPECT_EQ(BuildError({adult, FreeChild(2, testing::kAfternoonRun)}).field,
            "tickets[0].free_children");
  // Attached to two adults.
  ManifestTicket other = Adult(3);
  other.free_children = {Ticket(2)};
  EXPECT_EQ(BuildError({adult, FreeChild(2), other}).field, "tickets[2].free_children");
  // A free child with free children.
  ManifestTicket child = FreeChild(2);
  child.free_children = {Ticket(4)};
  EXPECT_EQ(BuildError({child, FreeChild(4)}).field, "tickets[0].free_children");
}

TEST(BoardingManifestTest, StatusNames) {
  for (TicketStatus s : {TicketStatus::kActive, TicketStatus::kRefunded, TicketStatus::kChanged}) {
    EXPECT_EQ(ParseTicketStatus(TicketStatusName(s)), s);
  }
  EXPECT_EQ(TicketStatusName(TicketStatus::kRefunded), "refunded");
  EXPECT_FALSE(ParseTicketStatus("Refunded").has_value());
}

}  // namespace
}  // namespace keyun::checkin
