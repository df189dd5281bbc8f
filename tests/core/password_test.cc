#include "core/password.h"

#include <gtest/gtest.h>

#include <string>

namespace keyun::core {
namespace {

TEST(PasswordTest, HashThenVerify) {
  Result<std::string> hash =
      HashPassword("correct horse battery staple", PasswordCost::kFastForTests);
  ASSERT_TRUE(hash) << hash.error().ToString();
  EXPECT_TRUE(hash->starts_with("$argon2id$")) << *hash;
  EXPECT_TRUE(VerifyPassword(*hash, "correct horse battery staple"));
  EXPECT_FALSE(VerifyPassword(*hash, "correct horse battery stapl"));
  EXPECT_FALSE(VerifyPassword(*hash, ""));
}

TEST(PasswordTest, SaltsEveryHash) {
  Result<std::string> a = HashPassword("same", PasswordCost::kFastForTests);
  Result<std::string> b = HashPassword("same", PasswordCost::kFastForTests);
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(VerifyPassword(*a, "same"));
  EXPECT_TRUE(VerifyPassword(*b, "same"));
}

TEST(PasswordTest, NonAsciiPasswords) {
  Result<std::string> hash = HashPassword("密码123", PasswordCost::kFastForTests);
  ASSERT_TRUE(hash);
  EXPECT_TRUE(VerifyPassword(*hash, "密码123"));
  EXPECT_FALSE(VerifyPassword(*hash, "密码124"));
}

TEST(PasswordTest, InteractiveCostHashesVerifyAndNeedNoRehash) {
  Result<std::string> hash = HashPassword("s3cret!", PasswordCost::kInteractive);
  ASSERT_TRUE(hash);
  EXPECT_TRUE(VerifyPassword(*hash, "s3cret!"));
  EXPECT_FALSE(PasswordNeedsRehash(*hash, PasswordCost::kInteractive));
  EXPECT_TRUE(PasswordNeedsRehash(*hash, PasswordCost::kFastForTests));
}

TEST(PasswordTest, FastHashesNeedRehashForProduction) {
  Result<std::string> hash = HashPassword("pw", PasswordCost::kFastForTests);
  ASSERT_TRUE(hash);
  EXPECT_TRUE(PasswordNeedsRehash(*hash));
  EXPECT_FALSE(PasswordNeedsRehash(*hash, PasswordCost::kFastForTests));
}

TEST(PasswordTest, RejectsEmptyAndHugePasswords) {
  Result<std::string> empty = HashPassword("", PasswordCost::kFastForTests);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(empty.error().field, "password");
  EXPECT_FALSE(HashPassword(std::string(4097, 'a'), PasswordCost::kFastForTests));
  EXPECT_TRUE(HashPassword(std::string(4096, 'a'), PasswordCost::kFastForTests));
}

TEST(PasswordTest, MalformedHashesNeverVerify) {
  EXPECT_FALSE(VerifyPassword("", "pw"));
  EXPECT_FALSE(VerifyPassword("not a hash", "pw"));
  EXPECT_FALSE(VerifyPassword(std::string(200, '$'), "pw"));
  EXPECT_FALSE(VerifyPassword(std::string("$argon2id$\0junk", 15), "pw"));
  EXPECT_TRUE(PasswordNeedsRehash("not a hash"));
}

}  // namespace
}  // namespace keyun::core
