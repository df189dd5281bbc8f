// The after-sale policy file (src/cli/after_sale_policy_file.h): the documented example is the
// default policy, overrides resolve for their scope, and every mistake names its line and key.
#include "cli/after_sale_policy_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace keyun::cli {
namespace {

using core::AfterSalePolicy;
using core::AfterSalePolicyBook;
using core::ChangePolicy;
using core::CreditCode;
using core::Money;
using core::RefundPolicy;
using core::StationCode;
using ::testing::AllOf;
using ::testing::HasSubstr;

void ExpectSameRefund(const RefundPolicy& got, const RefundPolicy& want) {
  ASSERT_EQ(got.tiers.size(), want.tiers.size());
  for (std::size_t i = 0; i < want.tiers.size(); ++i) {
    EXPECT_EQ(got.tiers[i].at_least_before, want.tiers[i].at_least_before) << i;
    EXPECT_EQ(got.tiers[i].fee_basis_points, want.tiers[i].fee_basis_points) << i;
    EXPECT_EQ(got.tiers[i].minimum_fee, want.tiers[i].minimum_fee) << i;
  }
  EXPECT_EQ(got.fee_rounding, want.fee_rounding);
  EXPECT_EQ(got.changed_ticket_refundable, want.changed_ticket_refundable);
  EXPECT_EQ(got.after_departure.has_value(), want.after_departure.has_value());
}

void ExpectSameChange(const ChangePolicy& got, const ChangePolicy& want) {
  EXPECT_EQ(got.max_changes, want.max_changes);
  EXPECT_EQ(got.free_changes, want.free_changes);
  EXPECT_EQ(got.fee_basis_points, want.fee_basis_points);
  EXPECT_EQ(got.minimum_fee, want.minimum_fee);
  EXPECT_EQ(got.fee_rounding, want.fee_rounding);
  EXPECT_EQ(got.same_route_only, want.same_route_only);
  EXPECT_EQ(got.same_vehicle_class_only, want.same_vehicle_class_only);
  EXPECT_EQ(got.cutoff_before_departure, want.cutoff_before_departure);
}

StationCode Station(const char* code) { return *StationCode::Parse(code); }
CreditCode Carrier(const char* code) { return *CreditCode::Parse(code); }

// The message of the error that parsing `text` as "p.toml" gives; fails the test if it parses.
Error ParseError(const std::string& text) {
  Result<AfterSalePolicyBook> book = ParseAfterSalePolicy(text, "p.toml");
  EXPECT_FALSE(book.has_value()) << "parsed:\n" << text;
  return book ? Error{} : book.error();
}

TEST(AfterSalePolicyFileTest, ExampleFileIsTheDefault) {
  Result<AfterSalePolicyBook> book = LoadAfterSalePolicy(KEYUN_EXAMPLE_POLICY_FILE);
  ASSERT_TRUE(book.has_value()) << book.error().ToString();
  EXPECT_EQ(book->override_count(), 0u);
  ExpectSameRefund(book->province_default().refund, AfterSalePolicy::Default().refund);
  ExpectSameChange(book->province_default().change, AfterSalePolicy::Default().change);
}

TEST(AfterSalePolicyFileTest, EmptyFileIsTheDefault) {
  Result<AfterSalePolicyBook> book = ParseAfterSalePolicy("", "empty.toml");
  ASSERT_TRUE(book.has_value()) << book.error().ToString();
  ExpectSameRefund(book->province_default().refund, AfterSalePolicy::Default().refund);
  ExpectSameChange(book->province_default().change, AfterSalePolicy::Default().change);
}

TEST(AfterSalePolicyFileTest, EveryKeyIsRead) {
  Result<AfterSalePolicyBook> book = ParseAfterSalePolicy(R"(
[refund]
fee_rounding = "jiao"
changed_ticket_refundable = true
tiers = [ { at_least_before_minutes = 1440, fee_percent = 5, minimum_fee_yuan = "0" },
          { at_least_before_minutes = 0, fee_percent = 12.25, minimum_fee_yuan = "2.00" } ]
after_departure = { within_minutes = 30, fee_percent = 50, minimum_fee_yuan = "1.00" }
[change]
max_changes = 3
free_changes = 1
fee_percent = 7.5
minimum_fee_yuan = "1.50"
fee_rounding = "yuan"
same_route_only = false
same_vehicle_class_only = false
cutoff_before_departure_minutes = 30
)",
                                                          "all.toml");
  ASSERT_TRUE(book.has_value()) << book.error().ToString();
  const AfterSalePolicy& p = book->province_default();
  EXPECT_EQ(p.refund.fee_rounding, core::Rounding::kToJiao);
  EXPECT_TRUE(p.refund.changed_ticket_refundable);
  ASSERT_EQ(p.refund.tiers.size(), 2u);
  EXPECT_EQ(p.refund.tiers[0].at_least_before, std::chrono::minutes(1440));
  EXPECT_EQ(p.refund.tiers[0].fee_basis_points, 500);
  EXPECT_EQ(p.refund.tiers[1].fee_basis_points, 1225);
  EXPECT_EQ(p.refund.tiers[1].minimum_fee, Money::Fen(200));
  ASSERT_TRUE(p.refund.after_departure.has_value());
  EXPECT_EQ(p.refund.after_departure->within, std::chrono::minutes(30));
  EXPECT_EQ(p.refund.after_departure->fee_basis_points, 5000);
  EXPECT_EQ(p.change.max_changes, 3);
  EXPECT_EQ(p.change.fee_basis_points, 750);
  EXPECT_EQ(p.change.minimum_fee, Money::Fen(150));
  EXPECT_EQ(p.change.fee_rounding, core::Rounding::kToYuan);
  EXPECT_FALSE(p.change.same_route_only);
  EXPECT_FALSE(p.change.same_vehicle_class_only);
  EXPECT_EQ(p.change.cutoff_before_departure, std::chrono::minutes(30));
}

