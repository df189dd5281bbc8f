#include "core/id_document.h"

#include <gtest/gtest.h>

#include <string>

namespace keyun::core {
namespace {

// Every 18-character number below that is meant to pass its check has its last character
// computed independently with python3:
//   def m112(d): s = sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(d))
//                v = (12 - s % 11) % 11; return 'X' if v == 10 else str(v)
// so a test that fails for another reason (date, area) fails for that reason only.

LocalDate Today() { return *LocalDate::Parse("2026-11-22"); }
LocalDate Date(std::string_view text) { return *LocalDate::Parse(text); }

Result<IdDocument> Resident(std::string_view number) {
  return IdDocument::Parse(IdType::kResidentId, number, Today());
}

void ExpectInvalid(const Result<IdDocument>& r, std::string_view needle) {
  ASSERT_FALSE(r.has_value()) << "accepted: " << r->number();
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find(needle), std::string::npos)
      << "message: " << r.error().message << "\nexpected to contain: " << needle;
}

// ---- IdType ---------------------------------------------------------------------------------

TEST(IdTypeTest, NamesAreStableAndRoundTrip) {
  const std::pair<IdType, std::string_view> kNames[] = {
      {IdType::kResidentId, "resident_id"},
      {IdType::kHkMacaoTaiwanResidencePermit, "hmt_residence_permit"},
      {IdType::kForeignPermanentResidence, "foreign_permanent_residence"},
      {IdType::kPassport, "passport"},
      {IdType::kHkMacaoTravelPermit, "hk_macao_permit"},
      {IdType::kTaiwanTravelPermit, "taiwan_permit"},
      {IdType::kTemporaryResidentId, "temporary_id"},
      {IdType::kHouseholdRegister, "household_register"},
  };
  for (const auto& [type, name] : kNames) {
    EXPECT_EQ(IdTypeName(type), name);
    EXPECT_EQ(*ParseIdType(name), type);
    EXPECT_FALSE(IdTypeDisplayName(type).empty());
  }
  EXPECT_EQ(IdTypeDisplayName(IdType::kResidentId), "居民身份证");
  Result<IdType> bad = ParseIdType("id_card");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("resident_id"), std::string::npos);
  EXPECT_FALSE(ParseIdType(""));
  EXPECT_FALSE(ParseIdType("Resident_ID"));
}

TEST(IdTypeTest, WindowOnly) {
  EXPECT_TRUE(WindowOnly(IdType::kTemporaryResidentId));
  EXPECT_TRUE(WindowOnly(IdType::kHouseholdRegister));
  EXPECT_FALSE(WindowOnly(IdType::kResidentId));
  EXPECT_FALSE(WindowOnly(IdType::kPassport));
  EXPECT_FALSE(WindowOnly(IdType::kHkMacaoTaiwanResidencePermit));
  EXPECT_FALSE(WindowOnly(IdType::kForeignPermanentResidence));
  EXPECT_FALSE(WindowOnly(IdType::kHkMacaoTravelPermit));
  EXPECT_FALSE(WindowOnly(IdType::kTaiwanTravelPermit));
}

// ---- Resident ID ----------------------------------------------------------------------------

TEST(ResidentIdTest, AcceptsTheGb11643Example) {
  Result<IdDocument> doc = Resident("11010519491231002X");
  ASSERT_TRUE(doc) << doc.error().ToString();
  EXPECT_EQ(doc->type(), IdType::kResidentId);
  EXPECT_EQ(doc->number(), "11010519491231002X");
  EXPECT_EQ(doc->birth_date(), Date("1949-12-31"));
  EXPECT_EQ(doc->Masked(), "1101**********002X");
}

TEST(ResidentIdTest, AcceptsValidNumbers) {
  for (std::string_view number : {
           "370102199003071238",  // 济南 历下区, 1990-03-07
           "37010219900307106X",  // check value 10
           "370102200002290020",  // 2000-02-29: 2000 is a leap year
           "441900198810100010",  // 东莞, a city with no county level
           "370102202611220019",  // born today
       }) {
    Result<IdDocument> doc = Resident(number);
    ASSERT_TRUE(doc) << number << ": " << doc.error().ToString();
    EXPECT_EQ(doc->number(), number);
  }
  EXPECT_EQ(Resident("370102200002290020")->birth_date(), Date("2000-02-29"));
}

