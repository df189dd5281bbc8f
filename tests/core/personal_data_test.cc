#include "core/personal_data.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/id_document.h"

namespace keyun::core {
namespace {

TEST(MaskIdNumberTest, KeepsFirstAndLastFour) {
  EXPECT_EQ(MaskIdNumber("370102199003071234"), "3701**********1234");
  EXPECT_EQ(MaskIdNumber("11010519491231002X"), "1101**********002X");
  EXPECT_EQ(MaskIdNumber("USA110085061201"), "USA1*******1201");
  EXPECT_EQ(MaskIdNumber("123456789012"), "1234****9012");
}

TEST(MaskIdNumberTest, ShortNumbersKeepOnlyTheLastTwo) {
  EXPECT_EQ(MaskIdNumber("E12345678"), "*******78");
  EXPECT_EQ(MaskIdNumber("12345678901"), "*********01");
  EXPECT_EQ(MaskIdNumber("H12345678"), "*******78");
  EXPECT_EQ(MaskIdNumber("123"), "*23");
  EXPECT_EQ(MaskIdNumber("12"), "**");
  EXPECT_EQ(MaskIdNumber("1"), "*");
  EXPECT_EQ(MaskIdNumber(""), "");
}

TEST(MaskIdNumberTest, CountsCharactersNotBytes) {
  // Never splits a multi-byte character, even in input that should not contain one.
  EXPECT_EQ(MaskIdNumber("１２３４５６７８９０１２"), "１２３４****９０１２");
}

TEST(MaskNameTest, ChineseNames) {
  EXPECT_EQ(MaskName("张"), "*");
  EXPECT_EQ(MaskName("张三"), "张*");
  EXPECT_EQ(MaskName("张三丰"), "张*丰");
  EXPECT_EQ(MaskName("欧阳娜娜"), "欧**娜");
  EXPECT_EQ(MaskName("买买提·艾力"), "买****力");
  EXPECT_EQ(MaskName(" 张三 "), "张*");
  EXPECT_EQ(MaskName(""), "");
}

TEST(MaskNameTest, SupplementaryPlaneCharactersStayWhole) {
  // 𠮷 (U+20BB7) is four bytes in UTF-8.
  EXPECT_EQ(MaskName("𠮷野家"), "𠮷*家");
  EXPECT_EQ(MaskName("张𠮷"), "张*");
}

TEST(MaskNameTest, LatinNamesWordByWord) {
  EXPECT_EQ(MaskName("John Smith"), "J*** S****");
  EXPECT_EQ(MaskName("Anna Maria Lopez"), "A*** M**** L****");
  EXPECT_EQ(MaskName("Li"), "L*");
  EXPECT_EQ(MaskName("Bob"), "B*b");
}

TEST(MaskNameTest, InvalidUtf8BytesCountAsOneCharacterEach) {
  EXPECT_EQ(MaskName("\xFF\xFE\xFD"), "\xFF*\xFD");
}

TEST(MaskPhoneTest, Masks) {
  EXPECT_EQ(MaskPhone("13812345678"), "138****5678");
  EXPECT_EQ(MaskPhone("053112345678"), "053*****5678");
  EXPECT_EQ(MaskPhone("+8613812345678"), "+86*******5678");
  EXPECT_EQ(MaskPhone("82345678"), "****5678");  // landline without area code
  EXPECT_EQ(MaskPhone("1234567"), "***4567");
  EXPECT_EQ(MaskPhone("12345"), "***45");
  EXPECT_EQ(MaskPhone("12"), "**");
  EXPECT_EQ(MaskPhone(""), "");
}

std::array<std::uint8_t, 32> KeyOf(std::uint8_t fill) {
  std::array<std::uint8_t, 32> key{};
  key.fill(fill);
  return key;
}

TEST(KeyedHasherTest, MatchesBlake2bTestVector) {
  // Keyed BLAKE2b-256 of "abc" under the key 0x00..0x1f, computed independently with python3's
  // own BLAKE2 implementation:
  //   hashlib.blake2b(b"abc", key=bytes(range(32)), digest_size=32).hexdigest()
  std::array<std::uint8_t, 32> key{};
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(i);
  KeyedHasher hasher(key);
  EXPECT_EQ(hasher.Hash("abc"), "d63a32d3e44738d7907f964316c241adaba0abfeabc32349677578a15a203f7f");
}

TEST(KeyedHasherTest, SameInputSameHashDifferentKeyDifferentHash) {
  KeyedHasher a(KeyOf(1));
  KeyedHasher b(KeyOf(2));
  const std::string h = a.Hash("resident_id:11010519491231002X");
  EXPECT_EQ(h.size(), 64u);
  EXPECT_EQ(h.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(h, a.Hash("resident_id:11010519491231002X"));
  EXPECT_NE(h, b.Hash("resident_id:11010519491231002X"));
  EXPECT_NE(h, a.Hash("resident_id:110105194912310021"));
  KeyedHasher copy = a;
  EXPECT_EQ(copy.Hash("x"), a.Hash("x"));
}

TEST(KeyedHasherTest, HashIdDocumentIncludesTheType) {
  const LocalDate today = *LocalDate::Parse("2026-11-22");
  KeyedHasher hasher(KeyOf(7));
  const IdDocument resident = *IdDocument::Parse(IdType::kResidentId, "11010519491231002x", today);
  const IdDocument same = *IdDocument::Parse(IdType::kResidentId, " 11010519491231002X", today);
  const IdDocument household =
      *IdDocument::Parse(IdType::kHouseholdRegister, "11010519491231002X", today);
  EXPECT_EQ(hasher.HashIdDocument(resident), hasher.Hash("resident_id:11010519491231002X"));
  EXPECT_EQ(hasher.HashIdDocument(resident), hasher.HashIdDocument(same));
  EXPECT_NE(hasher.HashIdDocument(resident), hasher.HashIdDocument(household));
}

TEST(KeyedHasherTest, GeneratedKeysDiffer) {
  std::set<std::array<std::uint8_t, 32>> keys;
  for (int i = 0; i < 8; ++i) keys.insert(KeyedHasher::GenerateKey());
  EXPECT_EQ(keys.size(), 8u);
}

}  // namespace
}  // namespace keyun::core
