#include "core/money.h"

#include <fmt/format.h>

#include <limits>
#include <stdexcept>

namespace keyun::core {
namespace {

using Int128 = __int128;

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

// The multiple of fen a rounding mode rounds to, and whether halves go away from zero.
struct Step {
  std::int64_t unit;
  enum { kHalfAway, kTowardZero, kAwayFromZero } mode;
};

Step StepOf(Rounding rounding) {
  switch (rounding) {
    case Rounding::kHalfUp:
      return {1, Step::kHalfAway};
    case Rounding::kDown:
      return {1, Step::kTowardZero};
    case Rounding::kUp:
      return {1, Step::kAwayFromZero};
    case Rounding::kToJiao:
      return {10, Step::kHalfAway};
    case Rounding::kToYuan:
      return {100, Step::kHalfAway};
    case Rounding::kToHalfYuan:
      return {50, Step::kHalfAway};
  }
  throw std::invalid_argument("unknown Rounding");
}

// numerator / denominator (denominator > 0) rounded to an integer as `mode` says.
Int128 DivideRounded(Int128 numerator, Int128 denominator, decltype(Step::mode) mode) {
  Int128 quotient = numerator / denominator;  // truncated toward zero
  const Int128 remainder = numerator % denominator;
  if (remainder == 0) return quotient;
  const Int128 away = numerator < 0 ? -1 : 1;
  const Int128 magnitude = remainder < 0 ? -remainder : remainder;
  switch (mode) {
    case Step::kTowardZero:
      break;
    case Step::kAwayFromZero:
      quotient += away;
      break;
    case Step::kHalfAway:
      if (2 * magnitude >= denominator) quotient += away;
      break;
  }
  return quotient;
}

std::int64_t NarrowOrThrow(Int128 value, const char* what) {
  if (value > kMax || value < kMin) {
    throw std::overflow_error(fmt::format("money overflow in {}", what));
  }
  return static_cast<std::int64_t>(value);
}

std::string DescribeUnexpected(char c) {
  if (static_cast<unsigned char>(c) >= 0x80) {
    return "it contains a non-ASCII character (use half-width digits, no currency sign)";
  }
  if (c == ' ' || c == '\t') return "it contains a space";
  return fmt::format("unexpected character '{}'", c);
}

}  // namespace

Money Money::Yuan(std::int64_t yuan) {
  return Money(NarrowOrThrow(static_cast<Int128>(yuan) * 100, "Money::Yuan"));
}

Result<Money> Money::Parse(std::string_view text) {
  const auto bad = [text](std::string_view why) {
    return InvalidArgument(
        fmt::format("\"{}\" is not an amount of money: {}; write yuan with at most two decimals, "
                    "e.g. 12, 12.5 or 12.50",
                    text, why));
  };
  if (text.empty()) return bad("it is empty");
  std::size_t pos = 0;
  bool negative = false;
  if (text[0] == '-' || text[0] == '+') {
    negative = text[0] == '-';
    ++pos;
  }
  // Magnitude in fen; at most 2^63 (INT64_MIN's magnitude) is representable.
  Int128 fen = 0;
  constexpr Int128 kLimit = static_cast<Int128>(kMax) + 1;
  std::size_t integer_digits = 0;
  for (; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos, ++integer_digits) {
    fen = fen * 10 + (text[pos] - '0');
    if (fen * 100 > kLimit) return bad("it is too large");
  }
  if (integer_digits == 0) {
    if (pos == text.size()) return bad("it has no digits");
    if (text[pos] == '.') return bad("it has no digits before the decimal point");
    return bad(DescribeUnexpected(text[pos]));
  }
  fen *= 100;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t decimals = 0;
    Int128 fraction = 0;
    for (; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos, ++decimals) {
      fraction = fraction * 10 + (text[pos] - '0');
    }
    if (decimals == 0) return bad("it has no digits after the decimal point");
    if (decimals > 2) return bad("it has more than two decimals (the smallest unit is 0.01 yuan)");
    fen += decimals == 1 ? fraction * 10 : fraction;
  }
  if (pos != text.size()) {
    return bad(DescribeUnexpected(text[pos]));
  }
  if (negative) fen = -fen;
  if (fen > kMax || fen < kMin) return bad("it is too large");
  return Money(static_cast<std::int64_t>(fen));
}

std::string Money::ToString() const {
  // Magnitude as unsigned so INT64_MIN is formatted correctly.
  const std::uint64_t magnitude = fen_ < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(fen_)
                                           : static_cast<std::uint64_t>(fen_);
  return fmt::format("{}{}.{:02d}", fen_ < 0 ? "-" : "", magnitude / 100, magnitude % 100);
}

std::string Money::ToYuanDisplay() const {
  std::string plain = ToString();
  if (fen_ < 0) return "-¥" + plain.substr(1);
  return "¥" + plain;
}

Money Money::PercentOf(int basis_points, Rounding rounding) const {
  const Step step = StepOf(rounding);
  const Int128 numerator = static_cast<Int128>(fen_) * basis_points;
  const Int128 units = DivideRounded(numerator, Int128{10'000} * step.unit, step.mode);
  return Money(NarrowOrThrow(units * step.unit, "Money::PercentOf"));
}

Money Money::Rounded(Rounding rounding) const { return PercentOf(10'000, rounding); }

Result<Money> Money::CheckedAdd(Money a, Money b) {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a.fen_, b.fen_, &sum)) {
    return InvalidArgument("amount too large: the sum overflows");
  }
  return Money(sum);
}

Result<Money> Money::CheckedSub(Money a, Money b) {
  std::int64_t difference = 0;
  if (__builtin_sub_overflow(a.fen_, b.fen_, &difference)) {
    return InvalidArgument("amount too large: the difference overflows");
  }
  return Money(difference);
}

Result<Money> Money::CheckedMul(Money a, std::int64_t factor) {
  std::int64_t product = 0;
  if (__builtin_mul_overflow(a.fen_, factor, &product)) {
    return InvalidArgument("amount too large: the product overflows");
  }
  return Money(product);
}

Money& Money::operator+=(Money other) {
  // Into a temporary, so *this is unchanged when it throws.
  std::int64_t sum = 0;
  if (__builtin_add_overflow(fen_, other.fen_, &sum)) {
    throw std::overflow_error("money overflow in +");
  }
  fen_ = sum;
  return *this;
}

Money& Money::operator-=(Money other) {
  std::int64_t difference = 0;
  if (__builtin_sub_overflow(fen_, other.fen_, &difference)) {
    throw std::overflow_error("money overflow in -");
  }
  fen_ = difference;
  return *this;
}

Money& Money::operator*=(std::int64_t factor) {
  std::int64_t product = 0;
  if (__builtin_mul_overflow(fen_, factor, &product)) {
    throw std::overflow_error("money overflow in *");
  }
  fen_ = product;
  return *this;
}

Money Money::operator-() const {
  if (fen_ == kMin) throw std::overflow_error("money overflow in unary -");
  return Money(-fen_);
}

}  // namespace keyun::core
