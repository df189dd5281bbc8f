#include "eticket/qr.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "eticket/voucher_codec.h"
#include "voucher_fixture.h"

namespace keyun::eticket {
namespace {

using testing::CommandResult;
using testing::HaveTool;
using testing::RunCommand;
using testing::SamplePayload;
using testing::TempDir;

// What zbarimg reads from `png`, without the line end it adds.
std::string ScanPng(const std::string& png, const TempDir& dir) {
  const std::string path = (dir.path() / "voucher.png").string();
  {
    std::ofstream file(path, std::ios::binary);
    file << png;
  }
  // QR only, as a gate's scanner is set up: with every symbology on, zbarimg now and then also
  // "finds" a Codabar code in a QR code's modules. Its stderr carries noise such as D-Bus
  // connection errors: keep it apart.
  const std::string errors = (dir.path() / "zbarimg.err").string();
  CommandResult scan =
      RunCommand("zbarimg --raw -q -Sdisable -Sqrcode.enable '" + path + "' 2>'" + errors + "'");
  if (scan.status != 0) {
    std::ifstream err(errors);
    std::string message((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
    ADD_FAILURE() << "zbarimg could not read the QR code (status " << scan.status
                  << "): " << message;
  }
  while (!scan.out.empty() && (scan.out.back() == '\n' || scan.out.back() == '\r')) {
    scan.out.pop_back();
  }
  return scan.out;
}

TEST(QrTest, PngOfAVoucherScansBackToAVoucherThatVerifies) {
  ASSERT_TRUE(HaveTool("zbarimg")) << "zbarimg not found: install zbar-tools (apt-get install "
                                      "zbar-tools) to run the QR tests";
  Result<VoucherSigner> signer = VoucherSigner::Generate("37-ed25519-0001");
  ASSERT_TRUE(signer.has_value());
  VoucherVerifier verifier;
  ASSERT_TRUE(verifier.AddKey(signer->key_id(), signer->public_key()).has_value());
  // Several vouchers, since each text makes a different pattern.
  for (int seat : {1, 12, 37, 45}) {
    VoucherPayload payload = SamplePayload();
    payload.seat = seat;
    Result<std::string> text = signer->Issue(payload);
    ASSERT_TRUE(text.has_value());
    for (int pixels : {4, 8}) {
      Result<std::string> png = RenderQrPng(*text, pixels);
      ASSERT_TRUE(png.has_value()) << png.error().ToString();
      EXPECT_EQ(png->substr(0, 8), "\x89PNG\r\n\x1a\n");
      TempDir dir;
      const std::string scanned = ScanPng(*png, dir);
      EXPECT_EQ(scanned, *text) << "seat " << seat << ", " << pixels << " px per module";
      Result<VoucherPayload> verified = verifier.Verify(scanned);
      ASSERT_TRUE(verified.has_value()) << verified.error().ToString();
      EXPECT_EQ(*verified, payload);
    }
  }
}

TEST(QrTest, ByteModeTextScansBackToo) {
  ASSERT_TRUE(HaveTool("zbarimg")) << "zbarimg not found: install zbar-tools";
  const std::string url = "https://keyun.example/t/37261120000000123457?lang=zh";
  Result<std::string> png = RenderQrPng(url, 6);
  ASSERT_TRUE(png.has_value());
  TempDir dir;
  EXPECT_EQ(ScanPng(*png, dir), url);
}

TEST(QrTest, AVoucherFitsASmallSymbolInAlphanumericMode) {
  Result<VoucherSigner> signer = VoucherSigner::Generate("37-ed25519-0001");
  ASSERT_TRUE(signer.has_value());
  Result<std::string> text = signer->Issue(SamplePayload());
  ASSERT_TRUE(text.has_value());
  Result<QrMatrix> qr = QrMatrix::Encode(*text);
  ASSERT_TRUE(qr.has_value());
  // 237 alphanumeric characters at level M fit version 9 (53 modules, up to 262 characters);
  // in byte mode they would need version 11.
  EXPECT_EQ(qr->version(), 9);
  EXPECT_EQ(qr->size(), 53);
}

TEST(QrTest, SvgIsOneDocumentWithOnePath) {
  Result<std::string> svg = RenderQrSvg("KY1:HELLO", 4);
  ASSERT_TRUE(svg.has_value());
  EXPECT_TRUE(svg->starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\"")) << *svg;
  EXPECT_NE(svg->find("</svg>"), std::string::npos);
  // Version 1 (21 modules) + 2 × 4 quiet zone = 29 units, 4 px each.
  EXPECT_NE(svg->find("viewBox=\"0 0 29 29\""), std::string::npos) << *svg;
  EXPECT_NE(svg->find("width=\"116\""), std::string::npos);
  const std::size_t path = svg->find("<path");
  ASSERT_NE(path, std::string::npos);
  EXPECT_EQ(svg->find("<path", path + 1), std::string::npos) << "more than one path";
  // The finder pattern's top row: 7 dark modules from (4, 4).
  EXPECT_NE(svg->find("d=\"M4 4h7v1h-7z"), std::string::npos) << *svg;
  // Nothing that would need escaping inside the document.
  EXPECT_EQ(svg->find('&'), std::string::npos);
}

TEST(QrTest, SvgMatchesTheMatrix) {
  Result<QrMatrix> qr = QrMatrix::Encode("KY1:BB8");
  ASSERT_TRUE(qr.has_value());
  const std::string svg = qr->ToSvg();
  int dark = 0;
  for (int y = 0; y < qr->size(); ++y) {
    for (int x = 0; x < qr->size(); ++x) dark += qr->IsDark(x, y) ? 1 : 0;
  }
  // Sum of the horizontal runs "h{n}" equals the number of dark modules.
  int covered = 0;
  for (std::size_t at = svg.find('h'); at != std::string::npos; at = svg.find('h', at + 1)) {
    if (svg[at + 1] >= '0' && svg[at + 1] <= '9') covered += std::stoi(svg.substr(at + 1));
  }
  EXPECT_EQ(covered, dark);
}

TEST(QrTest, PngHasTheExpectedSize) {
  Result<QrMatrix> qr = QrMatrix::Encode("KY1:HELLO");
  ASSERT_TRUE(qr.has_value());
  Result<std::string> png = qr->ToPng(3);
  ASSERT_TRUE(png.has_value());
  // IHDR width and height, big-endian at bytes 16 and 20: (21 + 8) × 3 = 87.
  auto be32 = [&](std::size_t at) {
    return (static_cast<unsigned char>((*png)[at]) << 24) |
           (static_cast<unsigned char>((*png)[at + 1]) << 16) |
           (static_cast<unsigned char>((*png)[at + 2]) << 8) |
           static_cast<unsigned char>((*png)[at + 3]);
  };
  EXPECT_EQ(be32(16), 87);
  EXPECT_EQ(be32(20), 87);
  EXPECT_EQ((*png)[24], 1);  // bit depth
  EXPECT_EQ((*png)[25], 0);  // grey
  EXPECT_FALSE(qr->ToPng(0).has_value());
  EXPECT_FALSE(qr->ToPng(65).has_value());
}

TEST(QrTest, TextTooLongIsInvalidArgument) {
  EXPECT_TRUE(QrMatrix::Encode(std::string(3391, 'A')).has_value());
  Result<QrMatrix> too_long = QrMatrix::Encode(std::string(3392, 'A'));
  ASSERT_FALSE(too_long.has_value());
  EXPECT_EQ(too_long.error().code, ErrorCode::kInvalidArgument);
  Result<QrMatrix> too_many_bytes = QrMatrix::Encode(std::string(2332, 'a'));
  ASSERT_FALSE(too_many_bytes.has_value());
  EXPECT_EQ(too_many_bytes.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(QrMatrix::Encode(std::string(100'000, 'A')).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(QrMatrix::Encode("").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(RenderQrSvg(std::string(4000, '0')).error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace keyun::eticket
