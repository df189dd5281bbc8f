#include "eticket/reimbursement_pdf.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "eticket/voucher_codec.h"
#include "voucher_fixture.h"

// LeakSanitizer's suppressions for cairo, fontconfig and pango:
// tests/support/lsan_pdf_suppressions.cc, linked into this test program.

namespace keyun::eticket {
namespace {

using testing::CommandResult;
using testing::HaveTool;
using testing::RunCommand;
using testing::SampleDeparture;
using testing::SamplePayload;
using testing::TempDir;

// 2026-11-21 09:15 Shanghai: when the sample documents are printed.
core::Instant SamplePrintTime() {
  return core::Instant::FromShanghai(*core::LocalDate::Parse("2026-11-21"),
                                     *core::TimeOfDay::Parse("09:15"));
}

// The sample ticket at ¥48.00, of which ¥2.00 passenger station fee.
VoucherPayload TicketPayload() {
  VoucherPayload p = SamplePayload();
  p.fare = core::Money::Fen(4800);
  return p;
}

// Writes PDFs and reads them back with poppler-utils and zbarimg.
class PdfReader {
 public:
  std::string Write(const std::string& pdf) {
    return keyun::testing::WriteFile(dir_, "document.pdf", pdf);
  }

  std::string Text(const std::string& pdf) { return keyun::testing::PdfToText(dir_, pdf); }

  // The first page's width and height in millimetres, from pdfinfo's "Page size: W x H pts".
  std::optional<std::pair<double, double>> PageSizeMm(const std::string& pdf) {
    CommandResult info = RunCommand("pdfinfo '" + Write(pdf) + "' 2>/dev/null");
    const std::size_t at = info.out.find("Page size:");
    double w = 0;
    double h = 0;
    if (info.status != 0 || at == std::string::npos ||
        std::sscanf(info.out.c_str() + at, "Page size: %lf x %lf pts", &w, &h) != 2) {
      ADD_FAILURE() << "pdfinfo gave no page size:\n" << info.out;
      return std::nullopt;
    }
    return std::pair{w / 72.0 * 25.4, h / 72.0 * 25.4};
  }

  // Every QR code zbarimg finds on the page rendered at 200 dpi (about what a gate's camera
  // sees of a printed ticket), one per line.
  std::string ScanQr(const std::string& pdf) {
    const std::string path = Write(pdf);
    const std::string png = (dir_.path() / "page").string();
    EXPECT_EQ(
        RunCommand("pdftoppm -r 200 -gray -png -singlefile '" + path + "' '" + png + "'").status,
        0);
    CommandResult scan =
        RunCommand("zbarimg --raw -q -Sdisable -Sqrcode.enable '" + png + ".png' 2>/dev/null");
    while (!scan.out.empty() && scan.out.back() == '\n') scan.out.pop_back();
    return scan.out;
  }

 private:
  TempDir dir_;
};

void ExpectContains(const std::string& text, const std::vector<std::string>& expected) {
  for (const std::string& e : expected) {
    EXPECT_NE(text.find(e), std::string::npos) << "missing " << e << " in:\n" << text;
  }
}

class ReimbursementPdfTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(HaveTool("pdftotext") && HaveTool("pdftoppm") && HaveTool("pdfinfo"))
        << "pdftotext/pdftoppm/pdfinfo not found: install poppler-utils to run the PDF tests";
    Result<VoucherSigner> signer = VoucherSigner::Generate("37-ed25519-0001");
    ASSERT_TRUE(signer.has_value());
    ASSERT_TRUE(verifier_.AddKey(signer->key_id(), signer->public_key()).has_value());
    const VoucherPayload p = TicketPayload();
    Result<std::string> text = signer->Issue(p);
    ASSERT_TRUE(text.has_value());
    view_.emplace(ReimbursementView{
        .ticket_number = p.ticket_number,
        .run = p.run,
        .from_station_name = "济南长途汽车总站",
        .to_station_name = "烟台汽车总站",
        .departs_at = SampleDeparture(),
        .seat = p.seat,
        .fare_type = p.fare_type,
        .fare = p.fare,
        .station_fee = core::Money::Fen(200),
        .carrier_name = "山东交运集团烟台分公司",
        .passenger_name_masked = p.passenger_name_masked,
        .id_number_masked = "3701**********1234",
        .printed_at = SamplePrintTime(),
        .printed_by = "济南长途汽车总站 3 号窗口",
        .operator_name = "0427",
        .voucher_text = *text,
    });
  }

