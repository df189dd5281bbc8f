#include "core/after_sale_policy.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace keyun::core {
namespace {

using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::minutes;

const Instant kDeparts =
    Instant::FromShanghai(*LocalDate::FromYmd(2026, 11, 22), *TimeOfDay::Parse("08:30"));
constexpr char kDepartsText[] = "2026-11-22T08:30:00+08:00";

Money Yuan(std::string_view text) {
  Result<Money> money = Money::Parse(text);
  EXPECT_TRUE(money) << text;
  return money.value_or(Money());
}

StationCode Station(std::string_view code) { return *StationCode::Parse(code); }
CreditCode Carrier(std::string_view code) { return *CreditCode::Parse(code); }

bool Contains(const std::string& text, std::string_view needle) {
  return text.find(needle) != std::string::npos;
}

RefundQuote Refund(const RefundPolicy& policy, const RefundRequest& request) {
  Result<RefundQuote> quote = QuoteRefund(policy, request);
  EXPECT_TRUE(quote) << quote.error().ToString();
  return quote.value_or(RefundQuote{});
}

// -------------------------------------------------------------------------------------------
// Refund policy defaults and validation

TEST(RefundPolicyTest, DefaultIsTheDesignTable) {
  const RefundPolicy policy = RefundPolicy::Default();
  ASSERT_EQ(policy.tiers.size(), 2u);
  EXPECT_EQ(policy.tiers[0].at_least_before, hours(2));
  EXPECT_EQ(policy.tiers[0].fee_basis_points, 1000);
  EXPECT_EQ(policy.tiers[0].minimum_fee, Yuan("0.50"));
  EXPECT_EQ(policy.tiers[1].at_least_before, minutes(0));
  EXPECT_EQ(policy.tiers[1].fee_basis_points, 2000);
  EXPECT_EQ(policy.tiers[1].minimum_fee, Yuan("1"));
  EXPECT_EQ(policy.fee_rounding, Rounding::kToHalfYuan);
  EXPECT_FALSE(policy.changed_ticket_refundable);
  EXPECT_FALSE(policy.after_departure.has_value());
  EXPECT_TRUE(policy.Validate());
}

TEST(RefundPolicyTest, ValidateAcceptsTheExtremes) {
  EXPECT_TRUE((RefundPolicy{.tiers = {{.at_least_before = minutes(0)}}}.Validate()));
  EXPECT_TRUE((RefundPolicy{.tiers = {{minutes(0), 10'000, Yuan("1000")}}}.Validate()));
  RefundPolicy late = RefundPolicy::Default();
  late.after_departure = LateRefundRule{minutes(1), 0, Money()};
  EXPECT_TRUE(late.Validate());
}

TEST(RefundPolicyTest, ValidateRejects) {
  struct Case {
    const char* name;
    std::function<void(RefundPolicy&)> spoil;
    std::string field;
    std::string_view says;
  };
  const std::vector<Case> cases = {
      {"no tier", [](RefundPolicy& p) { p.tiers.clear(); }, "tiers", "at least one fee tier"},
      {"negative tier", [](RefundPolicy& p) { p.tiers[1].at_least_before = minutes(-10); },
       "tiers[1].at_least_before", "cannot be negative"},
      {"equal tiers", [](RefundPolicy& p) { p.tiers[1].at_least_before = hours(2); },
       "tiers[1].at_least_before", "strictly descending"},
      {"ascending tiers",
       [](RefundPolicy& p) {
         p.tiers = {{minutes(0), 2000, Yuan("1")}, {hours(2), 1000, Yuan("0.5")}};
       },
       "tiers[1].at_least_before", "strictly descending"},
      {"no tier at 0", [](RefundPolicy& p) { p.tiers.pop_back(); }, "tiers[0].at_least_before",
       "the last tier must start at 0 min"},
      {"basis points below 0", [](RefundPolicy& p) { p.tiers[0].fee_basis_points = -1; },
       "tiers[0].fee_basis_points", "0 to 10000 basis points"},
      {"basis points above 100 %", [](RefundPolicy& p) { p.tiers[1].fee_basis_points = 10'001; },
       "tiers[1].fee_basis_points", "not 10001"},
      {"negative minimum", [](RefundPolicy& p) { p.tiers[1].minimum_fee = Money::Fen(-1); },
       "tiers[1].minimum_fee", "cannot be negative"},
      {"unknown rounding", [](RefundPolicy& p) { p.fee_rounding = static_cast<Rounding>(99); },
       "fee_rounding", "unknown fee rounding"},
      {"empty late window",
       [](RefundPolicy& p) {
         p.after_departure = LateRefundRule{minutes(0), 5000, Yuan("1")};
       },
       "after_departure.within", "longer than 0 min"},
      {"late basis points",
       [](RefundPolicy& p) {
         p.after_departure = LateRefundRule{minutes(30), 10'001, Yuan("1")};
       },
       "after_departure.fee_basis_points", "basis points"},
      {"late negative minimum",
       [](RefundPolicy& p) {
         p.after_departure = LateRefundRule{minutes(30), 5000, Money::Fen(-50)};
       },
       "after_departure.minimum_fee", "cannot be negative"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RefundPolicy policy = RefundPolicy::Default();
    c.spoil(policy);
    Result<void> valid = policy.Validate();
    ASSERT_FALSE(valid);
    EXPECT_EQ(valid.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(valid.error().field, c.field);
    EXPECT_TRUE(Contains(valid.error().message, c.says)) << valid.error().message;

    // A quote under the spoilt policy refuses instead of guessing.
    Result<RefundQuote> quote = QuoteRefund(
        policy, {.fare = Yuan("48"), .departs_at = kDeparts, .now = kDeparts - hours(3)});
    ASSERT_FALSE(quote);
    EXPECT_EQ(quote.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(quote.error().field, c.field);
    EXPECT_TRUE(Contains(quote.error().message, "invalid refund policy")) << quote.error().message;
  }
}

// -------------------------------------------------------------------------------------------
// Refund quotes

TEST(RefundQuoteTest, TierBoundariesAreExact) {
  struct Case {
    const char* name;
    microseconds before_departure;  // departs_at − now
    bool refunded;
    std::string_view fee;
    int tier_index;
  };
  // ¥48: 10 % = ¥4.80 → ¥5.00 and 20 % = ¥9.60 → ¥9.50, to the half yuan.
  const std::vector<Case> cases = {
      {"15 days ahead", hours(24 * 15), true, "5.00", 0},
      {"3 h ahead", hours(3), true, "5.00", 0},
      {"exactly 2 h ahead", hours(2), true, "5.00", 0},
      {"2 h − 1 µs ahead", hours(2) - microseconds(1), true, "9.50", 1},
      {"1 min ahead", minutes(1), true, "9.50", 1},
      {"1 µs ahead", microseconds(1), true, "9.50", 1},
      {"at departure", microseconds(0), false, "", -1},
      {"1 µs after", microseconds(-1), false, "", -1},
      {"1 h after", -hours(1), false, "", -1},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Result<RefundQuote> quote = QuoteRefund(
        RefundPolicy::Default(),
        {.fare = Yuan("48"), .departs_at = kDeparts, .now = kDeparts - c.before_departure});
    if (!c.refunded) {
      ASSERT_FALSE(quote);
      EXPECT_EQ(quote.error().code, ErrorCode::kFailedPrecondition);
      EXPECT_TRUE(Contains(quote.error().message, kDepartsText)) << quote.error().message;
      EXPECT_TRUE(Contains(quote.error().message, "cannot be refunded from departure on"));
      EXPECT_TRUE(Contains(quote.error().message, "ask the station for a full refund"));
      continue;
    }
    ASSERT_TRUE(quote) << quote.error().ToString();
    EXPECT_EQ(quote->fare, Yuan("48"));
    EXPECT_EQ(quote->fee, Yuan(c.fee));
    EXPECT_EQ(quote->refund, Yuan("48") - Yuan(c.fee));
    EXPECT_EQ(quote->tier_index, c.tier_index);
  }
}

TEST(RefundQuoteTest, RuleSaysWhichTierApplied) {
  const RefundPolicy policy = RefundPolicy::Default();
  EXPECT_EQ(
      Refund(policy, {.fare = Yuan("48"), .departs_at = kDeparts, .now = kDeparts - hours(3)}).rule,
      "refund 2 h or more before departure: 10% fee, at least ¥0.50");
  EXPECT_EQ(
      Refund(policy, {.fare = Yuan("48"), .departs_at = kDeparts, .now = kDeparts - hours(1)}).rule,
      "refund less than 2 h before departure: 20% fee, at least ¥1.00");
}

TEST(RefundQuoteTest, ThreeTiers) {
  const RefundPolicy policy{.tiers = {{hours(24), 500, Money()},
                                      {minutes(90), 1250, Yuan("0.5")},
                                      {minutes(0), 2000, Yuan("1")}},
                            .fee_rounding = Rounding::kToJiao};
  ASSERT_TRUE(policy.Validate());
  struct Case {
    microseconds before_departure;
    std::string_view fee;  // of ¥48
    int tier_index;
    std::string rule;
  };
  const std::vector<Case> cases = {
      {hours(24), "2.40", 0, "refund 24 h or more before departure: 5% fee"},
      {hours(24) - microseconds(1), "6.00", 1,
       "refund 1 h 30 min to 24 h before departure: 12.5% fee, at least ¥0.50"},
      {minutes(90), "6.00", 1,
       "refund 1 h 30 min to 24 h before departure: 12.5% fee, at least ¥0.50"},
      {minutes(89), "9.60", 2,
       "refund less than 1 h 30 min before departure: 20% fee, at least ¥1.00"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.rule);
    const RefundQuote quote = Refund(
        policy, {.fare = Yuan("48"), .departs_at = kDeparts, .now = kDeparts - c.before_departure});
    EXPECT_EQ(quote.fee, Yuan(c.fee));
    EXPECT_EQ(quote.tier_index, c.tier_index);
    EXPECT_EQ(quote.rule, c.rule);
  }
}

TEST(RefundQuoteTest, MinimumFees) {
  struct Case {
    const char* name;
    Rounding rounding;
    std::string_view fare;
    microseconds before_departure;
    std::string_view fee;
  };
  const std::vector<Case> cases = {
      // ¥3 × 10 % = ¥0.30: to the half yuan ¥0.50, which is also the minimum.
      {"¥3, 10 %, half yuan", Rounding::kToHalfYuan, "3", hours(3), "0.50"},
      // ¥3 × 10 % = ¥0.30 to the jiao: raised to the ¥0.50 minimum.
      {"¥3, 10 %, jiao", Rounding::kToJiao, "3", hours(3), "0.50"},
      // ¥2 × 10 % = ¥0.20 → ¥0.00 to the half yuan: raised to ¥0.50.
      {"¥2, 10 %, half yuan", Rounding::kToHalfYuan, "2", hours(3), "0.50"},
      // ¥3 × 20 % = ¥0.60 → ¥0.50: raised to the ¥1 minimum.
      {"¥3, 20 %, half yuan", Rounding::kToHalfYuan, "3", hours(1), "1.00"},
      {"¥4, 20 %, jiao", Rounding::kToJiao, "4", hours(1), "1.00"},
      // Above the minimum the percentage wins.
      {"¥6, 20 %, jiao", Rounding::kToJiao, "6", hours(1), "1.20"},
      {"¥6, 10 %, jiao", Rounding::kToJiao, "6", hours(3), "0.60"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RefundPolicy policy = RefundPolicy::Default();
    policy.fee_rounding = c.rounding;
    const RefundQuote quote = Refund(
        policy,
        {.fare = Yuan(c.fare), .departs_at = kDeparts, .now = kDeparts - c.before_departure});
    EXPECT_EQ(quote.fee, Yuan(c.fee));
    EXPECT_EQ(quote.refund, Yuan(c.fare) - Yuan(c.fee));
  }
}

TEST(RefundQuoteTest, RoundingModes) {
  struct Case {
    std::string_view fare;  // 10 % of it, no minimum
    Rounding rounding;
    std::string_view fee;
  };
  const std::vector<Case> cases = {
      // 10 % of ¥12.35 = ¥1.235
      {"12.35", Rounding::kHalfUp, "1.24"},
      {"12.35", Rounding::kDown, "1.23"},
      {"12.35", Rounding::kUp, "1.24"},
      {"12.35", Rounding::kToJiao, "1.20"},
      {"12.35", Rounding::kToYuan, "1.00"},
      {"12.35", Rounding::kToHalfYuan, "1.00"},
      // ¥1.28
      {"12.80", Rounding::kHalfUp, "1.28"},
      {"12.80", Rounding::kToJiao, "1.30"},
      {"12.80", Rounding::kToYuan, "1.00"},
      {"12.80", Rounding::kToHalfYuan, "1.50"},
      // ¥1.75: a half step goes up
      {"17.50", Rounding::kToJiao, "1.80"},
      {"17.50", Rounding::kToYuan, "2.00"},
      {"17.50", Rounding::kToHalfYuan, "2.00"},
      // ¥1.245
      {"12.45", Rounding::kHalfUp, "1.25"},
      {"12.45", Rounding::kDown, "1.24"},
      {"12.45", Rounding::kToHalfYuan, "1.00"},
      // ¥0.24 and ¥0.25: the railway rule's edge
      {"2.40", Rounding::kToHalfYuan, "0.00"},
      {"2.50", Rounding::kToHalfYuan, "0.50"},
      {"2.40", Rounding::kToJiao, "0.20"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.fare) + " " + std::to_string(static_cast<int>(c.rounding)));
    const RefundPolicy policy{.tiers = {{minutes(0), 1000, Money()}}, .fee_rounding = c.rounding};
    const RefundQuote quote =
        Refund(policy, {.fare = Yuan(c.fare), .departs_at = kDeparts, .now = kDeparts - hours(5)});
    EXPECT_EQ(quote.fee, Yuan(c.fee));
    EXPECT_EQ(quote.refund, Yuan(c.fare) - Yuan(c.fee));
    EXPECT_EQ(quote.rule, "refund before departure: 10% fee");
  }
}

TEST(RefundQuoteTest, FeeNeverExceedsTheFare) {
  const RefundPolicy policy = RefundPolicy::Default();
  // ¥0.80 within 2 h: 20 % = ¥0.16 → ¥0.00, minimum ¥1, capped at ¥0.80.
  RefundQuote quote =
      Refund(policy, {.fare = Yuan("0.80"), .departs_at = kDeparts, .now = kDeparts - hours(1)});
  EXPECT_EQ(quote.fee, Yuan("0.80"));
  EXPECT_EQ(quote.refund, Money());
  EXPECT_EQ(quote.tier_index, 1);
  // ¥0.40 two hours ahead: minimum ¥0.50, capped at ¥0.40.
  quote =
      Refund(policy, {.fare = Yuan("0.40"), .departs_at = kDeparts, .now = kDeparts - hours(2)});
  EXPECT_EQ(quote.fee, Yuan("0.40"));
  EXPECT_EQ(quote.refund, Money());
  // ¥1 within 2 h: the minimum is the whole fare.
  quote = Refund(policy, {.fare = Yuan("1"), .departs_at = kDeparts, .now = kDeparts - hours(1)});
  EXPECT_EQ(quote.fee, Yuan("1"));
  EXPECT_EQ(quote.refund, Money());
  // 100 % rounded up to the yuan: ¥0.60 → ¥1.00, capped at ¥0.60.
  const RefundPolicy whole{.tiers = {{minutes(0), 10'000, Money()}},
                           .fee_rounding = Rounding::kToYuan};
  quote = Refund(whole, {.fare = Yuan("0.60"), .departs_at = kDeparts, .now = kDeparts - hours(1)});
  EXPECT_EQ(quote.fee, Yuan("0.60"));
  EXPECT_EQ(quote.refund, Money());
}

TEST(RefundQuoteTest, FreeTicketRefundsNothing) {
  for (microseconds before : {microseconds(hours(3)), microseconds(hours(1))}) {
    const RefundQuote quote =
        Refund(RefundPolicy::Default(),
               {.fare = Money(), .departs_at = kDeparts, .now = kDeparts - before});
    EXPECT_EQ(quote.fare, Money());
    EXPECT_EQ(quote.fee, Money());
    EXPECT_EQ(quote.refund, Money());
  }
  // Still no refund of a free ticket after departure: it is the same rule.
  Result<RefundQuote> late = QuoteRefund(
      RefundPolicy::Default(), {.fare = Money(), .departs_at = kDeparts, .now = kDeparts});
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::kFailedPrecondition);
}

TEST(RefundQuoteTest, OperatorCausesRefundInFullEvenAfterDeparture) {
  struct Case {
    RefundCause cause;
    std::string rule;
  };
  const std::vector<Case> causes = {
      {RefundCause::kRunStopped, "run stopped (停班): full refund, no fee"},
      {RefundCause::kRunDelayed, "run delayed (晚点): full refund, no fee"},
      {RefundCause::kMissedByOperator,
       "missed through the station's or carrier's fault (误乘): full refund, no fee"},
  };
  const std::vector<microseconds> times = {hours(3), hours(1), microseconds(0), -hours(2),
                                           -hours(24 * 30)};
  for (const Case& c : causes) {
    for (microseconds before : times) {
      for (bool changed : {false, true}) {
        SCOPED_TRACE(c.rule + " " + std::to_string(before.count()) + (changed ? " changed" : ""));
        const RefundQuote quote = Refund(RefundPolicy::Default(), {.fare = Yuan("48"),
                                                                   .departs_at = kDeparts,
                                                                   .now = kDeparts - before,
                                                                   .cause = c.cause,
                                                                   .ticket_was_changed = changed});
        EXPECT_EQ(quote.fare, Yuan("48"));
        EXPECT_EQ(quote.fee, Money());
        EXPECT_EQ(quote.refund, Yuan("48"));
        EXPECT_EQ(quote.tier_index, -1);
        EXPECT_EQ(quote.rule, c.rule);
      }
    }
  }
}

TEST(RefundQuoteTest, ChangedTicketIsNotRefundableUnlessThePolicySays) {
  const RefundRequest request{.fare = Yuan("48"),
                              .departs_at = kDeparts,
                              .now = kDeparts - hours(3),
                              .ticket_was_changed = true};
  Result<RefundQuote> refused = QuoteRefund(RefundPolicy::Default(), request);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(refused.error().message, "a changed ticket (改签) cannot be refunded"))
      << refused.error().message;

  RefundPolicy lenient = RefundPolicy::Default();
  lenient.changed_ticket_refundable = true;
  const RefundQuote quote = Refund(lenient, request);
  EXPECT_EQ(quote.fee, Yuan("5"));
  EXPECT_EQ(quote.refund, Yuan("43"));
  EXPECT_EQ(quote.tier_index, 0);

  // Refundable, but not after departure.
  RefundRequest late = request;
  late.now = kDeparts;
  ASSERT_FALSE(QuoteRefund(lenient, late));
}

TEST(RefundQuoteTest, LateRefundWindowWhereThePolicyAllowsIt) {
  RefundPolicy policy = RefundPolicy::Default();
  policy.after_departure = LateRefundRule{minutes(30), 5000, Yuan("1")};
  struct Case {
    microseconds after_departure;
    bool refunded;
    std::string_view fee;
    int tier_index;
  };
  const std::vector<Case> cases = {
      {-microseconds(1), true, "9.50", 1},  // 1 µs before departure: still the 20 % tier
      {microseconds(0), true, "24.00", -1}, {minutes(30) - microseconds(1), true, "24.00", -1},
      {minutes(30), false, "", -1},         {hours(5), false, "", -1},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.after_departure.count());
    Result<RefundQuote> quote = QuoteRefund(
        policy, {.fare = Yuan("48"), .departs_at = kDeparts, .now = kDeparts + c.after_departure});
    if (!c.refunded) {
      ASSERT_FALSE(quote);
      EXPECT_EQ(quote.error().code, ErrorCode::kFailedPrecondition);
      EXPECT_TRUE(Contains(quote.error().message, "refunds close 30 min after departure"))
          << quote.error().message;
      continue;
    }
    ASSERT_TRUE(quote) << quote.error().ToString();
    EXPECT_EQ(quote->fee, Yuan(c.fee));
    EXPECT_EQ(quote->refund, Yuan("48") - Yuan(c.fee));
    EXPECT_EQ(quote->tier_index, c.tier_index);
  }
  EXPECT_EQ(Refund(policy, {.fare = Yuan("48"), .departs_at = kDeparts, .now = kDeparts}).rule,
            "refund within 30 min after departure: 50% fee, at least ¥1.00");
  // The minimum and the cap hold after departure too.
  EXPECT_EQ(Refund(policy, {.fare = Yuan("1.50"), .departs_at = kDeparts, .now = kDeparts}).fee,
            Yuan("1"));
  EXPECT_EQ(Refund(policy, {.fare = Yuan("0.50"), .departs_at = kDeparts, .now = kDeparts}).fee,
            Yuan("0.50"));
}

TEST(RefundQuoteTest, NegativeFareIsInvalid) {
  Result<RefundQuote> quote =
      QuoteRefund(RefundPolicy::Default(),
                  {.fare = Money::Fen(-1), .departs_at = kDeparts, .now = kDeparts - hours(3)});
  ASSERT_FALSE(quote);
  EXPECT_EQ(quote.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(quote.error().field, "fare");
}

// -------------------------------------------------------------------------------------------
// Change policy and quotes

TEST(ChangePolicyTest, DefaultIsOneFreeChange) {
  const ChangePolicy policy = ChangePolicy::Default();
  EXPECT_EQ(policy.max_changes, 1);
  EXPECT_EQ(policy.free_changes, 1);
  EXPECT_EQ(policy.fee_basis_points, 1000);
  EXPECT_EQ(policy.minimum_fee, Yuan("0.50"));
  EXPECT_EQ(policy.fee_rounding, Rounding::kToHalfYuan);
  EXPECT_TRUE(policy.same_route_only);
  EXPECT_TRUE(policy.same_vehicle_class_only);
  EXPECT_EQ(policy.cutoff_before_departure, minutes(0));
  EXPECT_TRUE(policy.Validate());
  EXPECT_TRUE((ChangePolicy{.max_changes = 0, .free_changes = 0}.Validate()));
}

TEST(ChangePolicyTest, ValidateRejects) {
  struct Case {
    std::function<void(ChangePolicy&)> spoil;
    std::string field;
  };
  const std::vector<Case> cases = {
      {[](ChangePolicy& p) { p.max_changes = -1; }, "max_changes"},
      {[](ChangePolicy& p) { p.free_changes = 2; }, "free_changes"},
      {[](ChangePolicy& p) { p.free_changes = -1; }, "free_changes"},
      {[](ChangePolicy& p) { p.fee_basis_points = 10'001; }, "fee_basis_points"},
      {[](ChangePolicy& p) { p.fee_basis_points = -5; }, "fee_basis_points"},
      {[](ChangePolicy& p) { p.minimum_fee = Money::Fen(-1); }, "minimum_fee"},
      {[](ChangePolicy& p) { p.fee_rounding = static_cast<Rounding>(-1); }, "fee_rounding"},
      {[](ChangePolicy& p) { p.cutoff_before_departure = minutes(-1); }, "cutoff_before_departure"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field);
    ChangePolicy policy = ChangePolicy::Default();
    c.spoil(policy);
    Result<void> valid = policy.Validate();
    ASSERT_FALSE(valid);
    EXPECT_EQ(valid.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(valid.error().field, c.field);

    Result<ChangeQuote> quote = QuoteChange(policy, {.old_fare = Yuan("48"),
                                                     .new_fare = Yuan("48"),
                                                     .old_departs_at = kDeparts,
                                                     .new_departs_at = kDeparts + hours(24),
                                                     .now = kDeparts - hours(3)});
    ASSERT_FALSE(quote);
    EXPECT_EQ(quote.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(quote.error().field, c.field);
  }
}

ChangeRequest Change(std::string_view old_fare, std::string_view new_fare, int changes_so_far = 0,
                     Instant now = kDeparts - hours(3)) {
  return ChangeRequest{.changes_so_far = changes_so_far,
                       .old_fare = Yuan(old_fare),
                       .new_fare = Yuan(new_fare),
                       .old_departs_at = kDeparts,
                       .new_departs_at = kDeparts + hours(24),
                       .now = now};
}

TEST(ChangeQuoteTest, FirstChangeIsFree) {
  struct Case {
    std::string_view old_fare, new_fare, charge, refund;
  };
  const std::vector<Case> cases = {
      {"48", "48", "0", "0"},        // equal
      {"48", "55.50", "7.50", "0"},  // dearer: pay the difference
      {"48", "40", "0", "8.00"},     // cheaper: get the difference back
      {"0", "12", "12", "0"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.old_fare) + " → " + std::string(c.new_fare));
    Result<ChangeQuote> quote =
        QuoteChange(ChangePolicy::Default(), Change(c.old_fare, c.new_fare));
    ASSERT_TRUE(quote) << quote.error().ToString();
    EXPECT_EQ(quote->old_fare, Yuan(c.old_fare));
    EXPECT_EQ(quote->new_fare, Yuan(c.new_fare));
    EXPECT_EQ(quote->fee, Money());
    EXPECT_EQ(quote->charge, Yuan(c.charge));
    EXPECT_EQ(quote->refund, Yuan(c.refund));
    EXPECT_EQ(quote->change_number, 1);
    EXPECT_EQ(quote->rule, "change 1 of 1: free");
  }
}

TEST(ChangeQuoteTest, SecondChangeIsRefusedByDefault) {
  Result<ChangeQuote> quote = QuoteChange(ChangePolicy::Default(), Change("48", "48", 1));
  ASSERT_FALSE(quote);
  EXPECT_EQ(quote.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(quote.error().message,
            "this ticket has been changed 1 time(s) and at most 1 change(s) are allowed");

  Result<ChangeQuote> none =
      QuoteChange(ChangePolicy{.max_changes = 0, .free_changes = 0}, Change("48", "48"));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(none.error().message, "tickets cannot be changed under this policy");
}

TEST(ChangeQuoteTest, PaidChangeNetsTheFeeAgainstTheDifference) {
  const ChangePolicy policy{.max_changes = 2, .free_changes = 1};
  struct Case {
    std::string_view old_fare, new_fare, fee, charge, refund;
  };
  // 10 % of the old fare to the half yuan, at least ¥0.50, at most the old fare.
  const std::vector<Case> cases = {
      {"48", "48", "5.00", "5.00", "0"},
      {"48", "55.50", "5.00", "12.50", "0"},
      {"48", "40", "5.00", "0", "3.00"},
      {"48", "45", "5.00", "2.00", "0"},      // ¥3 cheaper, ¥5 fee: pay ¥2
      {"48", "43", "5.00", "0", "0"},         // exactly even
      {"3", "3", "0.50", "0.50", "0"},        // minimum fee
      {"0.40", "0.40", "0.40", "0.40", "0"},  // capped at the old fare
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.old_fare) + " → " + std::string(c.new_fare));
    Result<ChangeQuote> quote = QuoteChange(policy, Change(c.old_fare, c.new_fare, 1));
    ASSERT_TRUE(quote) << quote.error().ToString();
    EXPECT_EQ(quote->fee, Yuan(c.fee));
    EXPECT_EQ(quote->charge, Yuan(c.charge));
    EXPECT_EQ(quote->refund, Yuan(c.refund));
    EXPECT_EQ(quote->charge - quote->refund, quote->new_fare - quote->old_fare + quote->fee);
    EXPECT_EQ(quote->change_number, 2);
    EXPECT_EQ(quote->rule, "change 2 of 2: 10% of the old fare, at least ¥0.50");
  }
  // The first change under this policy is still free, the third refused.
  EXPECT_EQ(QuoteChange(policy, Change("48", "48", 0))->fee, Money());
  EXPECT_FALSE(QuoteChange(policy, Change("48", "48", 2)));
}

TEST(ChangeQuoteTest, ClosesAtDepartureOrCutoff) {
  struct Case {
    minutes cutoff;
    microseconds before_departure;
    bool allowed;
    std::string_view says;
  };
  const std::vector<Case> cases = {
      {minutes(0), microseconds(1), true, ""},
      {minutes(0), microseconds(0), false, "a ticket cannot be changed from departure on"},
      {minutes(0), -hours(1), false, "a ticket cannot be changed from departure on"},
      {minutes(30), minutes(30) + microseconds(1), true, ""},
      {minutes(30), minutes(30), false, "changes close 30 min before departure"},
      {minutes(30), minutes(5), false, "changes close 30 min before departure"},
      {minutes(30), microseconds(0), false, "a ticket cannot be changed from departure on"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::to_string(c.cutoff.count()) + " " +
                 std::to_string(c.before_departure.count()));
    ChangePolicy policy = ChangePolicy::Default();
    policy.cutoff_before_departure = c.cutoff;
    Result<ChangeQuote> quote =
        QuoteChange(policy, Change("48", "50", 0, kDeparts - c.before_departure));
    if (c.allowed) {
      ASSERT_TRUE(quote) << quote.error().ToString();
      EXPECT_EQ(quote->charge, Yuan("2"));
      continue;
    }
    ASSERT_FALSE(quote);
    EXPECT_EQ(quote.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_TRUE(Contains(quote.error().message, c.says)) << quote.error().message;
  }
}

TEST(ChangeQuoteTest, SameRouteAndVehicleClass) {
  ChangeRequest other_route = Change("48", "48");
  other_route.same_route = false;
  ChangeRequest other_class = Change("48", "48");
  other_class.same_vehicle_class = false;

  Result<ChangeQuote> quote = QuoteChange(ChangePolicy::Default(), other_route);
  ASSERT_FALSE(quote);
  EXPECT_EQ(quote.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(quote.error().field, "new_run");
  EXPECT_TRUE(Contains(quote.error().message, "same route"));

  quote = QuoteChange(ChangePolicy::Default(), other_class);
  ASSERT_FALSE(quote);
  EXPECT_EQ(quote.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(quote.error().message, "same vehicle class"));

  ChangePolicy open = ChangePolicy::Default();
  open.same_route_only = false;
  open.same_vehicle_class_only = false;
  EXPECT_TRUE(QuoteChange(open, other_route));
  EXPECT_TRUE(QuoteChange(open, other_class));
}

TEST(ChangeQuoteTest, NewRunMustNotHaveDeparted) {
  ChangeRequest request = Change("48", "48");
  request.new_departs_at = request.now;
  Result<ChangeQuote> quote = QuoteChange(ChangePolicy::Default(), request);
  ASSERT_FALSE(quote);
  EXPECT_EQ(quote.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(quote.error().field, "new_run");
  request.new_departs_at = request.now + microseconds(1);
  EXPECT_TRUE(QuoteChange(ChangePolicy::Default(), request));
}

TEST(ChangeQuoteTest, RejectsBadInput) {
  struct Case {
    ChangeRequest request;
    std::string field;
  };
  ChangeRequest negative_old = Change("48", "48");
  negative_old.old_fare = Money::Fen(-1);
  ChangeRequest negative_new = Change("48", "48");
  negative_new.new_fare = Money::Fen(-1);
  const std::vector<Case> cases = {
      {negative_old, "old_fare"},
      {negative_new, "new_fare"},
      {Change("48", "48", -1), "changes_so_far"},
  };
  for (const Case& c : cases) {
    Result<ChangeQuote> quote = QuoteChange(ChangePolicy::Default(), c.request);
    ASSERT_FALSE(quote);
    EXPECT_EQ(quote.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(quote.error().field, c.field);
  }
}

// -------------------------------------------------------------------------------------------
// Scopes

// A policy told apart by its within-2-h fee.
AfterSalePolicy Tagged(int basis_points) {
  AfterSalePolicy policy;
  policy.refund.tiers[1].fee_basis_points = basis_points;
  return policy;
}

int TagOf(const AfterSalePolicy& policy) { return policy.refund.tiers[1].fee_basis_points; }

TEST(AfterSalePolicyTest, ValidateNamesThePart) {
  AfterSalePolicy policy;
  EXPECT_TRUE(policy.Validate());
  policy.refund.tiers.clear();
  EXPECT_EQ(policy.Validate().error().field, "refund.tiers");
  policy = AfterSalePolicy::Default();
  policy.change.free_changes = 3;
  EXPECT_EQ(policy.Validate().error().field, "change.free_changes");
}

TEST(AfterSalePolicyBookTest, CreateValidatesTheDefault) {
  AfterSalePolicy bad;
  bad.refund.tiers[0].minimum_fee = Money::Fen(-1);
  Result<AfterSalePolicyBook> book = AfterSalePolicyBook::Create(bad);
  ASSERT_FALSE(book);
  EXPECT_EQ(book.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(book.error().field, "default.refund.tiers[0].minimum_fee");
}

TEST(AfterSalePolicyBookTest, AddRejectsAndChangesNothing) {
  Result<AfterSalePolicyBook> book = AfterSalePolicyBook::Create(Tagged(2000));
  ASSERT_TRUE(book);
  ASSERT_TRUE(book->Add({.channel = "mobile"}, Tagged(2003)));

  struct Case {
    PolicyScope scope;
    AfterSalePolicy policy;
    ErrorCode code;
    std::string field;
  };
  AfterSalePolicy bad = Tagged(2001);
  bad.change.max_changes = -1;
  const std::vector<Case> cases = {
      {{}, Tagged(2001), ErrorCode::kInvalidArgument, "scope"},
      {{.channel = "Mobile"}, Tagged(2001), ErrorCode::kInvalidArgument, "scope.channel"},
      {{.channel = ""}, Tagged(2001), ErrorCode::kInvalidArgument, "scope.channel"},
      {{.channel = "mobile app"}, Tagged(2001), ErrorCode::kInvalidArgument, "scope.channel"},
      {{.station = Station("370102001")},
       bad,
       ErrorCode::kInvalidArgument,
       "policy.change.max_changes"},
      {{.channel = "mobile"}, Tagged(2001), ErrorCode::kAlreadyExists, "scope"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field);
    Result<void> added = book->Add(c.scope, c.policy);
    ASSERT_FALSE(added);
    EXPECT_EQ(added.error().code, c.code);
    EXPECT_EQ(added.error().field, c.field);
  }
  EXPECT_EQ(book->override_count(), 1u);
  EXPECT_EQ(TagOf(book->Resolve(Station("370102001"), Carrier("91350100M000100Y43"), "mobile")),
            2003);
}

TEST(AfterSalePolicyBookTest, MostSpecificOverrideWins) {
  const StationCode s1 = Station("370102001");
  const StationCode s2 = Station("370102002");
  const CreditCode c1 = Carrier("91350100M000100Y43");
  const CreditCode c2 = Carrier("91310000MA1FL1MMXL");
  struct Entry {
    PolicyScope scope;
    int tag;
  };
  const std::vector<Entry> entries = {
      {{.station = s1}, 2001},
      {{.carrier = c1}, 2002},
      {{.channel = "mobile"}, 2003},
      {{.station = s1, .carrier = c1}, 2012},
      {{.station = s1, .channel = "mobile"}, 2013},
      {{.carrier = c1, .channel = "mobile"}, 2023},
      {{.station = s1, .carrier = c1, .channel = "mobile"}, 2123},
      {{.station = s2, .carrier = c2, .channel = "kiosk"}, 3000},
  };
  struct Query {
    StationCode station;
    CreditCode carrier;
    std::string channel;
    int tag;
  };
  const std::vector<Query> queries = {
      {s1, c1, "mobile", 2123},  // all three
      {s1, c1, "window", 2012},  // station+carrier beats station+channel beats carrier+channel
      {s1, c2, "mobile", 2013}, {s2, c1, "mobile", 2023},
      {s1, c2, "window", 2001},  // station beats carrier beats channel
      {s2, c1, "window", 2002}, {s2, c2, "mobile", 2003},
      {s2, c2, "window", 2000},  // nothing matches: the province default
      {s2, c2, "kiosk", 3000},
  };
  // The answer does not depend on the order the overrides were added in.
  for (bool reversed : {false, true}) {
    Result<AfterSalePolicyBook> book = AfterSalePolicyBook::Create(Tagged(2000));
    ASSERT_TRUE(book);
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const Entry& e = entries[reversed ? entries.size() - 1 - i : i];
      ASSERT_TRUE(book->Add(e.scope, Tagged(e.tag))) << e.tag;
    }
    EXPECT_EQ(book->override_count(), entries.size());
    for (const Query& q : queries) {
      SCOPED_TRACE(q.station.str() + " " + q.carrier.str() + " " + q.channel +
                   (reversed ? " reversed" : ""));
      EXPECT_EQ(TagOf(book->Resolve(q.station, q.carrier, q.channel)), q.tag);
    }
  }
}

TEST(AfterSalePolicyBookTest, MoreDimensionsBeatAStation) {
  const StationCode s1 = Station("370102001");
  const CreditCode c1 = Carrier("91350100M000100Y43");
  Result<AfterSalePolicyBook> book = AfterSalePolicyBook::Create(Tagged(2000));
  ASSERT_TRUE(book);
  ASSERT_TRUE(book->Add({.station = s1}, Tagged(2001)));
  ASSERT_TRUE(book->Add({.carrier = c1, .channel = "platform"}, Tagged(2023)));
  EXPECT_EQ(TagOf(book->Resolve(s1, c1, "platform")), 2023);
  EXPECT_EQ(TagOf(book->Resolve(s1, c1, "window")), 2001);
  EXPECT_EQ(TagOf(book->province_default()), 2000);

  // The resolved policy quotes as any other: 25 % within 2 h on this carrier's platform sales.
  AfterSalePolicy platform = Tagged(2500);
  ASSERT_TRUE(book->Add({.station = s1, .carrier = c1, .channel = "platform"}, platform));
  const RefundQuote quote =
      Refund(book->Resolve(s1, c1, "platform").refund,
             {.fare = Yuan("48"), .departs_at = kDeparts, .now = kDeparts - hours(1)});
  EXPECT_EQ(quote.fee, Yuan("12"));
  EXPECT_EQ(quote.refund, Yuan("36"));
}

// The example at the top of after_sale_policy.h and in docs/after-sale.md.
TEST(AfterSalePolicyBookTest, DocumentedExample) {
  const StationCode departure_station = Station("370102001");
  const CreditCode carrier = Carrier("91350100M000100Y43");
  const Instant run_departs_at = kDeparts;
  const FakeClock clock(kDeparts - hours(3));

  Result<AfterSalePolicyBook> book = AfterSalePolicyBook::Create(AfterSalePolicy::Default());
  ASSERT_TRUE(book);
  AfterSalePolicy mobile = AfterSalePolicy::Default();
  mobile.refund.tiers[1].fee_basis_points = 1500;  // 15 % within 2 h on mobile
  ASSERT_TRUE(book->Add({.channel = "mobile"}, mobile));

  const AfterSalePolicy& policy = book->Resolve(departure_station, carrier, "mobile");
  Result<RefundQuote> quote = QuoteRefund(
      policy.refund, {.fare = Money::Yuan(48), .departs_at = run_departs_at, .now = clock.Now()});
  ASSERT_TRUE(quote);
  EXPECT_EQ(quote->fee, Yuan("5.00"));
  EXPECT_EQ(quote->refund, Yuan("43.00"));

  // Within 2 h on mobile: 15 % of ¥48 = ¥7.20 → ¥7.00; at the window the default 20 %: ¥9.50.
  const RefundRequest late{
      .fare = Money::Yuan(48), .departs_at = kDeparts, .now = kDeparts - hours(1)};
  EXPECT_EQ(Refund(policy.refund, late).fee, Yuan("7.00"));
  EXPECT_EQ(Refund(book->Resolve(departure_station, carrier, "window").refund, late).fee,
            Yuan("9.50"));
}

}  // namespace
}  // namespace keyun::core
