#include "checkin/revocation_list.h"

#include <gtest/gtest.h>

#include "gate_fixture.h"

namespace keyun::checkin {
namespace {

using testing::Ticket;

Revocation Revoke(std::int64_t sequence, std::int64_t ticket,
                  RevocationReason reason = RevocationReason::kRefunded) {
  return Revocation{.sequence = sequence, .ticket_number = Ticket(ticket), .reason = reason};
}

TEST(RevocationListTest, AppliesIncrementallyAndIdempotently) {
  RevocationList list;
  EXPECT_EQ(list.sequence(), 0);
  EXPECT_EQ(list.Apply(std::vector{Revoke(1, 10), Revoke(2, 11, RevocationReason::kChanged)}), 2u);
  EXPECT_EQ(list.Find(Ticket(10)), RevocationReason::kRefunded);
  EXPECT_EQ(list.Find(Ticket(11)), RevocationReason::kChanged);
  EXPECT_EQ(list.Find(Ticket(12)), std::nullopt);
  // The same batch again, then an overlapping one.
  EXPECT_EQ(list.Apply(std::vector{Revoke(1, 10), Revoke(2, 11)}), 0u);
  EXPECT_EQ(list.Apply(std::vector{Revoke(2, 11), Revoke(7, 12)}), 1u);
  EXPECT_EQ(list.sequence(), 7);
  EXPECT_EQ(list.size(), 3u);
  EXPECT_EQ(list.Apply({}), 0u);
}

TEST(RevocationListTest, AFirstReasonStays) {
  RevocationList list;
  ASSERT_TRUE(list.Apply(std::vector{Revoke(1, 10, RevocationReason::kChanged),
                                     Revoke(2, 10, RevocationReason::kRefunded)})
                  .has_value());
  EXPECT_EQ(list.Find(Ticket(10)), RevocationReason::kChanged);
}

TEST(RevocationListTest, RefusesABatchOutOfOrderWhole) {
  RevocationList list;
  for (const auto& batch :
       {std::vector{Revoke(2, 10), Revoke(2, 11)}, std::vector{Revoke(3, 10), Revoke(1, 11)},
        std::vector{Revoke(0, 10)}, std::vector{Revoke(-4, 10)}}) {
    Result<std::size_t> applied = list.Apply(batch);
    ASSERT_FALSE(applied.has_value());
    EXPECT_EQ(applied.error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_EQ(list.size(), 0u);
  EXPECT_EQ(list.sequence(), 0);
}

TEST(RevocationListTest, ReasonNames) {
  EXPECT_EQ(RevocationReasonName(RevocationReason::kChanged), "changed");
  EXPECT_EQ(ParseRevocationReason("refunded"), RevocationReason::kRefunded);
  EXPECT_FALSE(ParseRevocationReason("lost").has_value());
}

}  // namespace
}  // namespace keyun::checkin