  PdfReader reader_;
  VoucherVerifier verifier_;
  std::optional<ReimbursementView> view_;
};

TEST_F(ReimbursementPdfTest, ShowsEveryField) {
  Result<std::string> pdf = RenderReimbursementPdf(*view_);
  ASSERT_TRUE(pdf.has_value()) << pdf.error().ToString();
  EXPECT_TRUE(pdf->starts_with("%PDF-"));
  const std::string text = reader_.Text(*pdf);
  ExpectContains(text, {"道路旅客运输报销凭证", view_->ticket_number.str(), "济南长途汽车总站",
                        "烟台汽车总站", "K0301（2026-11-22 班）", "2026-11-22 08:30", "12 号",
                        "全票", core::Money::Fen(4800).ToYuanDisplay(), "¥48.00",
                        "含旅客站务费 " + core::Money::Fen(200).ToYuanDisplay(), "承运人",
                        "山东交运集团烟台分公司", "欧**娜", "3701**********1234",
                        "2026-11-21 09:15", "济南长途汽车总站 3 号窗口", "操作员", "0427"});
  EXPECT_EQ(text.find("重打"), std::string::npos) << text;
  EXPECT_EQ(text.find("次打印"), std::string::npos) << text;
  // Only the masked name is ever printed.
  EXPECT_EQ(text.find("欧阳娜"), std::string::npos);
}

TEST_F(ReimbursementPdfTest, ReprintIsMarkedWithItsSequence) {
  view_->reprint = true;
  view_->print_sequence = 2;
  Result<std::string> pdf = RenderReimbursementPdf(*view_);
  ASSERT_TRUE(pdf.has_value()) << pdf.error().ToString();
  const std::string text = reader_.Text(*pdf);
  ExpectContains(text, {"重打", "第 2 次打印", "道路旅客运输报销凭证", "¥48.00"});

  view_->print_sequence = 3;
  pdf = RenderReimbursementPdf(*view_);
  ASSERT_TRUE(pdf.has_value()) << pdf.error().ToString();
  ExpectContains(reader_.Text(*pdf), {"重打", "第 3 次打印"});
}

TEST_F(ReimbursementPdfTest, PageFitsEightyMillimetreRollPaper) {
  Result<std::string> pdf = RenderReimbursementPdf(*view_);
  ASSERT_TRUE(pdf.has_value());
  std::optional<std::pair<double, double>> size = reader_.PageSizeMm(*pdf);
  ASSERT_TRUE(size.has_value());
  EXPECT_NEAR(size->first, 80.0, 0.1);
  EXPECT_NEAR(size->second, 140.0, 0.1);
}

TEST_F(ReimbursementPdfTest, QrCodeScansToTheVoucher) {
  ASSERT_TRUE(HaveTool("zbarimg")) << "zbarimg not found: install zbar-tools";
  Result<std::string> pdf = RenderReimbursementPdf(*view_);
  ASSERT_TRUE(pdf.has_value());
  const std::string scanned = reader_.ScanQr(*pdf);
  ASSERT_FALSE(scanned.empty()) << "zbarimg found no QR code on the rendered page";
  EXPECT_EQ(scanned, view_->voucher_text);
  Result<VoucherPayload> verified = verifier_.Verify(scanned);
  ASSERT_TRUE(verified.has_value()) << verified.error().ToString();
  EXPECT_EQ(*verified, TicketPayload());
}