TEST(ResidentIdTest, NormalisesLowerCaseXAndSurroundingWhitespace) {
  Result<IdDocument> doc = Resident("  11010519491231002x\t");
  ASSERT_TRUE(doc) << doc.error().ToString();
  EXPECT_EQ(doc->number(), "11010519491231002X");
  // The ideographic space a Chinese input method types is trimmed too.
  Result<IdDocument> ideographic = Resident(
      "\xE3\x80\x80"
      "11010519491231002X");
  ASSERT_TRUE(ideographic) << ideographic.error().ToString();
  EXPECT_EQ(*ideographic, *doc);
}

TEST(ResidentIdTest, RejectsEmpty) {
  ExpectInvalid(Resident(""), "empty");
  ExpectInvalid(Resident("   "), "empty");
}

TEST(ResidentIdTest, RejectsWrongLength) {
  ExpectInvalid(Resident("1101051949123100"), "has 16 characters");
  ExpectInvalid(Resident("11010519491231002X1"), "has 19 characters");
  ExpectInvalid(Resident("1"), "has 1 characters");
}

TEST(ResidentIdTest, RejectsLegacyFifteenDigitNumbers) {
  ExpectInvalid(Resident("110105491231002"), "first-generation 15-digit");
  ExpectInvalid(Resident("110105491231002"), "18-digit");
}

TEST(ResidentIdTest, RejectsBadCheckCharacter) {
  ExpectInvalid(Resident("110105194912310021"), "check digit");
  ExpectInvalid(Resident("370102199003071234"), "check digit");  // should end in 8
  // Every other last character fails too.
  for (char c : std::string("012345679X")) {
    std::string number = "37010219900307123";
    number += c;
    if (c == '8') continue;
    ExpectInvalid(Resident(number), "check digit");
  }
  // A transposition of two adjacent digits is caught.
  ExpectInvalid(Resident("370102199030071238"), "check digit");
}

TEST(ResidentIdTest, RejectsMalformedCharacters) {
  ExpectInvalid(Resident("1101051949123100XX"), "17 digits followed by a check digit or X");
  ExpectInvalid(Resident("11010519491231002Y"), "17 digits followed by a check digit or X");
  ExpectInvalid(Resident("110105-9491231002X"), "17 digits followed by a check digit or X");
  ExpectInvalid(Resident("110105 19491231002X"), "spaces");
}

TEST(ResidentIdTest, RejectsFullWidthAndNonAscii) {
  // "１１０１０５１９４９１２３１００２Ｘ" typed in full-width (全角) mode.
  ExpectInvalid(Resident("１１０１０５１９４９１２３１００２Ｘ"), "full-width");
  ExpectInvalid(Resident("11010519491231002Ｘ"), "half-width");
  ExpectInvalid(Resident("11010519491231002χ"), "ASCII");  // Greek chi, not X
  ExpectInvalid(Resident("身份证11010519491231002X"), "ASCII");
}

TEST(ResidentIdTest, RejectsImpossibleBirthDates) {
  ExpectInvalid(Resident("370102199002300027"), "impossible birth date");  // Feb 30
  ExpectInvalid(Resident("370102202302290021"), "impossible birth date");  // 2023-02-29
  ExpectInvalid(Resident("370102190002290024"), "impossible birth date");  // 1900-02-29
  ExpectInvalid(Resident("370102199013010025"), "impossible birth date");  // month 13
  ExpectInvalid(Resident("370102199001000022"), "impossible birth date");  // day 00
  ExpectInvalid(Resident("370102189912310014"), "before 1900");
}

TEST(ResidentIdTest, RejectsFutureBirthDate) {
  ExpectInvalid(Resident("370102202612010013"), "in the future");  // 2026-12-01
  // The same number is fine once that day has come.
  EXPECT_TRUE(IdDocument::Parse(IdType::kResidentId, "370102202612010013", Date("2026-12-01")));
}

