#include "eticket/base45.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace keyun::eticket {
namespace {

std::string DecodeToString(std::string_view text) {
  Result<std::vector<std::uint8_t>> bytes = Base45Decode(text);
  EXPECT_TRUE(bytes.has_value()) << text << ": " << bytes.error().ToString();
  if (!bytes) return "<error>";
  return std::string(bytes->begin(), bytes->end());
}

// RFC 9285 §4.3 and §4.4.
TEST(Base45Test, EncodesTheRfcExamples) {
  EXPECT_EQ(Base45Encode(std::string_view("AB")), "BB8");
  EXPECT_EQ(Base45Encode(std::string_view("Hello!!")), "%69 VD92EX0");
  EXPECT_EQ(Base45Encode(std::string_view("base-45")), "UJCLQE7W581");
  EXPECT_EQ(Base45Encode(std::string_view("ietf!")), "QED8WEX0");
}

TEST(Base45Test, DecodesTheRfcExamples) {
  EXPECT_EQ(DecodeToString("BB8"), "AB");
  EXPECT_EQ(DecodeToString("%69 VD92EX0"), "Hello!!");
  EXPECT_EQ(DecodeToString("UJCLQE7W581"), "base-45");
  EXPECT_EQ(DecodeToString("QED8WEX0"), "ietf!");
}

TEST(Base45Test, EmptyInEmptyOut) {
  EXPECT_EQ(Base45Encode(std::string_view("")), "");
  EXPECT_EQ(DecodeToString(""), "");
}

TEST(Base45Test, ExtremeValues) {
  // 0xFFFF = 45² · 32 + 45 · 16 + 15 → "FGW"; 0x00 0x00 → "000"; 0xFF → "U5".
  EXPECT_EQ(Base45Encode(std::vector<std::uint8_t>{0xFF, 0xFF}), "FGW");
  EXPECT_EQ(Base45Encode(std::vector<std::uint8_t>{0x00, 0x00}), "000");
  EXPECT_EQ(Base45Encode(std::vector<std::uint8_t>{0xFF}), "U5");
  EXPECT_EQ(Base45Encode(std::vector<std::uint8_t>{0x00}), "00");
}

TEST(Base45Test, RoundTripsEveryByteAndEveryLength) {
  std::vector<std::uint8_t> bytes;
  for (int i = 0; i < 300; ++i) {
    const std::string text = Base45Encode(bytes);
    EXPECT_EQ(text.size(), Base45EncodedSize(bytes.size()));
    Result<std::vector<std::uint8_t>> back = Base45Decode(text);
    ASSERT_TRUE(back.has_value()) << back.error().ToString();
    EXPECT_EQ(*back, bytes);
    bytes.push_back(static_cast<std::uint8_t>(i * 7 + 3));
  }
}

TEST(Base45Test, RejectsCharactersOutsideTheAlphabet) {
  for (std::string_view bad : {"bb8", "BB#", "BB8\n", "\tBB", "BB8=", "BB\xC3\xA9"}) {
    Result<std::vector<std::uint8_t>> bytes = Base45Decode(bad);
    ASSERT_FALSE(bytes.has_value()) << bad;
    EXPECT_EQ(bytes.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(bytes.error().message.find("not a Base45 character"), std::string::npos)
        << bytes.error().message;
  }
}

TEST(Base45Test, RejectsALengthOneMoreThanAMultipleOfThree) {
  for (std::string_view bad : {"B", "BB8B", "%69 VD92EX0AB"}) {
    Result<std::vector<std::uint8_t>> bytes = Base45Decode(bad);
    ASSERT_FALSE(bytes.has_value()) << bad;
    EXPECT_NE(bytes.error().message.find("cut short"), std::string::npos);
  }
}

TEST(Base45Test, RejectsChunksThatOverflow) {
  // "GGW" = 16 + 16·45 + 32·2025 = 65536; ":::" = 44 + 44·45 + 44·2025 = 91124.
  for (std::string_view bad : {"GGW", ":::", "BB8:::"}) {
    Result<std::vector<std::uint8_t>> bytes = Base45Decode(bad);
    ASSERT_FALSE(bytes.has_value()) << bad;
    EXPECT_NE(bytes.error().message.find("exceeds 65535"), std::string::npos);
  }
  // A final pair: "V5" = 31 + 5·45 = 256; "::" = 44 + 44·45 = 2024.
  for (std::string_view bad : {"V5", "::", "BB8V5"}) {
    Result<std::vector<std::uint8_t>> bytes = Base45Decode(bad);
    ASSERT_FALSE(bytes.has_value()) << bad;
    EXPECT_NE(bytes.error().message.find("exceeds 255"), std::string::npos);
  }
  EXPECT_TRUE(Base45Decode("FGW").has_value());  // 65535 is the largest valid chunk
  EXPECT_TRUE(Base45Decode("U5").has_value());   // 255 the largest final pair
}

TEST(Base45Test, DecodesIntoACallerBufferAndRefusesOneTooSmall) {
  std::uint8_t buffer[7];
  Result<std::size_t> n = Base45Decode("%69 VD92EX0", buffer);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buffer), *n), "Hello!!");
  std::uint8_t small[6];
  EXPECT_FALSE(Base45Decode("%69 VD92EX0", small).has_value());
}

}  // namespace
}  // namespace keyun::eticket