TEST_F(ReimbursementPdfTest, FreeChildWithoutStationFeeOrOptionalLines) {
  view_->seat = 0;
  view_->fare_type = FareType::kFreeChild;
  view_->fare = core::Money::Zero();
  view_->station_fee.reset();
  view_->printed_by.clear();
  view_->operator_name.clear();
  Result<std::string> pdf = RenderReimbursementPdf(*view_);
  ASSERT_TRUE(pdf.has_value()) << pdf.error().ToString();
  const std::string text = reader_.Text(*pdf);
  ExpectContains(text, {"无座（携童）", "¥0.00", "携童"});
  EXPECT_EQ(text.find("旅客站务费"), std::string::npos) << text;
  EXPECT_EQ(text.find("操作员"), std::string::npos) << text;
  EXPECT_EQ(text.find("打印点"), std::string::npos) << text;
}

TEST_F(ReimbursementPdfTest, RefusesBadInputNamingTheField) {
  const auto refused = [](const ReimbursementView& view) {
    Result<std::string> pdf = RenderReimbursementPdf(view);
    EXPECT_FALSE(pdf.has_value());
    return pdf.has_value() ? Error{} : pdf.error();
  };
  for (std::string ReimbursementView::*field :
       {&ReimbursementView::from_station_name, &ReimbursementView::to_station_name,
        &ReimbursementView::carrier_name, &ReimbursementView::passenger_name_masked,
        &ReimbursementView::id_number_masked, &ReimbursementView::printed_by,
        &ReimbursementView::operator_name}) {
    ReimbursementView bad = *view_;
    bad.*field = "\xE6\xB5";  // cut UTF-8
    const Error error = refused(bad);
    EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
    EXPECT_FALSE(error.field.empty());
    EXPECT_NE(error.message.find(error.field), std::string::npos) << error.message;
  }
  ReimbursementView bad = *view_;
  bad.carrier_name = "\xE6\xB5";
  EXPECT_EQ(refused(bad).field, "carrier_name");
  bad = *view_;
  bad.operator_name = std::string(201, 'x');  // the header's limit is 200 bytes
  EXPECT_EQ(refused(bad).field, "operator_name");
  bad = *view_;
  bad.carrier_name.clear();
  EXPECT_EQ(refused(bad).field, "carrier_name");
  bad = *view_;
  bad.station_fee = core::Money::Fen(4801);
  EXPECT_EQ(refused(bad).field, "station_fee");
  bad = *view_;
  bad.fare = core::Money::Fen(-1);
  EXPECT_EQ(refused(bad).field, "fare");
  bad = *view_;
  bad.seat = -1;
  EXPECT_EQ(refused(bad).field, "seat");
  bad = *view_;
  bad.print_sequence = 2;  // a second print that is not marked
  EXPECT_EQ(refused(bad).field, "reprint");
  bad = *view_;
  bad.reprint = true;  // marked, but the first print
  EXPECT_EQ(refused(bad).field, "reprint");
  bad = *view_;
  bad.print_sequence = 0;
  EXPECT_EQ(refused(bad).field, "print_sequence");
  bad = *view_;
  bad.voucher_text.clear();
  EXPECT_EQ(refused(bad).field, "voucher_text");
}

TEST_F(ReimbursementPdfTest, RendersFromSeveralThreadsAtOnce) {
  constexpr int kThreads = 4;
  std::vector<std::optional<Result<std::string>>> results(kThreads);
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] { results[i] = RenderReimbursementPdf(*view_); });
    }
  }
  for (const auto& result : results) {
    ASSERT_TRUE(result.has_value() && result->has_value());
    ExpectContains(reader_.Text(**result), {view_->ticket_number.str(), "¥48.00"});
  }
}

class RefundReceiptPdfTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(HaveTool("pdftotext") && HaveTool("pdfinfo"))
        << "pdftotext/pdfinfo not found: install poppler-utils to run the PDF tests";
    const VoucherPayload p = TicketPayload();
    view_.emplace(RefundReceiptView{
        .ticket_number = p.ticket_number,
        .run = p.run,
        .from_station_name = "济南长途汽车总站",
        .to_station_name = "烟台汽车总站",
        .departs_at = SampleDeparture(),
        .fare_type = p.fare_type,
        .fare = p.fare,
        .refund_fee = core::Money::Fen(480),  // 10 %, 2 h or more before departure
        .refunded = core::Money::Fen(4320),
        .refunded_at = SamplePrintTime(),
        .passenger_name_masked = p.passenger_name_masked,
        .id_number_masked = "3701**********1234",
        .printed_at = SamplePrintTime() + std::chrono::minutes(1),
        .printed_by = "济南长途汽车总站 3 号窗口",
        .operator_name = "0427",
    });
  }

  PdfReader reader_;
  std::optional<RefundReceiptView> view_;
};