TEST(AfterSalePolicyFileTest, OverrideResolvesForItsScopeOnly) {
  Result<AfterSalePolicyBook> book = ParseAfterSalePolicy(R"(
[change]
max_changes = 2
[[override]]
station = "370102001"
channel = "mobile"
[override.refund]
tiers = [ { at_least_before_minutes = 0, fee_percent = 5.0, minimum_fee_yuan = "0.50" } ]
)",
                                                          "o.toml");
  ASSERT_TRUE(book.has_value()) << book.error().ToString();
  EXPECT_EQ(book->override_count(), 1u);
  const CreditCode carrier = Carrier("91350100M000100Y43");
  const AfterSalePolicy& mobile = book->Resolve(Station("370102001"), carrier, "mobile");
  ASSERT_EQ(mobile.refund.tiers.size(), 1u);
  EXPECT_EQ(mobile.refund.tiers[0].fee_basis_points, 500);
  EXPECT_EQ(mobile.change.max_changes, 2);  // the override starts from the file's default
  for (const AfterSalePolicy* elsewhere :
       {&book->Resolve(Station("370102001"), carrier, "window"),
        &book->Resolve(Station("370102002"), carrier, "mobile")}) {
    ExpectSameRefund(elsewhere->refund, AfterSalePolicy::Default().refund);
    EXPECT_EQ(elsewhere->change.max_changes, 2);
  }
}

