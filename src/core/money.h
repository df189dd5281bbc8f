// Money: an amount of renminbi in integer fen (分; 1 yuan = 10 jiao = 100 fen).
//
//   Money fare = Money::Yuan(48);                                   // ¥48.00
//   Result<Money> typed = Money::Parse("12.50");                    // from a form or CSV
//   Money fee = fare.PercentOf(1000, Rounding::kToJiao);            // 10 %, to the jiao
//   fee = std::max(fee, Money::Fen(50));                            // at least ¥0.50
//   fee.ToString();        // "4.80"        fee.ToYuanDisplay();  // "¥4.80"
//
// There is no floating point anywhere in money: amounts are int64 fen and percentages are
// integer basis points (1 bp = 0.01 %), computed in 128-bit integers and rounded explicitly.
//
// Overflow: int64 fen holds ±92 trillion yuan, so overflow means a bug or absurd input.
// Arithmetic operators throw std::overflow_error on overflow (a programmer error, caught at the
// request boundary: STYLE.md "Errors"); use the Checked* functions where the operands come from
// outside and an overflow must be reported as InvalidArgument.
//
// Thread-safety: an immutable value.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace keyun::core {

// How PercentOf rounds. All modes are symmetric about zero (a negative amount rounds to the
// negation of its positive counterpart), like java.math.RoundingMode.
enum class Rounding {
  kHalfUp,      // to the fen, halves away from zero: 0.5 fen → 1 fen
  kDown,        // to the fen, toward zero (truncate)
  kUp,          // to the fen, away from zero (any remainder → next fen)
  kToJiao,      // to 0.1 yuan (10 fen), halves away from zero: ¥1.25 → ¥1.30, ¥1.24 → ¥1.20
  kToYuan,      // to 1 yuan (100 fen), halves away from zero: ¥1.50 → ¥2.00
  kToHalfYuan,  // to 0.5 yuan, halves away from zero: ¥1.24 → ¥1.00, ¥1.25 → ¥1.50 (the
                // railway refund-fee rule: below 0.25 dropped, 0.25–0.75 → 0.5, 0.75+ → 1)
};

class Money {
 public:
  // Zero.
  constexpr Money() = default;

  [[nodiscard]] static constexpr Money Fen(std::int64_t fen) { return Money(fen); }
  // Whole yuan. Throws std::overflow_error if |yuan| > INT64_MAX / 100.
  [[nodiscard]] static Money Yuan(std::int64_t yuan);
  [[nodiscard]] static constexpr Money Zero() { return Money(); }

  // A yuan amount as people write it: "12", "12.5", "12.50", "-3.00", "0.05", "+1".
  // Rejected (InvalidArgument): empty, more than two decimals ("1.005"), a point without
  // digits on both sides ("12.", ".5"), spaces, thousands separators, currency signs, any
  // other character, and amounts that do not fit in int64 fen.
  [[nodiscard]] static Result<Money> Parse(std::string_view yuan_text);

  [[nodiscard]] constexpr std::int64_t fen() const { return fen_; }

  // Yuan with exactly two decimals: "12.50", "0.05", "-0.50". Parse(ToString()) == *this.
  [[nodiscard]] std::string ToString() const;
  // For people: "¥12.50", "-¥0.50".
  [[nodiscard]] std::string ToYuanDisplay() const;

  // basis_points / 10000 of this amount (1000 bp = 10 %), rounded as asked. Exact: the product
  // is formed in 128 bits. Negative amounts and basis points are allowed. Throws
  // std::overflow_error if the result does not fit.
  [[nodiscard]] Money PercentOf(int basis_points, Rounding rounding) const;

  // This amount rounded to a multiple of 10 fen (kToJiao), 50 fen (kToHalfYuan) or 100 fen
  // (kToYuan); the fen modes return it unchanged.
  [[nodiscard]] Money Rounded(Rounding rounding) const;

  [[nodiscard]] static Result<Money> CheckedAdd(Money a, Money b);
  [[nodiscard]] static Result<Money> CheckedSub(Money a, Money b);
  [[nodiscard]] static Result<Money> CheckedMul(Money a, std::int64_t factor);

  Money& operator+=(Money other);
  Money& operator-=(Money other);
  Money& operator*=(std::int64_t factor);
  friend Money operator+(Money a, Money b) { return a += b; }
  friend Money operator-(Money a, Money b) { return a -= b; }
  friend Money operator*(Money a, std::int64_t factor) { return a *= factor; }
  friend Money operator*(std::int64_t factor, Money a) { return a *= factor; }
  // Throws std::overflow_error for the one amount without a negation (INT64_MIN fen).
  Money operator-() const;

  auto operator<=>(const Money&) const = default;
  bool operator==(const Money&) const = default;

 private:
  explicit constexpr Money(std::int64_t fen) : fen_(fen) {}

  std::int64_t fen_ = 0;
};

}  // namespace keyun::core
