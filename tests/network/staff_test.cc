// Staff accounts and Authenticate, on SQLite and PostgreSQL.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "network/network_service.h"
#include "network_fixture.h"

namespace keyun::network {
namespace {

using ::testing::HasSubstr;
using testing::kJinan;
using testing::NetworkTest;

class StaffTest : public NetworkTest {
 protected:
  void SetUp() override {
    NetworkTest::SetUp();
    if (HasFatalFailure()) return;
    SeedSmallNetwork();
    auto created = network_->CreateStaff(clerk_, "correct horse");
    ASSERT_TRUE(created) << created.error().ToString();
  }

  const Staff clerk_{.username = "wang.li",
                     .display_name = "王丽",
                     .role = Role::kClerk,
                     .station = kJinan,
                     .carrier = std::nullopt,
                     .active = true};
};
KEYUN_NETWORK_ENGINES(StaffTest);

TEST_P(StaffTest, AuthenticateReturnsTheAccount) {
  auto staff = network_->Authenticate("wang.li", "correct horse");
  ASSERT_TRUE(staff) << staff.error().ToString();
  EXPECT_EQ(*staff, clerk_);
  EXPECT_EQ(network_->GetStaff("wang.li").value(), clerk_);
}

TEST_P(StaffTest, UnknownUserWrongPasswordAndDisabledAccountLookAlike) {
  auto unknown = network_->Authenticate("nobody", "correct horse");
  auto wrong = network_->Authenticate("wang.li", "wrong horse");
  Staff disabled = clerk_;
  disabled.active = false;
  ASSERT_TRUE(network_->UpdateStaff(disabled));
  auto inactive = network_->Authenticate("wang.li", "correct horse");
  for (const auto* result : {&unknown, &wrong, &inactive}) {
    ASSERT_FALSE(*result);
    EXPECT_EQ(result->error().code, ErrorCode::kUnauthenticated);
    EXPECT_EQ(result->error().message, unknown.error().message);
    EXPECT_EQ(result->error().field, "");
  }
  EXPECT_EQ(unknown.error().message, "wrong username or password");
}

TEST_P(StaffTest, PasswordIsStoredHashedAndCanBeChanged) {
  auto rows = store_->Transact<store::Rows>([](store::Transaction& tx) {
    return tx.Query("SELECT password_hash FROM staff WHERE username = 'wang.li'");
  });
  ASSERT_TRUE(rows);
  EXPECT_THAT(rows->front().Text(0), HasSubstr("$argon2id$"));
  EXPECT_THAT(rows->front().Text(0), ::testing::Not(HasSubstr("correct horse")));

  ASSERT_TRUE(network_->SetStaffPassword("wang.li", "battery staple"));
  EXPECT_FALSE(network_->Authenticate("wang.li", "correct horse"));
  EXPECT_TRUE(network_->Authenticate("wang.li", "battery staple"));
  EXPECT_EQ(network_->SetStaffPassword("nobody", "battery staple").error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(network_->SetStaffPassword("wang.li", "short").error().field, "password");
}

TEST_P(StaffTest, CreateRefusesTakenNamesWeakPasswordsAndMissingStations) {
  auto taken = network_->CreateStaff(clerk_, "another password");
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(taken.error().field, "username");

  Staff gate{.username = "gate1",
             .display_name = "检票员",
             .role = Role::kGateOperator,
             .station = kJinan};
  EXPECT_EQ(network_->CreateStaff(gate, "1234567").error().field, "password");

  gate.station = testing::StationCodeOf("370124001");
  auto nowhere = network_->CreateStaff(gate, "12345678");
  ASSERT_FALSE(nowhere);
  EXPECT_EQ(nowhere.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(nowhere.error().field, "station");
}

TEST_P(StaffTest, UpdateAndList) {
  Staff moved = clerk_;
  moved.role = Role::kStationManager;
  moved.display_name = "王丽（站长）";
  ASSERT_TRUE(network_->UpdateStaff(moved));
  EXPECT_EQ(network_->GetStaff("wang.li").value(), moved);
  EXPECT_TRUE(network_->Authenticate("wang.li", "correct horse"));  // password unchanged

  Staff ghost = clerk_;
  ghost.username = "ghost";
  EXPECT_EQ(network_->UpdateStaff(ghost).error().code, ErrorCode::kNotFound);

  ASSERT_TRUE(network_->CreateStaff(
      Staff{.username = "admin", .display_name = "管理员", .role = Role::kProvinceAdmin},
      "admin-password"));
  EXPECT_EQ(network_->ListStaff().value().size(), 2u);
  ASSERT_EQ(network_->ListStaff(kJinan).value().size(), 1u);
  EXPECT_EQ(network_->ListStaff(kJinan).value().front().username, "wang.li");
}

}  // namespace
}  // namespace keyun::network