TEST(ResidentIdTest, RejectsUnknownAreaCodes) {
  ExpectInvalid(Resident("110103198001010013"), "110103");  // 崇文区, abolished in 2010
  ExpectInvalid(Resident("370199198001010014"), "not a county-level area code");
}

TEST(ResidentIdTest, PointsResidencePermitNumbersToTheirType) {
  ExpectInvalid(Resident("810000199001010019"), "港澳台居民居住证");
}

TEST(ResidentIdTest, ErrorsNeverEchoTheNumber) {
  for (std::string_view number :
       {"370102199003071234", "110103198001010013", "370102202612010013", "370102199002300027"}) {
    Result<IdDocument> doc = Resident(number);
    ASSERT_FALSE(doc);
    EXPECT_EQ(doc.error().message.find(number), std::string::npos) << doc.error().message;
  }
}

TEST(ResidentIdTest, TemporaryIdAndHouseholdRegisterFollowTheSameRules) {
  for (IdType type : {IdType::kTemporaryResidentId, IdType::kHouseholdRegister}) {
    Result<IdDocument> doc = IdDocument::Parse(type, "11010519491231002x", Today());
    ASSERT_TRUE(doc) << doc.error().ToString();
    EXPECT_EQ(doc->type(), type);
    EXPECT_EQ(doc->number(), "11010519491231002X");
    EXPECT_EQ(doc->birth_date(), Date("1949-12-31"));
    ExpectInvalid(IdDocument::Parse(type, "110105491231002", Today()), "15-digit");
    ExpectInvalid(IdDocument::Parse(type, "110105194912310021", Today()), "check digit");
    ExpectInvalid(IdDocument::Parse(type, "110103198001010013", Today()), "110103");
  }
}

// ---- Residence permit for Hong Kong, Macao and Taiwan residents ----------------------------

TEST(HmtResidencePermitTest, AcceptsTheThreeAreaCodes) {
  for (std::string_view number :
       {"810000199001010019", "820000198512120022", "830000197007070033"}) {
    Result<IdDocument> doc =
        IdDocument::Parse(IdType::kHkMacaoTaiwanResidencePermit, number, Today());
    ASSERT_TRUE(doc) << number << ": " << doc.error().ToString();
  }
  EXPECT_EQ(IdDocument::Parse(IdType::kHkMacaoTaiwanResidencePermit, "810000199001010019", Today())
                ->birth_date(),
            Date("1990-01-01"));
}

TEST(HmtResidencePermitTest, RejectsOtherAreasAndBadChecks) {
  ExpectInvalid(
      IdDocument::Parse(IdType::kHkMacaoTaiwanResidencePermit, "11010519491231002X", Today()),
      "810000");
  ExpectInvalid(
      IdDocument::Parse(IdType::kHkMacaoTaiwanResidencePermit, "810000199001010018", Today()),
      "check digit");
}

// ---- Foreign permanent residence ID card ----------------------------------------------------

TEST(ForeignPermanentResidenceTest, Accepts2023Cards) {
  // 9 + 11 (Beijing) + 840 (United States) + 1985-06-12 + 001 + check, computed as above.
  Result<IdDocument> doc =
      IdDocument::Parse(IdType::kForeignPermanentResidence, "911840198506120015", Today());
  ASSERT_TRUE(doc) << doc.error().ToString();
  EXPECT_EQ(doc->birth_date(), Date("1985-06-12"));
  EXPECT_TRUE(IdDocument::Parse(IdType::kForeignPermanentResidence, "931156200001010028", Today()));
}

TEST(ForeignPermanentResidenceTest, Rejects2023CardsWithBadCheckOrPrefix) {
  ExpectInvalid(
      IdDocument::Parse(IdType::kForeignPermanentResidence, "911840198506120016", Today()),
      "check digit");
  ExpectInvalid(
      IdDocument::Parse(IdType::kForeignPermanentResidence, "11010519491231002X", Today()),
      "start with 9");
}

