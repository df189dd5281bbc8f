#include "core/ids.h"

#include <gtest/gtest.h>

#include <string>
#include <unordered_set>

namespace keyun::core {
namespace {

// Expects `r` to have failed with InvalidArgument whose message mentions `needle`.
template <class T>
void ExpectInvalid(const Result<T>& r, std::string_view needle = {}) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find(needle), std::string::npos)
      << "message: " << r.error().message << "\nexpected to contain: " << needle;
}

LocalDate Date(std::string_view text) { return *LocalDate::Parse(text); }

// ---- MOD 11-2 -------------------------------------------------------------------------------

TEST(Mod11_2Test, MatchesGb11643Examples) {
  // GB 11643-1999's own example: 11010519491231002X.
  EXPECT_EQ(Mod11_2CheckChar("11010519491231002"), 'X');
  // Computed independently (python3: weights pow(2, 17-i, 11) for i = 0..16,
  // check = (12 - sum % 11) % 11): 37010219900307123 → 8.
  EXPECT_EQ(Mod11_2CheckChar("37010219900307123"), '8');
  EXPECT_EQ(Mod11_2CheckChar("81000019900101001"), '9');
}

TEST(Mod11_2Test, RejectsNonDigits) {
  EXPECT_EQ(Mod11_2CheckChar(""), std::nullopt);
  EXPECT_EQ(Mod11_2CheckChar("1101051949123100X"), std::nullopt);
  EXPECT_EQ(Mod11_2CheckChar("11010519 491231002"), std::nullopt);
}

TEST(Mod11_2Test, DetectsEverySingleDigitChange) {
  const std::string body = "11010519491231002";
  const char check = *Mod11_2CheckChar(body);
  for (std::size_t i = 0; i < body.size(); ++i) {
    for (char d = '0'; d <= '9'; ++d) {
      if (d == body[i]) continue;
      std::string changed = body;
      changed[i] = d;
      EXPECT_NE(*Mod11_2CheckChar(changed), check) << changed;
    }
  }
}

// ---- ProvinceCode ---------------------------------------------------------------------------

TEST(ProvinceCodeTest, ParsesKnownProvinces) {
  Result<ProvinceCode> sd = ProvinceCode::Parse("37");
  ASSERT_TRUE(sd) << sd.error().ToString();
  EXPECT_EQ(sd->str(), "37");
  EXPECT_EQ(sd->name(), "山东省");
  EXPECT_EQ(ProvinceCode::Parse("11")->name(), "北京市");
}

TEST(ProvinceCodeTest, RejectsMalformedAndUnknown) {
  ExpectInvalid(ProvinceCode::Parse(""), "2 digits");
  ExpectInvalid(ProvinceCode::Parse("3"), "2 digits");
  ExpectInvalid(ProvinceCode::Parse("370"), "2 digits");
  ExpectInvalid(ProvinceCode::Parse("3a"), "2 digits");
  ExpectInvalid(ProvinceCode::Parse("10"), "not a province");
  ExpectInvalid(ProvinceCode::Parse("81"), "not a province");
  ExpectInvalid(ProvinceCode::Parse("００"), "2 digits");
}

// ---- StationCode ----------------------------------------------------------------------------

TEST(StationCodeTest, ParsesAndExposesParts) {
  Result<StationCode> s = StationCode::Parse("370102001");
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(s->str(), "370102001");
  EXPECT_EQ(s->county(), "370102");
  EXPECT_EQ(s->province().str(), "37");
  EXPECT_EQ(s->province().name(), "山东省");
  EXPECT_EQ(s->sequence(), 1);
  EXPECT_EQ(StationCode::Parse("441900999")->sequence(), 999);
}

TEST(StationCodeTest, MakeFormatsTheSequence) {
  Result<StationCode> s = StationCode::Make("370102", 12);
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(s->str(), "370102012");
  EXPECT_EQ(*s, *StationCode::Parse("370102012"));
  ExpectInvalid(StationCode::Make("370102", 0), "1–999");
  ExpectInvalid(StationCode::Make("370102", 1000), "1–999");
  ExpectInvalid(StationCode::Make("110103", 1), "GB/T 2260");
  ExpectInvalid(StationCode::Make("37010", 1), "GB/T 2260");
}

