#include "eticket/voucher.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/personal_data.h"
#include "voucher_fixture.h"

namespace keyun::eticket {
namespace {

using testing::SamplePayload;

VoucherPayload RoundTrip(const VoucherPayload& payload) {
  Result<std::vector<std::uint8_t>> bytes = EncodeVoucherPayload(payload);
  EXPECT_TRUE(bytes.has_value()) << bytes.error().ToString();
  if (!bytes) return payload;
  Result<VoucherPayload> back = DecodeVoucherPayload(*bytes);
  EXPECT_TRUE(back.has_value()) << back.error().ToString();
  return back ? *back : payload;
}

TEST(VoucherPayloadTest, RoundTripsEveryField) {
  const VoucherPayload payload = SamplePayload();
  const VoucherPayload back = RoundTrip(payload);
  EXPECT_EQ(back, payload);
  EXPECT_EQ(back.version, 1);
  EXPECT_EQ(back.key_id, "37-ed25519-0001");
  EXPECT_EQ(back.ticket_number, payload.ticket_number);
  EXPECT_EQ(back.run.str(), "370102001-20261122-K0301");
  EXPECT_EQ(back.boarding_stop, 0);
  EXPECT_EQ(back.boarding_station.str(), "370102001");
  EXPECT_EQ(back.alighting_stop, 3);
  EXPECT_EQ(back.alighting_station.str(), "370602001");
  EXPECT_EQ(back.seat, 12);
  EXPECT_EQ(back.fare.fen(), 18650);
  EXPECT_EQ(back.fare_type, FareType::kAdult);
  EXPECT_EQ(back.passenger_name_masked, "欧**娜");
  EXPECT_EQ(back.id_hash, payload.id_hash);
  EXPECT_EQ(back.valid_from, payload.valid_from);
  EXPECT_EQ(back.valid_until, payload.valid_until);
  EXPECT_EQ(back.issued_at, payload.issued_at);
}

TEST(VoucherPayloadTest, IsCompact) {
  Result<std::vector<std::uint8_t>> bytes = EncodeVoucherPayload(SamplePayload());
  ASSERT_TRUE(bytes.has_value());
  // 1 version + 3 key id + 8 ticket + 12 run + 10 stops + 1 seat + 3 fare + 2 type/flags
  // + 1 + 8 name + 32 hash + 10 times (5 issued, 3 from, 2 until).
  EXPECT_EQ(bytes->size(), 91u);
}

// The annotated example of docs/eticket.md, "Byte layout": keep the two in step.
TEST(VoucherPayloadTest, MatchesTheDocumentedExample) {
  const std::vector<std::uint8_t> expected = {
      0x01,                                                  // version
      0x25, 0x00, 0x01,                                      // key 37-ed25519-0001
      0x33, 0xb5, 0xcf, 0x1f, 0x49, 0x52, 0x30, 0x39,        // ticket 3726112000000012345(2)
      0x16, 0x0f, 0x4e, 0xf1,                                // run: station 370102001
      0x51, 0x2b,                                            // run: day 20779 = 2026-11-22
      0x05, 'K',  '0',  '3',  '0',  '1',                     // run: schedule K0301
      0x00, 0x16, 0x0f, 0x4e, 0xf1,                          // boarding: stop 0, 370102001
      0x03, 0x16, 0x16, 0xf0, 0x11,                          // alighting: stop 3, 370602001
      0x0c,                                                  // seat 12
      0xda, 0x91, 0x01,                                      // fare 18650 fen
      0x00, 0x01,                                            // adult; flags: ID hash present
      0x08, 0xe6, 0xac, 0xa7, '*',  '*',  0xe5, 0xa8, 0x9c,  // "欧**娜"
      0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa,  // ID hash …
      0xab, 0xac, 0xad, 0xae, 0xaf, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8,
      0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf, 0x99, 0x8a, 0x80, 0xd8, 0x06,  // issued 1795163417
      0x9e, 0xd9, 0x10,  // valid_from = issued + 136783 s
      0xb0, 0x54,        // valid_until = valid_from + 10800 s
  };
  Result<std::vector<std::uint8_t>> bytes = EncodeVoucherPayload(SamplePayload());
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(*bytes, expected);
  EXPECT_EQ(SamplePayload().ticket_number.str(), "37261120000000123452");
}

TEST(VoucherPayloadTest, RoundTripsOtherFareTypesAndNames) {
  VoucherPayload child = SamplePayload();
  child.fare_type = FareType::kChild;
  child.fare = core::Money::Fen(9325);
  child.passenger_name_masked = core::MaskName("John Smith");
  EXPECT_EQ(RoundTrip(child), child);

  VoucherPayload free_child = SamplePayload();
  free_child.fare_type = FareType::kFreeChild;
  free_child.seat = 0;
  free_child.fare = core::Money::Zero();
  free_child.passenger_name_masked = core::MaskName("𠮷野家");  // a 4-byte character
  EXPECT_EQ(RoundTrip(free_child), free_child);

  VoucherPayload discount = SamplePayload();
  discount.fare_type = FareType::kDiscount;
  discount.boarding_stop = 200;
  discount.alighting_stop = kMaxStopIndex;
  discount.seat = kMaxSeat;
  discount.run = *core::RunId::Parse("370102001-20261122-ABCDEFGHIJ12");
  EXPECT_EQ(RoundTrip(discount), discount);
}

TEST(VoucherPayloadTest, RoundTripsATicketThatIsNotRealName) {
  VoucherPayload anonymous = SamplePayload();
  anonymous.passenger_name_masked.clear();
  anonymous.id_hash.reset();
  EXPECT_EQ(RoundTrip(anonymous), anonymous);
  Result<std::vector<std::uint8_t>> bytes = EncodeVoucherPayload(anonymous);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(bytes->size(), 91u - 32 - 8);
}

TEST(VoucherPayloadTest, TimesTravelToTheWholeSecondRoundedDown) {
  VoucherPayload payload = SamplePayload();
  payload.issued_at = payload.issued_at + std::chrono::microseconds(999'999);
  const VoucherPayload back = RoundTrip(payload);
  EXPECT_EQ(back.issued_at, SamplePayload().issued_at);
}

TEST(VoucherPayloadTest, ValidAtIsHalfOpen) {
  const VoucherPayload payload = SamplePayload();
  EXPECT_FALSE(payload.ValidAt(payload.valid_from - std::chrono::seconds(1)));
  EXPECT_TRUE(payload.ValidAt(payload.valid_from));
  EXPECT_TRUE(payload.ValidAt(payload.valid_until - std::chrono::seconds(1)));
  EXPECT_FALSE(payload.ValidAt(payload.valid_until));
}

struct BadPayload {
  std::string name;
  std::function<void(VoucherPayload&)> change;
  std::string field;
};

TEST(VoucherPayloadTest, RefusesPayloadsThatBreakTheRules) {
  const std::vector<BadPayload> cases = {
      {"version 2", [](VoucherPayload& p) { p.version = 2; }, "version"},
      {"empty key id", [](VoucherPayload& p) { p.key_id.clear(); }, "key_id"},
      {"upper-case key id", [](VoucherPayload& p) { p.key_id = "37-ED25519-0001"; }, "key_id"},
      {"short serial", [](VoucherPayload& p) { p.key_id = "37-ed25519-1"; }, "key_id"},
      {"alighting before boarding",
       [](VoucherPayload& p) {
         p.boarding_stop = 3;
         p.alighting_stop = 2;
       },
       "alighting_stop"},
      {"same stop", [](VoucherPayload& p) { p.alighting_stop = 0; }, "alighting_stop"},
      {"stop 256", [](VoucherPayload& p) { p.alighting_stop = 256; }, "alighting_stop"},
      {"negative stop", [](VoucherPayload& p) { p.boarding_stop = -1; }, "alighting_stop"},
      {"seat 1000", [](VoucherPayload& p) { p.seat = 1000; }, "seat"},
      {"adult without a seat", [](VoucherPayload& p) { p.seat = 0; }, "seat"},
      {"free child with a seat", [](VoucherPayload& p) { p.fare_type = FareType::kFreeChild; },
       "seat"},
      {"free child who pays",
       [](VoucherPayload& p) {
         p.fare_type = FareType::kFreeChild;
         p.seat = 0;
       },
       "fare"},
      {"negative fare", [](VoucherPayload& p) { p.fare = core::Money::Fen(-1); }, "fare"},
      {"empty validity", [](VoucherPayload& p) { p.valid_until = p.valid_from; }, "valid_until"},
      {"validity under a second",
       [](VoucherPayload& p) { p.valid_until = p.valid_from + std::chrono::milliseconds(500); },
       "valid_until"},
      {"before 1970", [](VoucherPayload& p) { p.valid_from = core::Instant::FromUnixMicros(-1); },
       "valid_from"},
      {"after 2106",
       [](VoucherPayload& p) {
         p.valid_until = core::Instant::FromUnixMicros(0x1'0000'0000LL * 1'000'000);
       },
       "valid_until"},
      {"name too long", [](VoucherPayload& p) { p.passenger_name_masked = std::string(65, 'x'); },
       "passenger_name_masked"},
      {"name with a newline", [](VoucherPayload& p) { p.passenger_name_masked = "张\n*"; },
       "passenger_name_masked"},
      {"name not UTF-8", [](VoucherPayload& p) { p.passenger_name_masked = "\xE5\xBC"; },
       "passenger_name_masked"},
      {"name with a surrogate", [](VoucherPayload& p) { p.passenger_name_masked = "\xED\xA0\x80"; },
       "passenger_name_masked"},
      {"run after 2149",
       [](VoucherPayload& p) { p.run = *core::RunId::Parse("370102001-21500101-K0301"); }, "run"},
  };
  for (const BadPayload& c : cases) {
    VoucherPayload payload = SamplePayload();
    c.change(payload);
    Result<std::vector<std::uint8_t>> bytes = EncodeVoucherPayload(payload);
    ASSERT_FALSE(bytes.has_value()) << c.name;
    EXPECT_EQ(bytes.error().code, ErrorCode::kInvalidArgument) << c.name;
    EXPECT_EQ(bytes.error().field, c.field) << c.name << ": " << bytes.error().ToString();
  }
}

TEST(VoucherPayloadTest, DecodeRefusesTrailingBytesAndEveryTruncation) {
  Result<std::vector<std::uint8_t>> bytes = EncodeVoucherPayload(SamplePayload());
  ASSERT_TRUE(bytes.has_value());
  std::vector<std::uint8_t> longer = *bytes;
  longer.push_back(0);
  EXPECT_FALSE(DecodeVoucherPayload(longer).has_value());
  for (std::size_t n = 0; n < bytes->size(); ++n) {
    Result<VoucherPayload> cut = DecodeVoucherPayload(std::span(bytes->data(), n));
    ASSERT_FALSE(cut.has_value()) << n;
    EXPECT_EQ(cut.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(VoucherPayloadTest, DecodeRefusesANonMinimalVarint) {
  VoucherPayload payload = SamplePayload();
  Result<std::vector<std::uint8_t>> bytes = EncodeVoucherPayload(payload);
  ASSERT_TRUE(bytes.has_value());
  // The boarding stop (0) follows version, key id (3), ticket (8), run station (4), date (2),
  // schedule (1 + 5): write it as 0x80 0x00 instead of 0x00.
  const std::size_t at = 1 + 3 + 8 + 4 + 2 + 1 + 5;
  ASSERT_EQ((*bytes)[at], 0x00);
  (*bytes)[at] = 0x80;
  bytes->insert(bytes->begin() + static_cast<std::ptrdiff_t>(at) + 1, 0x00);
  Result<VoucherPayload> back = DecodeVoucherPayload(*bytes);
  ASSERT_FALSE(back.has_value());
  EXPECT_NE(back.error().message.find("shortest form"), std::string::npos) << back.error().message;
}

TEST(VoucherPayloadTest, DecodeRefusesAnUnknownVersion) {
  Result<std::vector<std::uint8_t>> bytes = EncodeVoucherPayload(SamplePayload());
  ASSERT_TRUE(bytes.has_value());
  (*bytes)[0] = 2;
  Result<VoucherPayload> back = DecodeVoucherPayload(*bytes);
  ASSERT_FALSE(back.has_value());
  EXPECT_NE(back.error().message.find("version 2 is not supported"), std::string::npos);
}

TEST(VoucherPayloadTest, WindowBeforeIssueRoundTrips) {
  // Sold at the window after the check-in window opened: valid_from lies before issued_at.
  VoucherPayload late = SamplePayload();
  late.issued_at = late.valid_from + std::chrono::minutes(70);
  EXPECT_EQ(RoundTrip(late), late);
}

TEST(VoucherPayloadTest, DecodeRefusesAnUnknownAlgorithm) {
  Result<std::vector<std::uint8_t>> bytes = EncodeVoucherPayload(SamplePayload());
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ((*bytes)[1], 37);  // the key's province
  (*bytes)[2] = 1;             // SM2, reserved
  Result<VoucherPayload> back = DecodeVoucherPayload(*bytes);
  ASSERT_FALSE(back.has_value());
  EXPECT_NE(back.error().message.find("SM2"), std::string::npos) << back.error().message;
  (*bytes)[2] = 7;
  EXPECT_FALSE(DecodeVoucherPayload(*bytes).has_value());
}

TEST(FareTypeTest, NamesRoundTrip) {
  for (FareType type :
       {FareType::kAdult, FareType::kChild, FareType::kFreeChild, FareType::kDiscount}) {
    EXPECT_EQ(ParseFareType(FareTypeName(type)), type);
  }
  EXPECT_EQ(FareTypeName(FareType::kFreeChild), "free_child");
  EXPECT_FALSE(ParseFareType("Adult").has_value());
}

TEST(IdHashTest, HexRoundTripsAndMatchesKeyedHasher) {
  const core::KeyedHasher hasher(core::KeyedHasher::GenerateKey());
  const std::string hex = hasher.Hash("RESIDENT_ID:370102199003071234");
  Result<IdHash> hash = ParseIdHashHex(hex);
  ASSERT_TRUE(hash.has_value());
  EXPECT_EQ(IdHashHex(*hash), hex);
  EXPECT_FALSE(ParseIdHashHex(hex.substr(2)).has_value());
  EXPECT_FALSE(ParseIdHashHex(std::string(64, 'g')).has_value());
}

}  // namespace
}  // namespace keyun::eticket
