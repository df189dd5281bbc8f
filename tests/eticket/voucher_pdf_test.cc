#include "eticket/voucher_pdf.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "eticket/voucher_codec.h"
#include "voucher_fixture.h"

// LeakSanitizer's suppressions for cairo, fontconfig and pango: tests/support/lsan_pdf_suppressions.cc.

namespace keyun::eticket {
namespace {

using testing::CommandResult;
using testing::HaveTool;
using testing::RunCommand;
using testing::SampleDeparture;
using testing::SamplePayload;
using testing::TempDir;

class VoucherPdfTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(HaveTool("pdftotext") && HaveTool("pdftoppm"))
        << "pdftotext/pdftoppm not found: install poppler-utils to run the PDF tests";
    Result<VoucherSigner> signer = VoucherSigner::Generate("37-ed25519-0001");
    ASSERT_TRUE(signer.has_value());
    ASSERT_TRUE(verifier_.AddKey(signer->key_id(), signer->public_key()).has_value());
    Result<std::string> text = signer->Issue(SamplePayload());
    ASSERT_TRUE(text.has_value());
    const VoucherPayload p = SamplePayload();
    view_.emplace(VoucherView{
        .ticket_number = p.ticket_number,
        .run = p.run,
        .from_station_name = "济南长途汽车总站",
        .from_station = p.boarding_station,
        .to_station_name = "烟台汽车总站",
        .to_station = p.alighting_station,
        .departs_at = SampleDeparture(),
        .seat = p.seat,
        .fare_type = p.fare_type,
        .fare = p.fare,
        .passenger_name_masked = p.passenger_name_masked,
        .id_number_masked = "3701**********1234",
        .issued_at = p.issued_at,
        .voucher_text = *text,
    });
  }

  // The PDF written to the temporary directory; its path.
  std::string Write(const std::string& pdf) {
    return keyun::testing::WriteFile(dir_, "voucher.pdf", pdf);
  }

  std::string PdfText(const std::string& pdf) { return keyun::testing::PdfToText(dir_, pdf); }

  TempDir dir_;
  VoucherVerifier verifier_;
  std::optional<VoucherView> view_;
};

TEST_F(VoucherPdfTest, ShowsTheTicketInChinese) {
  Result<std::string> pdf = RenderVoucherPdf(*view_);
  ASSERT_TRUE(pdf.has_value()) << pdf.error().ToString();
  EXPECT_TRUE(pdf->starts_with("%PDF-"));
  const std::string text = PdfText(*pdf);
  for (const std::string& expected :
       {std::string("道路客运电子客票"), view_->ticket_number.str(),
        std::string("济南长途汽车总站"), std::string("烟台汽车总站"), std::string("K0301"),
        std::string("370102001-20261122-K0301"), std::string("2026-11-22 08:30"),
        std::string("12 号"), std::string("全票"), std::string("¥186.50"), std::string("欧**娜"),
        std::string("3701**********1234"), std::string("出票时间"),
        std::string("2026-11-20 16:30")}) {
    EXPECT_NE(text.find(expected), std::string::npos) << "missing " << expected << " in:\n" << text;
  }
}

TEST_F(VoucherPdfTest, QrCodeScansFromTheRenderedPage) {
  ASSERT_TRUE(HaveTool("zbarimg")) << "zbarimg not found: install zbar-tools";
  Result<std::string> pdf = RenderVoucherPdf(*view_);
  ASSERT_TRUE(pdf.has_value());
  const std::string path = Write(*pdf);
  const std::string png = (dir_.path() / "page").string();
  // 200 dpi: about what a phone camera sees of a printed page.
  ASSERT_TRUE(
      RunCommand("pdftoppm -r 200 -gray -png -singlefile '" + path + "' '" + png + "'").status ==
      0);
  CommandResult scan =
      RunCommand("zbarimg --raw -q -Sdisable -Sqrcode.enable '" + png + ".png' 2>/dev/null");
  ASSERT_EQ(scan.status, 0) << "zbarimg found no QR code on the rendered page";
  while (!scan.out.empty() && scan.out.back() == '\n') scan.out.pop_back();
  EXPECT_EQ(scan.out, view_->voucher_text);
  Result<VoucherPayload> verified = verifier_.Verify(scan.out);
  ASSERT_TRUE(verified.has_value()) << verified.error().ToString();
  EXPECT_EQ(*verified, SamplePayload());
}

TEST_F(VoucherPdfTest, FreeChildAndTicketWithoutRealName) {
  view_->seat = 0;
  view_->fare_type = FareType::kFreeChild;
  view_->fare = core::Money::Zero();
  view_->passenger_name_masked.clear();
  view_->id_number_masked.clear();
  Result<std::string> pdf = RenderVoucherPdf(*view_);
  ASSERT_TRUE(pdf.has_value()) << pdf.error().ToString();
  const std::string text = PdfText(*pdf);
  EXPECT_NE(text.find("无座（携童）"), std::string::npos) << text;
  EXPECT_NE(text.find("¥0.00"), std::string::npos) << text;
  EXPECT_EQ(text.find("乘客"), std::string::npos) << text;
}

TEST_F(VoucherPdfTest, RefusesBadInput) {
  VoucherView bad_name = *view_;
  bad_name.from_station_name = "\xE6\xB5";  // cut UTF-8
  Result<std::string> pdf = RenderVoucherPdf(bad_name);
  ASSERT_FALSE(pdf.has_value());
  EXPECT_EQ(pdf.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(pdf.error().field, "from_station_name");

  VoucherView no_text = *view_;
  no_text.voucher_text.clear();
  pdf = RenderVoucherPdf(no_text);
  ASSERT_FALSE(pdf.has_value());
  EXPECT_EQ(pdf.error().field, "voucher_text");
}

TEST(FareTypeLabelTest, ChineseLabels) {
  EXPECT_EQ(FareTypeLabel(FareType::kAdult), "全票");
  EXPECT_EQ(FareTypeLabel(FareType::kChild), "半票");
  EXPECT_EQ(FareTypeLabel(FareType::kFreeChild), "携童");
  EXPECT_EQ(FareTypeLabel(FareType::kDiscount), "优待票");
}

}  // namespace
}  // namespace keyun::eticket