TEST(StationCodeTest, RejectsMalformed) {
  ExpectInvalid(StationCode::Parse(""), "9 digits");
  ExpectInvalid(StationCode::Parse("37010200"), "9 digits");
  ExpectInvalid(StationCode::Parse("3701020011"), "9 digits");
  ExpectInvalid(StationCode::Parse("37010200A"), "9 digits");
  ExpectInvalid(StationCode::Parse(" 370102001"), "9 digits");
  ExpectInvalid(StationCode::Parse("370102000"), "000");
  ExpectInvalid(StationCode::Parse("110103001"), "not a county-level code");
  ExpectInvalid(StationCode::Parse("３７０１０２００１"), "full-width");
}

// ---- CreditCode -----------------------------------------------------------------------------

// Check characters verified independently (python3: charset "0123456789ABCDEFGHJKLMNPQRTUWXY",
// weights pow(3, i, 31) for i = 0..16, check = charset[(31 - sum % 31) % 31]).
// 91350100M000100Y43 is the example printed in GB 32100-2015 (it passes only with the
// standard's weights 3^(i-1) mod 31, which is how we know them); the others are further codes
// in the shapes seen on business licences, with letters in the body ("MA…") and an X check,
// each checked the same way.
constexpr std::string_view kValidCreditCodes[] = {
    "91350100M000100Y43", "91110000802100433B", "91110108551385082Q",
    "91440300708461136T", "91310000MA1FL1MMXL", "9111000071093123XX",
};

TEST(CreditCodeTest, AcceptsCodesWithCorrectCheckCharacter) {
  for (std::string_view text : kValidCreditCodes) {
    Result<CreditCode> c = CreditCode::Parse(text);
    ASSERT_TRUE(c) << text << ": " << c.error().ToString();
    EXPECT_EQ(c->str(), text);
    EXPECT_EQ(CreditCode::CheckChar(text.substr(0, 17)), text[17]);
  }
  Result<CreditCode> c = CreditCode::Parse("91350100M000100Y43");
  EXPECT_EQ(c->registration_authority(), '9');
  EXPECT_EQ(c->organization_type(), '1');
  EXPECT_EQ(c->division_code(), "350100");
  EXPECT_EQ(c->organization_code(), "M000100Y4");
}

TEST(CreditCodeTest, EverySingleCharacterChangeIsRejected) {
  constexpr std::string_view kCharset = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  for (std::string_view text : kValidCreditCodes) {
    for (std::size_t i = 0; i < text.size(); ++i) {
      for (char c : kCharset) {
        if (c == text[i]) continue;
        std::string changed(text);
        changed[i] = c;
        // Positions 3–8 must stay digits; a letter there fails for that reason instead.
        EXPECT_FALSE(CreditCode::Parse(changed).has_value()) << changed;
      }
    }
  }
}

TEST(CreditCodeTest, WrongCheckCharacterSaysSo) {
  ExpectInvalid(CreditCode::Parse("91350100M000100Y44"), "check character");
  ExpectInvalid(CreditCode::Parse("911100001000012345"), "check character");
}

TEST(CreditCodeTest, LowerCaseIsNormalisedToUpperCase) {
  Result<CreditCode> c = CreditCode::Parse("91310000ma1fl1mmxl");
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->str(), "91310000MA1FL1MMXL");
  EXPECT_EQ(*c, *CreditCode::Parse("91310000MA1FL1MMXL"));
}

TEST(CreditCodeTest, RejectsMalformed) {
  ExpectInvalid(CreditCode::Parse(""), "0 characters");
  ExpectInvalid(CreditCode::Parse("91350100M000100Y4"), "17 characters");
  ExpectInvalid(CreditCode::Parse("91350100M000100Y433"), "19 characters");
  ExpectInvalid(CreditCode::Parse("91350100I000100Y43"), "letter I is never used");
  ExpectInvalid(CreditCode::Parse("91350100O000100Y43"), "letter O is never used");
  ExpectInvalid(CreditCode::Parse("91350100M0001-0Y43"), "'-' is not a digit or letter");
  ExpectInvalid(CreditCode::Parse("91A50100M000100Y43"), "characters 3–8");
  ExpectInvalid(CreditCode::Parse("９1350100M000100Y43"), "full-width");
  ExpectInvalid(CreditCode::Parse("91350100M000100Y43 "), "19 characters");
}