TEST(AfterSalePolicyFileTest, MissingFileNamesIt) {
  Result<AfterSalePolicyBook> book = LoadAfterSalePolicy("/nonexistent/policy.toml");
  ASSERT_FALSE(book.has_value());
  EXPECT_EQ(book.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(book.error().message, HasSubstr("/nonexistent/policy.toml"));
}

TEST(AfterSalePolicyFileTest, SyntaxErrorNamesTheLine) {
  Error e = ParseError("[refund]\nfee_rounding = \n");
  EXPECT_THAT(e.message, AllOf(HasSubstr("p.toml line 2"), HasSubstr("not valid TOML")));
}

TEST(AfterSalePolicyFileTest, BadRoundingName) {
  Error e = ParseError("[refund]\n\nfee_rounding = \"halfyuan\"\n");
  EXPECT_EQ(e.code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(e.field, "refund.fee_rounding");
  EXPECT_THAT(e.message, AllOf(HasSubstr("p.toml line 3: refund.fee_rounding"),
                               HasSubstr("\"halfyuan\""), HasSubstr("half_yuan")));
}

TEST(AfterSalePolicyFileTest, PercentWithThreeDecimals) {
  Error e = ParseError(R"([change]
fee_percent = 10.005
)");
  EXPECT_EQ(e.field, "change.fee_percent");
  EXPECT_THAT(e.message,
              AllOf(HasSubstr("p.toml line 2: change.fee_percent"), HasSubstr("2 decimals")));
}

TEST(AfterSalePolicyFileTest, NegativeMinimumFeeIsRefusedByTheBook) {
  Error e = ParseError(R"([refund]
tiers = [ { at_least_before_minutes = 120, fee_percent = 10, minimum_fee_yuan = "0.50" },
          { at_least_before_minutes = 0, fee_percent = 20, minimum_fee_yuan = "-1.00" } ]
)");
  EXPECT_EQ(e.field, "refund.tiers[1].minimum_fee_yuan");
  EXPECT_THAT(e.message, AllOf(HasSubstr("p.toml line 3: refund.tiers[1].minimum_fee_yuan"),
                               HasSubstr("cannot be negative")));
}

TEST(AfterSalePolicyFileTest, UnknownKey) {
  Error e = ParseError("[change]\nmax_changes = 1\nfree_change = 1\n");
  EXPECT_EQ(e.field, "change.free_change");
  EXPECT_THAT(e.message, AllOf(HasSubstr("p.toml line 3: change.free_change"),
                               HasSubstr("unknown key"), HasSubstr("free_changes")));
  Error tier = ParseError(
      "[refund]\ntiers = [ { at_least_before_minutes = 0, fee_pct = 5, minimum_fee_yuan = "
      "\"0\" } ]\n");
  EXPECT_THAT(tier.message, HasSubstr("p.toml line 2: refund.tiers[0].fee_pct: unknown key"));
  Error top = ParseError("[refunds]\n");
  EXPECT_THAT(top.message, HasSubstr("p.toml line 1: refunds: unknown key"));
}

TEST(AfterSalePolicyFileTest, TiersNotDescending) {
  Error e = ParseError(R"([refund]
tiers = [
  { at_least_before_minutes = 60, fee_percent = 10, minimum_fee_yuan = "0.50" },
  { at_least_before_minutes = 120, fee_percent = 20, minimum_fee_yuan = "1.00" },
  { at_least_before_minutes = 0, fee_percent = 20, minimum_fee_yuan = "1.00" },
]
)");
  EXPECT_EQ(e.field, "refund.tiers[1].at_least_before_minutes");
  EXPECT_THAT(e.message, AllOf(HasSubstr("p.toml line 4: refund.tiers[1].at_least_before_minutes"),
                               HasSubstr("strictly descending")));
}

TEST(AfterSalePolicyFileTest, ValidateErrorInAnOverrideNamesTheOverride) {
  Error e = ParseError(R"([[override]]
channel = "kiosk"
[override.change]
free_changes = 2
)");
  EXPECT_EQ(e.field, "override[0].change.free_changes");
  EXPECT_THAT(e.message, HasSubstr("p.toml line 4: override[0].change.free_changes"));
}

TEST(AfterSalePolicyFileTest, DuplicateScope) {
  Error e = ParseError(R"([[override]]
station = "370102001"
channel = "mobile"

[[override]]
channel = "mobile"
station = "370102001"
)");
  EXPECT_EQ(e.field, "override[1]");
  EXPECT_THAT(e.message, AllOf(HasSubstr("p.toml line 5: override[1]"),
                               HasSubstr("same station, carrier and channel as override[0]")));
}

TEST(AfterSalePolicyFileTest, OverrideScopeErrors) {
  EXPECT_THAT(ParseError("[[override]]\nchannel = \"Mobile!\"\n").message,
              HasSubstr("p.toml line 2: override[0].channel"));
  EXPECT_THAT(ParseError("[[override]]\nstation = \"12\"\n").message,
              HasSubstr("p.toml line 2: override[0].station"));
  EXPECT_THAT(ParseError("\n[[override]]\n[override.change]\nmax_changes = 2\n").message,
              AllOf(HasSubstr("p.toml line 2: override[0]"), HasSubstr("station, carrier")));
}

TEST(AfterSalePolicyFileTest, WrongTypes) {
  EXPECT_THAT(ParseError("[change]\nmax_changes = \"1\"\n").message,
              HasSubstr("line 2: change.max_changes: expected a whole number, found a string"));
  EXPECT_THAT(ParseError("[change]\nminimum_fee_yuan = 0.5\n").message,
              HasSubstr("line 2: change.minimum_fee_yuan: expected yuan as a string"));
  EXPECT_THAT(ParseError("[change]\nfee_percent = 101\n").message,
              HasSubstr("line 2: change.fee_percent: expected a percent 0 to 100"));
  EXPECT_THAT(ParseError("refund = 3\n").message,
              HasSubstr("line 1: refund: expected a table, found an integer"));
}

}  // namespace
}  // namespace keyun::cli
