#include "eticket/voucher_codec.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "eticket/base45.h"
#include "voucher_fixture.h"

namespace keyun::eticket {
namespace {

using testing::SamplePayload;

constexpr std::string_view kDamaged = "the code is damaged or not a keyun e-ticket";
constexpr std::string_view kForged = "forged or altered: the signature does not match";

class VoucherCodecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<VoucherSigner> signer = VoucherSigner::Generate("37-ed25519-0001");
    ASSERT_TRUE(signer.has_value()) << signer.error().ToString();
    signer_.emplace(std::move(*signer));
    ASSERT_TRUE(verifier_.AddKey(signer_->key_id(), signer_->public_key()).has_value());
  }

  std::string Issue(const VoucherPayload& payload) {
    Result<std::string> text = signer_->Issue(payload);
    EXPECT_TRUE(text.has_value()) << text.error().ToString();
    return text ? *text : std::string();
  }

  // The voucher text of `bytes` (payload and signature), as a forger would write it.
  static std::string Text(const std::vector<std::uint8_t>& bytes) {
    return std::string(kVoucherScheme) + Base45Encode(bytes);
  }

  static void ExpectDamaged(const Result<VoucherPayload>& result, const std::string& what) {
    ASSERT_FALSE(result.has_value()) << what;
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument) << what;
    EXPECT_TRUE(result.error().message.starts_with(kDamaged))
        << what << ": " << result.error().message;
  }

  std::optional<VoucherSigner> signer_;
  VoucherVerifier verifier_;
};

TEST_F(VoucherCodecTest, SignedVoucherVerifiesToTheSamePayload) {
  const VoucherPayload payload = SamplePayload();
  const std::string text = Issue(payload);
  EXPECT_TRUE(text.starts_with("KY1:"));
  EXPECT_EQ(text.find_first_not_of(kBase45Alphabet), std::string::npos) << text;
  Result<VoucherPayload> verified = verifier_.Verify(text);
  ASSERT_TRUE(verified.has_value()) << verified.error().ToString();
  EXPECT_EQ(*verified, payload);
}