// ---- ScheduleCode ---------------------------------------------------------------------------

TEST(ScheduleCodeTest, AcceptsCapitalsAndDigits) {
  for (std::string_view text : {"K0301", "1", "A", "123456789012", "ZZZZ"}) {
    Result<ScheduleCode> s = ScheduleCode::Parse(text);
    ASSERT_TRUE(s) << text << ": " << s.error().ToString();
    EXPECT_EQ(s->str(), text);
  }
}

TEST(ScheduleCodeTest, RejectsMalformed) {
  ExpectInvalid(ScheduleCode::Parse(""), "empty");
  ExpectInvalid(ScheduleCode::Parse("1234567890123"), "13 characters");
  ExpectInvalid(ScheduleCode::Parse("k0301"), "capitals (K0301)");
  ExpectInvalid(ScheduleCode::Parse("K-0301"), "'-'");
  ExpectInvalid(ScheduleCode::Parse("K 0301"), "' '");
  ExpectInvalid(ScheduleCode::Parse("Ｋ0301"), "full-width");
  ExpectInvalid(ScheduleCode::Parse("班次1"), "non-ASCII");
}

// ---- RunId ----------------------------------------------------------------------------------

TEST(RunIdTest, MakeAndParseRoundTrip) {
  const StationCode station = *StationCode::Parse("370102001");
  const ScheduleCode schedule = *ScheduleCode::Parse("K0301");
  const RunId run = RunId::Make(station, Date("2026-11-22"), schedule);
  EXPECT_EQ(run.str(), "370102001-20261122-K0301");
  Result<RunId> parsed = RunId::Parse("370102001-20261122-K0301");
  ASSERT_TRUE(parsed) << parsed.error().ToString();
  EXPECT_EQ(*parsed, run);
  EXPECT_EQ(parsed->station(), station);
  EXPECT_EQ(parsed->date(), Date("2026-11-22"));
  EXPECT_EQ(parsed->schedule(), schedule);
}

TEST(RunIdTest, OrdersByStationThenDateThenSchedule) {
  EXPECT_LT(*RunId::Parse("370102001-20261122-K0301"), *RunId::Parse("370102001-20261123-A1"));
  EXPECT_LT(*RunId::Parse("370102001-20261122-K0301"), *RunId::Parse("370102001-20261122-K0302"));
  EXPECT_LT(*RunId::Parse("370102001-20261130-K0301"), *RunId::Parse("370102002-20261101-K0301"));
}

TEST(RunIdTest, RejectsMalformed) {
  ExpectInvalid(RunId::Parse(""), "{station}-{yyyymmdd}-{schedule}");
  ExpectInvalid(RunId::Parse("370102001-20261122-"), "{station}-{yyyymmdd}-{schedule}");
  ExpectInvalid(RunId::Parse("370102001-2026-11-22-K0301"), "{station}");
  ExpectInvalid(RunId::Parse("370102001_20261122_K0301"), "{station}");
  ExpectInvalid(RunId::Parse("110103001-20261122-K0301"), "not a county-level code");
  ExpectInvalid(RunId::Parse("370102001-20261131-K0301"), "no day 31");
  ExpectInvalid(RunId::Parse("370102001-20261122-k0301"), "capitals");
  ExpectInvalid(RunId::Parse("370102001-20261122-K0301ABCDEFGH"), "{station}");
}

// ---- TicketNumber ---------------------------------------------------------------------------

// Check characters computed independently with python3 (MOD 11-2 over the first 19 digits,
// weights pow(2, 19 - i, 11) for i = 0..18, check = (12 - sum % 11) % 11, 10 → X).
TEST(TicketNumberTest, MakeFormatsAndComputesTheCheck) {
  const ProvinceCode sd = *ProvinceCode::Parse("37");
  Result<TicketNumber> t = TicketNumber::Make(sd, Date("2026-11-22"), 1);
  ASSERT_TRUE(t) << t.error().ToString();
  EXPECT_EQ(t->str(), "37261122000000000017");
  EXPECT_EQ(TicketNumber::Make(sd, Date("2026-11-22"), 0)->str(), "37261122000000000009");
  EXPECT_EQ(TicketNumber::Make(sd, Date("2026-11-22"), 5)->str(), "3726112200000000005X");
  EXPECT_EQ(
      TicketNumber::Make(*ProvinceCode::Parse("11"), Date("2000-01-01"), TicketNumber::kMaxSequence)
          ->str(),
      "11000101999999999999");
}

