#include "eticket/key_id.h"

#include <gtest/gtest.h>

namespace keyun::eticket {
namespace {

TEST(KeyIdTest, MakeAndParse) {
  const core::ProvinceCode shandong = *core::ProvinceCode::Parse("37");
  EXPECT_EQ(MakeKeyId(shandong, SignatureAlgorithm::kEd25519, 1), "37-ed25519-0001");
  EXPECT_EQ(MakeKeyId(shandong, SignatureAlgorithm::kEd25519, 12345), "37-ed25519-12345");
  Result<KeyIdParts> parts = ParseKeyId("37-ed25519-0042");
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ(parts->province, shandong);
  EXPECT_EQ(parts->algorithm, SignatureAlgorithm::kEd25519);
  EXPECT_EQ(parts->serial, 42);
  EXPECT_TRUE(ParseKeyId("37-ed25519-12345").has_value());
  for (std::string_view bad :
       {"", "37", "37-ed25519", "37-ed25519-042", "37-ed25519-00042", "37-ed25519-0000",
        "99-ed25519-0001", "37-rsa-0001", "37-ED25519-0001", "37-ed25519-0001-", "37--0001"}) {
    Result<KeyIdParts> r = ParseKeyId(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(ParseKeyId("37-sm2-0001").error().code, ErrorCode::kFailedPrecondition);
}

TEST(KeyIdTest, MakeRefusesSerialsOutOfRange) {
  const core::ProvinceCode shandong = *core::ProvinceCode::Parse("37");
  EXPECT_THROW((void)MakeKeyId(shandong, SignatureAlgorithm::kEd25519, 0), std::out_of_range);
  EXPECT_EQ(MakeKeyId(shandong, SignatureAlgorithm::kEd25519, kMaxKeySerial),
            "37-ed25519-999999999");
}

}  // namespace
}  // namespace keyun::eticket
