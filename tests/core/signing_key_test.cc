#include "core/signing_key.h"

#include <gtest/gtest.h>

namespace keyun::core {
namespace {

TEST(SigningKeyTest, SignatureVerifiesOnlyForTheSameMessageAndKey) {
  SigningKey key = SigningKey::Generate();
  std::string signature = key.SignHex("amount_fen=1200&order_id=O1");
  EXPECT_EQ(signature.size(), 128u);
  EXPECT_EQ(key.PublicKeyHex().size(), 64u);
  EXPECT_TRUE(VerifySignatureHex(key.PublicKeyHex(), "amount_fen=1200&order_id=O1", signature));

  auto altered = VerifySignatureHex(key.PublicKeyHex(), "amount_fen=1100&order_id=O1", signature);
  ASSERT_FALSE(altered);
  EXPECT_EQ(altered.error().code, ErrorCode::kFailedPrecondition);

  SigningKey other = SigningKey::Generate();
  EXPECT_NE(other.PublicKeyHex(), key.PublicKeyHex());
  EXPECT_FALSE(VerifySignatureHex(other.PublicKeyHex(), "amount_fen=1200&order_id=O1", signature));
}

TEST(SigningKeyTest, MalformedKeysAndSignaturesAreInvalidArguments) {
  SigningKey key = SigningKey::Generate();
  std::string signature = key.SignHex("m");
  EXPECT_EQ(VerifySignatureHex("abc", "m", signature).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(VerifySignatureHex(key.PublicKeyHex(), "m", signature.substr(2)).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(VerifySignatureHex(key.PublicKeyHex(), "m", std::string(128, 'z')).error().code,
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace keyun::core
