// GateJournal: every appended check-in is read back after a restart; a torn last line (power
// cut mid-append) is dropped; a damaged line in the middle is refused; the pushed count
// survives a restart.
#include "checkin/gate_journal.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace keyun::checkin {
namespace {

class GateJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/keyun-journal-XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/gate3.journal";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static CheckinRecord Record(int n) {
    std::string body = "37261123" + std::string(11 - std::to_string(n).size(), '0') +
                       std::to_string(n);  // province, issue date, node sequence
    std::string number = body + std::string(1, *core::Mod11_2CheckChar(body));
    return CheckinRecord{.ticket_number = *core::TicketNumber::Parse(number),
                         .run_id = *core::RunId::Parse("370102001-20261124-K0301"),
                         .gate_id = "3",
                         .operator_id = "gate",
                         .method = n % 2 ? CheckinMethod::kIdCard : CheckinMethod::kQrCode,
                         .at = core::Instant::FromUnixMicros(1'790'000'000'000'000 + n)};
  }

  std::string dir_, path_;
};

TEST_F(GateJournalTest, AppendedRecordsComeBackAfterARestart) {
  {
    auto journal = GateJournal::Open(path_);
    ASSERT_TRUE(journal) << journal.error().ToString();
    EXPECT_TRUE((*journal)->records().empty());
    for (int n = 1; n <= 3; ++n) ASSERT_TRUE((*journal)->Append(Record(n)));
    ASSERT_TRUE((*journal)->MarkPushed(2));
  }
  auto reopened = GateJournal::Open(path_);
  ASSERT_TRUE(reopened) << reopened.error().ToString();
  ASSERT_EQ((*reopened)->records().size(), 3u);
  for (int n = 1; n <= 3; ++n) EXPECT_EQ((*reopened)->records()[n - 1], Record(n));
  EXPECT_EQ((*reopened)->pushed(), 2u);
  EXPECT_EQ((*reopened)->dropped_torn_lines(), 0);
  EXPECT_FALSE((*reopened)->MarkPushed(1)) << "the pushed count never goes back";
  EXPECT_FALSE((*reopened)->MarkPushed(4)) << "nor past the records";
}

TEST_F(GateJournalTest, ATornLastLineIsDroppedAndTheJournalGoesOn) {
  {
    auto journal = GateJournal::Open(path_);
    ASSERT_TRUE(journal);
    ASSERT_TRUE((*journal)->Append(Record(1)));
    ASSERT_TRUE((*journal)->Append(Record(2)));
  }
  // A power cut in the middle of the third append.
  auto size = std::filesystem::file_size(path_);
  {
    std::ofstream out(path_, std::ios::app | std::ios::binary);
    out << "K1\t37012611230000000";
  }
  auto journal = GateJournal::Open(path_);
  ASSERT_TRUE(journal) << journal.error().ToString();
  EXPECT_EQ((*journal)->records().size(), 2u);
  EXPECT_EQ((*journal)->dropped_torn_lines(), 1);
  EXPECT_EQ(std::filesystem::file_size(path_), size) << "the torn bytes are cut off";
  ASSERT_TRUE((*journal)->Append(Record(3)));
  auto again = GateJournal::Open(path_);
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)->records().size(), 3u);
}

TEST_F(GateJournalTest, ADamagedLineBeforeTheEndIsRefusedNotGuessed) {
  {
    auto journal = GateJournal::Open(path_);
    ASSERT_TRUE(journal);
    for (int n = 1; n <= 3; ++n) ASSERT_TRUE((*journal)->Append(Record(n)));
  }
  std::string content;
  {
    std::ifstream in(path_, std::ios::binary);
    content.assign(std::istreambuf_iterator<char>(in), {});
  }
  content[content.find("\t3\t") + 1] = '4';  // line 1's gate altered, checksum no longer fits
  {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out << content;
  }
  auto journal = GateJournal::Open(path_);
  ASSERT_FALSE(journal);
  EXPECT_NE(journal.error().message.find("line 1"), std::string::npos) << journal.error().message;
}

TEST_F(GateJournalTest, IdsThatWouldBreakTheLineAreRefused) {
  auto journal = GateJournal::Open(path_);
  ASSERT_TRUE(journal);
  CheckinRecord bad = Record(1);
  bad.gate_id = "3\n";
  EXPECT_EQ((*journal)->Append(bad).error().code, ErrorCode::kInvalidArgument);
  bad.gate_id = "";
  EXPECT_FALSE((*journal)->Append(bad));
  EXPECT_TRUE((*journal)->records().empty());
}

TEST_F(GateJournalTest, AnUnopenablePathSaysWhich) {
  auto journal = GateJournal::Open(dir_ + "/missing/dir/gate.journal");
  ASSERT_FALSE(journal);
  EXPECT_EQ(journal.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(journal.error().message.find("missing/dir"), std::string::npos);
}

}  // namespace
}  // namespace keyun::checkin
