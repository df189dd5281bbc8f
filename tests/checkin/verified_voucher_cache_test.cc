#include "checkin/internal/verified_voucher_cache.h"

#include <gtest/gtest.h>

#include "gate_fixture.h"

namespace keyun::checkin::internal {
namespace {

eticket::VoucherPayload PayloadOf(std::int64_t ticket) {
  return testing::PayloadFor(testing::Adult(ticket));
}

TEST(VerifiedVoucherCacheTest, RemembersExactTextsAndEvictsTheOldestFirst) {
  VerifiedVoucherCache cache(2);
  EXPECT_EQ(cache.Find("KY1:A"), nullptr);
  cache.Insert("KY1:A", PayloadOf(1));
  cache.Insert("KY1:B", PayloadOf(2));
  ASSERT_NE(cache.Find("KY1:A"), nullptr);
  EXPECT_EQ(cache.Find("KY1:A")->ticket_number, testing::Ticket(1));
  EXPECT_EQ(cache.Find("KY1:A "), nullptr);  // byte for byte
  EXPECT_EQ(cache.Find("KY1:"), nullptr);

  cache.Insert("KY1:C", PayloadOf(3));  // A goes
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.Find("KY1:A"), nullptr);
  EXPECT_NE(cache.Find("KY1:B"), nullptr);
  cache.Insert("KY1:B", PayloadOf(9));  // known: unchanged, and no eviction
  EXPECT_EQ(cache.Find("KY1:B")->ticket_number, testing::Ticket(2));
  cache.Insert("KY1:D", PayloadOf(4));  // B goes
  EXPECT_EQ(cache.Find("KY1:B"), nullptr);
  EXPECT_NE(cache.Find("KY1:C"), nullptr);
  EXPECT_NE(cache.Find("KY1:D"), nullptr);
  cache.Insert("KY1:E", PayloadOf(5));  // C goes
  EXPECT_EQ(cache.Find("KY1:C"), nullptr);
  EXPECT_NE(cache.Find("KY1:E"), nullptr);

  cache.Clear();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.Find("KY1:D"), nullptr);
  cache.Insert("KY1:F", PayloadOf(6));
  EXPECT_NE(cache.Find("KY1:F"), nullptr);
}

TEST(VerifiedVoucherCacheTest, CapacityZeroCachesNothing) {
  VerifiedVoucherCache cache(0);
  cache.Insert("KY1:A", PayloadOf(1));
  EXPECT_EQ(cache.Find("KY1:A"), nullptr);
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace keyun::checkin::internal
