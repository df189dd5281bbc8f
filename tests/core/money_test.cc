#include "core/money.h"

#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>

namespace keyun::core {
namespace {

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

Money Parsed(std::string_view text) {
  Result<Money> m = Money::Parse(text);
  EXPECT_TRUE(m) << text << ": " << m.error().ToString();
  return m.value_or(Money());
}

void ExpectInvalid(std::string_view text, std::string_view needle) {
  Result<Money> m = Money::Parse(text);
  ASSERT_FALSE(m) << text << " parsed as " << m->fen();
  EXPECT_EQ(m.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(m.error().message.find(needle), std::string::npos) << text << ": " << m.error().message;
}

TEST(MoneyTest, Construction) {
  EXPECT_EQ(Money().fen(), 0);
  EXPECT_EQ(Money::Zero().fen(), 0);
  EXPECT_EQ(Money::Fen(1250).fen(), 1250);
  EXPECT_EQ(Money::Yuan(48).fen(), 4800);
  EXPECT_EQ(Money::Yuan(-3).fen(), -300);
  static_assert(Money::Fen(5).fen() == 5);
  EXPECT_THROW((void)Money::Yuan(kMax / 100 + 1), std::overflow_error);
  EXPECT_EQ(Money::Yuan(kMax / 100).fen(), kMax / 100 * 100);
}

TEST(MoneyTest, ParsesYuanAmounts) {
  EXPECT_EQ(Parsed("12").fen(), 1200);
  EXPECT_EQ(Parsed("12.5").fen(), 1250);
  EXPECT_EQ(Parsed("12.50").fen(), 1250);
  EXPECT_EQ(Parsed("12.05").fen(), 1205);
  EXPECT_EQ(Parsed("0.05").fen(), 5);
  EXPECT_EQ(Parsed("0").fen(), 0);
  EXPECT_EQ(Parsed("-3.00").fen(), -300);
  EXPECT_EQ(Parsed("-0.5").fen(), -50);
  EXPECT_EQ(Parsed("-0.00").fen(), 0);
  EXPECT_EQ(Parsed("+1").fen(), 100);
  EXPECT_EQ(Parsed("007.10").fen(), 710);
}

TEST(MoneyTest, ParsesTheExtremes) {
  EXPECT_EQ(Parsed("92233720368547758.07").fen(), kMax);
  EXPECT_EQ(Parsed("-92233720368547758.08").fen(), kMin);
}

TEST(MoneyTest, RejectsJunkAndOverflow) {
  ExpectInvalid("", "empty");
  ExpectInvalid("-", "no digits");
  ExpectInvalid("1.005", "more than two decimals");
  ExpectInvalid("1.000", "more than two decimals");
  ExpectInvalid("12.", "no digits after the decimal point");
  ExpectInvalid(".5", "no digits before the decimal point");
  ExpectInvalid("-.5", "no digits before the decimal point");
  ExpectInvalid("1,000.00", "unexpected character ','");
  ExpectInvalid("12a", "unexpected character 'a'");
  ExpectInvalid("abc", "unexpected character 'a'");
  ExpectInvalid("1e3", "unexpected character 'e'");
  ExpectInvalid(" 12", "space");
  ExpectInvalid("12 ", "space");
  ExpectInvalid("--1", "unexpected character '-'");
  ExpectInvalid("1.2.3", "unexpected character '.'");
  ExpectInvalid("¥12", "non-ASCII");
  ExpectInvalid("１２", "non-ASCII");
  ExpectInvalid("92233720368547758.08", "too large");
  ExpectInvalid("-92233720368547758.09", "too large");
  ExpectInvalid("99999999999999999999999999", "too large");
}

TEST(MoneyTest, FormatsWithTwoDecimals) {
  EXPECT_EQ(Money::Fen(1250).ToString(), "12.50");
  EXPECT_EQ(Money::Fen(5).ToString(), "0.05");
  EXPECT_EQ(Money::Fen(0).ToString(), "0.00");
  EXPECT_EQ(Money::Fen(-50).ToString(), "-0.50");
  EXPECT_EQ(Money::Fen(-1).ToString(), "-0.01");
  EXPECT_EQ(Money::Fen(-300).ToString(), "-3.00");
  EXPECT_EQ(Money::Fen(kMax).ToString(), "92233720368547758.07");
  EXPECT_EQ(Money::Fen(kMin).ToString(), "-92233720368547758.08");
  EXPECT_EQ(Money::Fen(1250).ToYuanDisplay(), "¥12.50");
  EXPECT_EQ(Money::Fen(-50).ToYuanDisplay(), "-¥0.50");
  EXPECT_EQ(Money::Fen(0).ToYuanDisplay(), "¥0.00");
}

TEST(MoneyTest, ParseAndToStringRoundTrip) {
  const std::int64_t kAmounts[] = {0,  1,   9,      10,           99,   100,  101,      1250,
                                   -1, -50, -12345, 123456789012, kMax, kMin, kMax - 1, kMin + 1};
  for (std::int64_t fen : kAmounts) {
    const Money m = Money::Fen(fen);
    EXPECT_EQ(Parsed(m.ToString()), m) << fen;
  }
}

TEST(MoneyTest, Arithmetic) {
  const Money a = Money::Fen(1250);
  const Money b = Money::Fen(300);
  EXPECT_EQ((a + b).fen(), 1550);
  EXPECT_EQ((a - b).fen(), 950);
  EXPECT_EQ((b - a).fen(), -950);
  EXPECT_EQ((-a).fen(), -1250);
  EXPECT_EQ((a * 3).fen(), 3750);
  EXPECT_EQ((3 * a).fen(), 3750);
  EXPECT_EQ((a * -2).fen(), -2500);
  Money c = a;
  c += b;
  c -= Money::Fen(50);
  c *= 2;
  EXPECT_EQ(c.fen(), 3000);
}

TEST(MoneyTest, Comparisons) {
  EXPECT_LT(Money::Fen(-1), Money::Fen(0));
  EXPECT_GT(Money::Yuan(1), Money::Fen(99));
  EXPECT_EQ(Money::Yuan(1), Money::Fen(100));
  EXPECT_NE(Money::Yuan(1), Money::Fen(101));
  EXPECT_EQ(std::max(Money::Fen(30), Money::Fen(50)), Money::Fen(50));
}

TEST(MoneyTest, OperatorsThrowOnOverflowAndLeaveTheValueUnchanged) {
  Money big = Money::Fen(kMax);
  EXPECT_THROW(big += Money::Fen(1), std::overflow_error);
  EXPECT_EQ(big.fen(), kMax);
  EXPECT_THROW((void)(Money::Fen(kMin) - Money::Fen(1)), std::overflow_error);
  EXPECT_THROW((void)(Money::Fen(kMax / 2 + 1) * 2), std::overflow_error);
  EXPECT_THROW((void)(-Money::Fen(kMin)), std::overflow_error);
  EXPECT_EQ((-Money::Fen(kMax)).fen(), -kMax);
}

TEST(MoneyTest, CheckedArithmeticReportsOverflow) {
  EXPECT_EQ(Money::CheckedAdd(Money::Fen(1), Money::Fen(2))->fen(), 3);
  EXPECT_EQ(Money::CheckedSub(Money::Fen(1), Money::Fen(2))->fen(), -1);
  EXPECT_EQ(Money::CheckedMul(Money::Fen(7), 6)->fen(), 42);
  EXPECT_FALSE(Money::CheckedAdd(Money::Fen(kMax), Money::Fen(1)));
  EXPECT_FALSE(Money::CheckedSub(Money::Fen(kMin), Money::Fen(1)));
  EXPECT_FALSE(Money::CheckedMul(Money::Fen(kMax), 2));
  EXPECT_EQ(Money::CheckedMul(Money::Fen(kMax), 2).error().code, ErrorCode::kInvalidArgument);
}

// 10 % (1000 bp) of amounts ending exactly on and around a half, in each mode.
TEST(MoneyTest, PercentOfRoundsToTheFen) {
  // 10 % of 12.35 = 1.235 yuan = 123.5 fen: the half.
  EXPECT_EQ(Money::Fen(1235).PercentOf(1000, Rounding::kHalfUp).fen(), 124);
  EXPECT_EQ(Money::Fen(1235).PercentOf(1000, Rounding::kDown).fen(), 123);
  EXPECT_EQ(Money::Fen(1235).PercentOf(1000, Rounding::kUp).fen(), 124);
  // Just below the half: 123.4 fen.
  EXPECT_EQ(Money::Fen(1234).PercentOf(1000, Rounding::kHalfUp).fen(), 123);
  EXPECT_EQ(Money::Fen(1234).PercentOf(1000, Rounding::kDown).fen(), 123);
  EXPECT_EQ(Money::Fen(1234).PercentOf(1000, Rounding::kUp).fen(), 124);
  // Just above: 123.6 fen.
  EXPECT_EQ(Money::Fen(1236).PercentOf(1000, Rounding::kHalfUp).fen(), 124);
  EXPECT_EQ(Money::Fen(1236).PercentOf(1000, Rounding::kDown).fen(), 123);
  // Exact: no rounding in any mode.
  EXPECT_EQ(Money::Fen(1230).PercentOf(1000, Rounding::kUp).fen(), 123);
  EXPECT_EQ(Money::Fen(1230).PercentOf(1000, Rounding::kDown).fen(), 123);
  // 0.01 % of 50 fen = 0.005 fen: half-up gives 0, up gives 1.
  EXPECT_EQ(Money::Fen(50).PercentOf(1, Rounding::kHalfUp).fen(), 0);
  EXPECT_EQ(Money::Fen(5000).PercentOf(1, Rounding::kHalfUp).fen(), 1);  // 0.5 fen
  EXPECT_EQ(Money::Fen(50).PercentOf(1, Rounding::kUp).fen(), 1);
}

TEST(MoneyTest, PercentOfIsSymmetricForNegativeAmounts) {
  EXPECT_EQ(Money::Fen(-1235).PercentOf(1000, Rounding::kHalfUp).fen(), -124);
  EXPECT_EQ(Money::Fen(-1235).PercentOf(1000, Rounding::kDown).fen(), -123);
  EXPECT_EQ(Money::Fen(-1235).PercentOf(1000, Rounding::kUp).fen(), -124);
  EXPECT_EQ(Money::Fen(-1234).PercentOf(1000, Rounding::kHalfUp).fen(), -123);
  EXPECT_EQ(Money::Fen(1235).PercentOf(-1000, Rounding::kHalfUp).fen(), -124);
  EXPECT_EQ(Money::Fen(-1250).PercentOf(1000, Rounding::kToJiao).fen(), -130);
}

TEST(MoneyTest, PercentOfRoundsToJiaoHalfYuanAndYuan) {
  // 10 % of 12.50 = 1.25 yuan: the half jiao goes up.
  EXPECT_EQ(Money::Fen(1250).PercentOf(1000, Rounding::kToJiao).fen(), 130);
  EXPECT_EQ(Money::Fen(1240).PercentOf(1000, Rounding::kToJiao).fen(), 120);      // 1.24
  EXPECT_EQ(Money::Fen(1249).PercentOf(1000, Rounding::kToJiao).fen(), 120);      // 1.249
  EXPECT_EQ(Money::Fen(1150).PercentOf(1000, Rounding::kToYuan).fen(), 100);      // 1.15
  EXPECT_EQ(Money::Fen(1500).PercentOf(1000, Rounding::kToYuan).fen(), 200);      // 1.50
  EXPECT_EQ(Money::Fen(1490).PercentOf(1000, Rounding::kToYuan).fen(), 100);      // 1.49
  EXPECT_EQ(Money::Fen(1240).PercentOf(1000, Rounding::kToHalfYuan).fen(), 100);  // 1.24
  EXPECT_EQ(Money::Fen(1250).PercentOf(1000, Rounding::kToHalfYuan).fen(), 150);  // 1.25
  EXPECT_EQ(Money::Fen(1740).PercentOf(1000, Rounding::kToHalfYuan).fen(), 150);  // 1.74
  EXPECT_EQ(Money::Fen(1750).PercentOf(1000, Rounding::kToHalfYuan).fen(), 200);  // 1.75
}

TEST(MoneyTest, RefundFeeExample) {
  // DESIGN.md §3: 10 % refund fee, at least ¥0.50. A ¥3.00 fare: 0.30 → 0.50.
  const Money fee = std::max(Money::Yuan(3).PercentOf(1000, Rounding::kToJiao), Money::Fen(50));
  EXPECT_EQ(fee.ToString(), "0.50");
  // A ¥48.60 fare, 20 % within 2 h: 9.72 → 9.70 to the jiao.
  EXPECT_EQ(Parsed("48.60").PercentOf(2000, Rounding::kToJiao).ToString(), "9.70");
}

TEST(MoneyTest, PercentOfIsExactForLargeAmounts) {
  // The product exceeds int64 but the result fits: computed in 128 bits.
  EXPECT_EQ(Money::Fen(kMax).PercentOf(10000, Rounding::kDown).fen(), kMax);
  EXPECT_EQ(Money::Fen(kMax).PercentOf(5000, Rounding::kDown).fen(), kMax / 2);
  EXPECT_THROW((void)Money::Fen(kMax).PercentOf(20000, Rounding::kDown), std::overflow_error);
}

TEST(MoneyTest, Rounded) {
  EXPECT_EQ(Money::Fen(1234).Rounded(Rounding::kToJiao).fen(), 1230);
  EXPECT_EQ(Money::Fen(1235).Rounded(Rounding::kToJiao).fen(), 1240);
  EXPECT_EQ(Money::Fen(1250).Rounded(Rounding::kToYuan).fen(), 1300);
  EXPECT_EQ(Money::Fen(-1250).Rounded(Rounding::kToYuan).fen(), -1300);
  EXPECT_EQ(Money::Fen(1234).Rounded(Rounding::kHalfUp).fen(), 1234);
}

}  // namespace
}  // namespace keyun::core
