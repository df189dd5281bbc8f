#include "core/secret_box.h"

#include <gtest/gtest.h>

namespace keyun::core {
namespace {

TEST(SecretBox, SealsAndOpensWithFreshNonces) {
  auto key = SecretBox::GenerateKey();
  SecretBox box(key);
  std::string a = box.Seal("11010519491231002X");
  std::string b = box.Seal("11010519491231002X");
  EXPECT_NE(a, b);  // a random nonce per seal: equal numbers do not seal equal
  EXPECT_EQ(a.find("11010519491231002X"), std::string::npos);
  ASSERT_TRUE(box.Open(a));
  EXPECT_EQ(*box.Open(a), "11010519491231002X");
  EXPECT_EQ(*box.Open(b), "11010519491231002X");
}

TEST(SecretBox, RefusesAlteredForeignAndMalformedInput) {
  SecretBox box(SecretBox::GenerateKey());
  SecretBox other(SecretBox::GenerateKey());
  std::string sealed = box.Seal("E12345678");
  for (std::size_t i = 0; i < sealed.size(); i += 7) {
    std::string altered = sealed;
    altered[i] = altered[i] == '0' ? '1' : '0';
    EXPECT_FALSE(box.Open(altered)) << "position " << i;
  }
  EXPECT_FALSE(other.Open(sealed));
  EXPECT_FALSE(box.Open(""));
  EXPECT_FALSE(box.Open("zz"));
  EXPECT_FALSE(box.Open(sealed.substr(0, 40)));
  EXPECT_FALSE(box.Open(sealed + "0"));
}

}  // namespace
}  // namespace keyun::core