TEST(ForeignPermanentResidenceTest, Accepts2017CardsByShape) {
  Result<IdDocument> doc =
      IdDocument::Parse(IdType::kForeignPermanentResidence, "usa110085061201", Today());
  ASSERT_TRUE(doc) << doc.error().ToString();
  EXPECT_EQ(doc->number(), "USA110085061201");
  EXPECT_EQ(doc->birth_date(), std::nullopt);
  ExpectInvalid(IdDocument::Parse(IdType::kForeignPermanentResidence, "US1110085061201", Today()),
                "3 letters followed by 12 digits");
  ExpectInvalid(IdDocument::Parse(IdType::kForeignPermanentResidence, "USA11008506120A", Today()),
                "3 letters followed by 12 digits");
  ExpectInvalid(IdDocument::Parse(IdType::kForeignPermanentResidence, "USA1100850612", Today()),
                "15");
}

// ---- Passport -------------------------------------------------------------------------------

TEST(PassportTest, AcceptsLettersAndDigits) {
  for (std::string_view number : {"E12345678", "G12345678", "EA1234567", "123456789", "AB123",
                                  "C01X00T47", "12345678901234567"}) {
    Result<IdDocument> doc = IdDocument::Parse(IdType::kPassport, number, Today());
    ASSERT_TRUE(doc) << number << ": " << doc.error().ToString();
    EXPECT_EQ(doc->birth_date(), std::nullopt);
  }
  EXPECT_EQ(IdDocument::Parse(IdType::kPassport, " e12345678 ", Today())->number(), "E12345678");
}

TEST(PassportTest, RejectsMalformed) {
  ExpectInvalid(IdDocument::Parse(IdType::kPassport, "E123", Today()), "5 to 17");
  ExpectInvalid(IdDocument::Parse(IdType::kPassport, "123456789012345678", Today()), "5 to 17");
  ExpectInvalid(IdDocument::Parse(IdType::kPassport, "E1234-5678", Today()), "5 to 17");
  ExpectInvalid(IdDocument::Parse(IdType::kPassport, "E1234 5678", Today()), "spaces");
  ExpectInvalid(IdDocument::Parse(IdType::kPassport, "Ｅ12345678", Today()), "full-width");
  ExpectInvalid(IdDocument::Parse(IdType::kPassport, "", Today()), "empty");
}

// ---- Mainland travel permits ----------------------------------------------------------------

TEST(HkMacaoTravelPermitTest, AcceptsHOrMWithEightOrTenDigits) {
  for (std::string_view number : {"H12345678", "M12345678", "H1234567801", "h12345678"}) {
    EXPECT_TRUE(IdDocument::Parse(IdType::kHkMacaoTravelPermit, number, Today())) << number;
  }
  for (std::string_view number :
       {"C12345678", "H1234567", "H123456789", "H123456780123", "12345678", "HA2345678"}) {
    ExpectInvalid(IdDocument::Parse(IdType::kHkMacaoTravelPermit, number, Today()),
                  "H (Hong Kong) or M (Macao)");
  }
}

TEST(TaiwanTravelPermitTest, AcceptsEightDigitsOrTheOlderTenCharacters) {
  for (std::string_view number : {"12345678", "1234567801", "12345678B1"}) {
    EXPECT_TRUE(IdDocument::Parse(IdType::kTaiwanTravelPermit, number, Today())) << number;
  }
  for (std::string_view number :
       {"1234567", "123456789", "A2345678", "12345678(B)", "12345678901"}) {
    ExpectInvalid(IdDocument::Parse(IdType::kTaiwanTravelPermit, number, Today()), "8 digits");
  }
}

TEST(IdDocumentTest, EqualityIsByTypeAndNormalisedNumber) {
  const IdDocument a = *Resident("11010519491231002X");
  const IdDocument b = *Resident(" 11010519491231002x");
  const IdDocument c =
      *IdDocument::Parse(IdType::kHouseholdRegister, "11010519491231002X", Today());
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

}  // namespace
}  // namespace keyun::core