TEST_F(RefundReceiptPdfTest, ShowsEveryField) {
  Result<std::string> pdf = RenderRefundReceiptPdf(*view_);
  ASSERT_TRUE(pdf.has_value()) << pdf.error().ToString();
  EXPECT_TRUE(pdf->starts_with("%PDF-"));
  const std::string text = reader_.Text(*pdf);
  ExpectContains(text, {"退票费收据",
                        view_->ticket_number.str(),
                        "济南长途汽车总站",
                        "烟台汽车总站",
                        "K0301（2026-11-22 班）",
                        "2026-11-22 08:30",
                        core::Money::Fen(4800).ToYuanDisplay(),
                        "全票",
                        "退票费",
                        core::Money::Fen(480).ToYuanDisplay(),
                        "¥4.80",
                        "退款",
                        "¥43.20",
                        "退票时间",
                        "2026-11-21 09:15",
                        "2026-11-21 09:16",
                        "欧**娜",
                        "3701**********1234",
                        "济南长途汽车总站 3 号窗口",
                        "0427"});
  EXPECT_EQ(text.find("重打"), std::string::npos) << text;
  EXPECT_EQ(text.find("次打印"), std::string::npos) << text;
}

TEST_F(RefundReceiptPdfTest, ReprintIsMarkedWithItsSequence) {
  view_->reprint = true;
  view_->print_sequence = 2;
  Result<std::string> pdf = RenderRefundReceiptPdf(*view_);
  ASSERT_TRUE(pdf.has_value()) << pdf.error().ToString();
  ExpectContains(reader_.Text(*pdf), {"重打", "第 2 次打印", "退票费收据", "¥4.80"});
}

TEST_F(RefundReceiptPdfTest, FreeRefundOfAStoppedRun) {
  view_->refund_fee = core::Money::Zero();
  view_->refunded = view_->fare;
  Result<std::string> pdf = RenderRefundReceiptPdf(*view_);
  ASSERT_TRUE(pdf.has_value()) << pdf.error().ToString();
  ExpectContains(reader_.Text(*pdf), {"¥0.00", "¥48.00"});
}

TEST_F(RefundReceiptPdfTest, PageFitsEightyMillimetreRollPaper) {
  Result<std::string> pdf = RenderRefundReceiptPdf(*view_);
  ASSERT_TRUE(pdf.has_value());
  std::optional<std::pair<double, double>> size = reader_.PageSizeMm(*pdf);
  ASSERT_TRUE(size.has_value());
  EXPECT_NEAR(size->first, 80.0, 0.1);
  EXPECT_NEAR(size->second, 110.0, 0.1);
}

TEST_F(RefundReceiptPdfTest, RefusesBadInputNamingTheField) {
  const auto refused = [](const RefundReceiptView& view) {
    Result<std::string> pdf = RenderRefundReceiptPdf(view);
    EXPECT_FALSE(pdf.has_value());
    return pdf.has_value() ? Error{} : pdf.error();
  };
  RefundReceiptView bad = *view_;
  bad.from_station_name = "\xE6\xB5";
  Error error = refused(bad);
  EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(error.field, "from_station_name");
  bad = *view_;
  bad.printed_by = "\xFF";
  EXPECT_EQ(refused(bad).field, "printed_by");
  bad = *view_;
  bad.refunded = core::Money::Fen(4400);  // 44.00 + 4.80 ≠ 48.00
  EXPECT_EQ(refused(bad).field, "refunded");
  bad = *view_;
  bad.refund_fee = core::Money::Fen(-480);
  EXPECT_EQ(refused(bad).field, "refund_fee");
  bad = *view_;
  bad.print_sequence = 2;
  EXPECT_EQ(refused(bad).field, "reprint");
}

}  // namespace
}  // namespace keyun::eticket