TEST_F(VoucherCodecTest, IssueFillsInAnEmptyKeyIdAndRefusesAnotherSignersId) {
  VoucherPayload payload = SamplePayload("");
  Result<VoucherPayload> verified = verifier_.Verify(Issue(payload));
  ASSERT_TRUE(verified.has_value()) << verified.error().ToString();
  EXPECT_EQ(verified->key_id, "37-ed25519-0001");

  payload.key_id = "37-ed25519-0002";
  Result<std::string> text = signer_->Issue(payload);
  ASSERT_FALSE(text.has_value());
  EXPECT_EQ(text.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(text.error().field, "key_id");
}

TEST_F(VoucherCodecTest, IssueRefusesAnInvalidPayload) {
  VoucherPayload payload = SamplePayload();
  payload.seat = 0;
  Result<std::string> text = signer_->Issue(payload);
  ASSERT_FALSE(text.has_value());
  EXPECT_EQ(text.error().field, "seat");
}

TEST_F(VoucherCodecTest, TextIsShortEnoughForASmallQrCode) {
  const std::string text = Issue(SamplePayload());
  // 91 payload bytes + 64 signature bytes → 233 Base45 characters + "KY1:".
  EXPECT_EQ(text.size(), 237u) << text;
}

TEST_F(VoucherCodecTest, EverySingleByteAlterationIsRefused) {
  Result<std::vector<std::uint8_t>> signed_bytes = signer_->SignBytes(SamplePayload());
  ASSERT_TRUE(signed_bytes.has_value());
  ASSERT_TRUE(verifier_.Verify(Text(*signed_bytes)).has_value());
  for (std::size_t i = 0; i < signed_bytes->size(); ++i) {
    for (std::uint8_t flip : {0x01, 0x80, 0xFF}) {
      std::vector<std::uint8_t> altered = *signed_bytes;
      altered[i] ^= flip;
      Result<VoucherPayload> verified = verifier_.Verify(Text(altered));
      ASSERT_FALSE(verified.has_value()) << "byte " << i << " ^ " << int{flip} << " accepted";
      // Whatever the alteration hits, the answer is one of the three refusals.
      const Error& e = verified.error();
      const bool known = e.message.starts_with(kDamaged) || e.message == kForged ||
                         e.message.starts_with("signed by an unknown key");
      EXPECT_TRUE(known) << "byte " << i << ": " << e.ToString();
    }
  }
}

TEST_F(VoucherCodecTest, AlteredFieldOrSignatureIsReportedAsForged) {
  Result<std::vector<std::uint8_t>> signed_bytes = signer_->SignBytes(SamplePayload());
  ASSERT_TRUE(signed_bytes.has_value());
  // The seat (12) sits after the stops; make it 13. Then a bit of the signature.
  std::vector<std::uint8_t> seat = *signed_bytes;
  const std::size_t seat_at = 1 + 3 + 8 + 12 + 10;
  ASSERT_EQ(seat[seat_at], 12);
  seat[seat_at] = 13;
  Result<VoucherPayload> verified = verifier_.Verify(Text(seat));
  ASSERT_FALSE(verified.has_value());
  EXPECT_EQ(verified.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(verified.error().message, kForged);

  std::vector<std::uint8_t> signature = *signed_bytes;
  signature.back() ^= 0x10;
  verified = verifier_.Verify(Text(signature));
  ASSERT_FALSE(verified.has_value());
  EXPECT_EQ(verified.error().message, kForged);
}

TEST_F(VoucherCodecTest, EveryTruncationIsRefusedAsDamaged) {
  const std::string text = Issue(SamplePayload());
  for (std::size_t n = 0; n < text.size(); ++n) {
    ExpectDamaged(verifier_.Verify(text.substr(0, n)), "first " + std::to_string(n) + " chars");
  }
  Result<std::vector<std::uint8_t>> signed_bytes = signer_->SignBytes(SamplePayload());
  ASSERT_TRUE(signed_bytes.has_value());
  for (std::size_t n = 0; n < signed_bytes->size(); ++n) {
    std::vector<std::uint8_t> cut(signed_bytes->begin(),
                                  signed_bytes->begin() + static_cast<std::ptrdiff_t>(n));
    ExpectDamaged(verifier_.Verify(Text(cut)), "first " + std::to_string(n) + " bytes");
  }
}

TEST_F(VoucherCodecTest, ExtraBytesAfterTheSignatureAreRefused) {
  Result<std::vector<std::uint8_t>> signed_bytes = signer_->SignBytes(SamplePayload());
  ASSERT_TRUE(signed_bytes.has_value());
  signed_bytes->push_back(0);
  ExpectDamaged(verifier_.Verify(Text(*signed_bytes)), "one extra byte");
}

TEST_F(VoucherCodecTest, WrongSchemeTagIsRefused) {
  const std::string text = Issue(SamplePayload());
  const std::string body = text.substr(kVoucherScheme.size());
  for (const std::string& wrong :
       {"KY2:" + body, "ky1:" + body, "KY1" + body, body, " KY1:" + body, "HC1:" + body}) {
    ExpectDamaged(verifier_.Verify(wrong), wrong.substr(0, 6));
  }
  // Scanners often add a line end: the caller trims it, Verify does not guess.
  ExpectDamaged(verifier_.Verify(text + "\r\n"), "line end");
}

TEST_F(VoucherCodecTest, GarbageIsRefusedAsDamaged) {
  for (std::string_view garbage :
       {"", "KY1:", "KY1:BB8", "KY1:%69 VD92EX0", "https://example.com/", "KY1:\xE7\xA5\xA8"}) {
    ExpectDamaged(verifier_.Verify(garbage), std::string(garbage));
  }
  ExpectDamaged(verifier_.Verify("KY1:" + std::string(kMaxVoucherTextChars + 3, '0')), "huge");
}

TEST_F(VoucherCodecTest, UnknownKeyIsRefused) {
  Result<VoucherSigner> other = VoucherSigner::Generate("11-ed25519-0003");
  ASSERT_TRUE(other.has_value());
  Result<std::string> text = other->Issue(SamplePayload(""));
  ASSERT_TRUE(text.has_value());
  Result<VoucherPayload> verified = verifier_.Verify(*text);
  ASSERT_FALSE(verified.has_value());
  EXPECT_EQ(verified.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(verified.error().message, "signed by an unknown key 11-ed25519-0003");
}

TEST_F(VoucherCodecTest, AKeyUnderAnotherKeysIdIsAForgery) {
  // Someone signs with their own key but names ours.
  Result<VoucherSigner> impostor = VoucherSigner::Generate("37-ed25519-0001");
  ASSERT_TRUE(impostor.has_value());
  Result<std::string> text = impostor->Issue(SamplePayload());
  ASSERT_TRUE(text.has_value());
  Result<VoucherPayload> verified = verifier_.Verify(*text);
  ASSERT_FALSE(verified.has_value());
  EXPECT_EQ(verified.error().message, kForged);
}

TEST_F(VoucherCodecTest, SignaturesAreDeterministic) {
  // Ed25519 signs deterministically: the same payload gives the same voucher text.
  EXPECT_EQ(Issue(SamplePayload()), Issue(SamplePayload()));
}

// The example voucher of docs/eticket.md: the sample payload signed by the key whose seed is
// 32 zero bytes (Ed25519 signatures are deterministic).
TEST(VoucherExampleTest, MatchesTheDocumentedText) {
  const SecretSeed zero_seed{};
  Result<VoucherSigner> signer = VoucherSigner::FromSeed("37-ed25519-0001", zero_seed);
  ASSERT_TRUE(signer.has_value());
  Result<std::string> text = signer->Issue(SamplePayload());
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(*text,
            "KY1:N601007O6D8Q5C9F46MZ24:9YBA5U0946746M003.14LUTZ2WFU5S1-EI100S519$L*E5M1T1 "
            "JNJK.UKG.KZ8L9KLSVL2/LL9M+KMEWMX/M7ANQLN0XNJ:N:9O-MH.DRU3K.42JTAPQCB6IYSDI:3W4C:6BU4"
            "HXA7V962Y1$897Y961S2RLU5C DA%$AGRU6%RT733PL*:I:D73LDO+AI1R/W9Q9N6PNKI88X600");
}

TEST_F(VoucherCodecTest, SignerFromTheSameSeedMakesTheSameKey) {
  SecretSeed seed{};
  seed[0] = 7;
  Result<VoucherSigner> a = VoucherSigner::FromSeed("37-ed25519-0009", seed);
  Result<VoucherSigner> b = VoucherSigner::FromSeed("37-ed25519-0009", seed);
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_TRUE(std::equal(a->public_key().begin(), a->public_key().end(), b->public_key().begin(),
                         b->public_key().end()));
}

TEST(VoucherVerifierTest, AddKeyChecksIdAndLength) {
  Result<VoucherSigner> signer = VoucherSigner::Generate("37-ed25519-0001");
  ASSERT_TRUE(signer.has_value());
  VoucherVerifier verifier;
  const auto key = signer->public_key();
  EXPECT_EQ(verifier.AddKey("37-ed25519-1", key).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(verifier.AddKey("37-ed25519-0001", key.first(31)).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(verifier.AddKey("37-sm2-0001", key).error().code, ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(verifier.AddKey("37-ed25519-0001", key).has_value());
  EXPECT_TRUE(verifier.AddKey("37-ed25519-0001", key).has_value());  // same key again: fine
  Result<VoucherSigner> other = VoucherSigner::Generate("37-ed25519-0002");
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(verifier.AddKey("37-ed25519-0001", other->public_key()).error().code,
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(verifier.key_count(), 1u);
  EXPECT_TRUE(verifier.Trusts("37-ed25519-0001"));
  EXPECT_FALSE(verifier.AddKeyHex("37-ed25519-0002", "xyz").has_value());
}

}  // namespace
}  // namespace keyun::eticket