TEST(TicketNumberTest, ParseRoundTripsAndExposesParts) {
  for (std::int64_t seq : {0LL, 1LL, 5LL, 123456789LL, 99'999'999'999LL}) {
    const TicketNumber made =
        *TicketNumber::Make(*ProvinceCode::Parse("44"), Date("2099-12-31"), seq);
    Result<TicketNumber> parsed = TicketNumber::Parse(made.str());
    ASSERT_TRUE(parsed) << made.str() << ": " << parsed.error().ToString();
    EXPECT_EQ(*parsed, made);
    EXPECT_EQ(parsed->province().str(), "44");
    EXPECT_EQ(parsed->issue_date(), Date("2099-12-31"));
    EXPECT_EQ(parsed->sequence(), seq);
    EXPECT_EQ(parsed->check_char(), made.str().back());
  }
}

TEST(TicketNumberTest, LowerCaseXIsAccepted) {
  Result<TicketNumber> t = TicketNumber::Parse("3726112200000000005x");
  ASSERT_TRUE(t) << t.error().ToString();
  EXPECT_EQ(t->str(), "3726112200000000005X");
}

TEST(TicketNumberTest, MakeRejectsOutOfRange) {
  const ProvinceCode sd = *ProvinceCode::Parse("37");
  ExpectInvalid(TicketNumber::Make(sd, Date("1999-12-31"), 1), "2000–2099");
  ExpectInvalid(TicketNumber::Make(sd, Date("2100-01-01"), 1), "2000–2099");
  ExpectInvalid(TicketNumber::Make(sd, Date("2026-11-22"), -1), "11 digits");
  ExpectInvalid(TicketNumber::Make(sd, Date("2026-11-22"), 100'000'000'000), "11 digits");
}

TEST(TicketNumberTest, RejectsMalformed) {
  ExpectInvalid(TicketNumber::Parse(""), "malformed");
  ExpectInvalid(TicketNumber::Parse("3726112200000000001"), "malformed");
  ExpectInvalid(TicketNumber::Parse("372611220000000000170"), "malformed");
  ExpectInvalid(TicketNumber::Parse("37261122000000000018"), "check character");
  ExpectInvalid(TicketNumber::Parse("37261122000000000X17"), "malformed");
  ExpectInvalid(TicketNumber::Parse("3726112200000000001Y"), "malformed");
  ExpectInvalid(TicketNumber::Parse("37261122000000000017 "), "malformed");
  ExpectInvalid(TicketNumber::Parse("３7261122000000000017"), "full-width");
  // Check characters right (computed as above), other parts wrong:
  ExpectInvalid(TicketNumber::Parse(std::string("1026112200000000001") +
                                    *Mod11_2CheckChar("1026112200000000001")),
                "province");
  ExpectInvalid(TicketNumber::Parse(std::string("3726023000000000001") +
                                    *Mod11_2CheckChar("3726023000000000001")),
                "issue date");
}

TEST(IdsTest, HashableForUnorderedContainers) {
  std::unordered_set<StationCode> stations;
  stations.insert(*StationCode::Parse("370102001"));
  stations.insert(*StationCode::Parse("370102001"));
  stations.insert(*StationCode::Parse("370102002"));
  EXPECT_EQ(stations.size(), 2u);
  std::unordered_set<RunId> runs{*RunId::Parse("370102001-20261122-K0301")};
  EXPECT_TRUE(runs.contains(*RunId::Parse("370102001-20261122-K0301")));
  std::unordered_set<TicketNumber> tickets{*TicketNumber::Parse("37261122000000000017")};
  EXPECT_EQ(tickets.size(), 1u);
  std::unordered_set<CreditCode> carriers{*CreditCode::Parse("91350100M000100Y43")};
  std::unordered_set<ProvinceCode> provinces{*ProvinceCode::Parse("37")};
  std::unordered_set<ScheduleCode> schedules{*ScheduleCode::Parse("K0301")};
  EXPECT_EQ(carriers.size() + provinces.size() + schedules.size(), 3u);
}

}  // namespace
}  // namespace keyun::core
