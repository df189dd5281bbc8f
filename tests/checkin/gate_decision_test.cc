#include "checkin/gate_decision.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

namespace keyun::checkin {
namespace {

std::vector<RefusalReason> AllReasons() {
  std::vector<RefusalReason> reasons;
  for (int i = 0; i < kRefusalReasonCount; ++i) reasons.push_back(static_cast<RefusalReason>(i));
  return reasons;
}

TEST(GateDecisionTest, RefusalKeysAreDistinctAndParseBack) {
  std::set<std::string_view> keys;
  for (RefusalReason reason : AllReasons()) {
    const std::string_view key = RefusalKey(reason);
    EXPECT_NE(key, "unknown");
    EXPECT_TRUE(keys.insert(key).second) << key;
    EXPECT_EQ(ParseRefusalKey(key), reason);
  }
  EXPECT_EQ(RefusalKey(RefusalReason::kAlreadyCheckedIn), "already_checked_in");
  EXPECT_FALSE(ParseRefusalKey("Already_Checked_In").has_value());
}

TEST(GateDecisionTest, MethodNames) {
  for (CheckinMethod m : {CheckinMethod::kQrCode, CheckinMethod::kIdCard, CheckinMethod::kFace}) {
    EXPECT_EQ(ParseCheckinMethod(CheckinMethodName(m)), m);
  }
  EXPECT_EQ(CheckinMethodName(CheckinMethod::kIdCard), "id_card");
  Result<CheckinMethod> bad = ParseCheckinMethod("palm");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().field, "method");
}

// docs/checkin.md's table lists every reason, in the order a gate checks them.
TEST(GateDecisionTest, DocsListEveryReasonInOrder) {
  std::ifstream in(KEYUN_DOCS_DIR "/checkin.md");
  ASSERT_TRUE(in) << "cannot read docs/checkin.md";
  std::vector<std::string> documented;
  std::string line;
  while (std::getline(in, line)) {
    // Rows of the reason table start with "| `key` |".
    if (!line.starts_with("| `")) continue;
    const std::size_t end = line.find('`', 3);
    const std::string key = line.substr(3, end - 3);
    if (ParseRefusalKey(key)) documented.push_back(key);
  }
  std::vector<std::string> expected;
  for (RefusalReason reason : AllReasons()) expected.emplace_back(RefusalKey(reason));
  EXPECT_EQ(documented, expected);
}

TEST(GateDecisionTest, ADecisionIsOneOrTheOther) {
  const GateDecision refused(Refusal{.reason = RefusalReason::kForged});
  EXPECT_FALSE(refused.accepted());
  EXPECT_EQ(refused.reason(), RefusalReason::kForged);
  EXPECT_THROW((void)refused.admission(), std::bad_variant_access);
}

}  // namespace
}  // namespace keyun::checkin
