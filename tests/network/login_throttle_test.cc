// The login throttle's rule (login_throttle.h) on a fake clock, and StaffLogin's audit and
// replay on SQLite and PostgreSQL.
#include "network/login_throttle.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "network/staff_login.h"
#include "network_fixture.h"

namespace keyun::network {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using Scope = LoginThrottle::Refusal::Scope;

class LoginThrottleTest : public ::testing::Test {
 protected:
  LoginThrottleTest() {
    clock_.Set(core::Instant::FromShanghai(core::LocalDate::Parse("2026-11-23").value(),
                                           core::TimeOfDay::Parse("09:00").value()));
  }
  // One attempt that gets through and fails; false if it was refused instead.
  bool Fail(std::string_view user, std::string_view address = "10.0.0.7") {
    if (throttle_.Admit(user, address)) return false;
    throttle_.Done(user, address, false, clock_.Now());
    return true;
  }
  bool Succeed(std::string_view user, std::string_view address = "10.0.0.7") {
    if (throttle_.Admit(user, address)) return false;
    throttle_.Done(user, address, true, clock_.Now());
    return true;
  }
  // How long `user` is refused from now; 0 if admitted (then the probe counts as a success).
  std::chrono::microseconds Locked(std::string_view user, std::string_view address = "10.0.0.7") {
    auto refused = throttle_.Admit(user, address);
    if (!refused) {
      throttle_.Done(user, address, true, clock_.Now());
      return {};
    }
    return refused->until - clock_.Now();
  }

  core::FakeClock clock_;
  LoginThrottle throttle_{clock_};
};

TEST_F(LoginThrottleTest, FourFailuresAreFreeTheFifthLocksForOneSecondThenItDoubles) {
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(Fail("clerk1"));
  EXPECT_EQ(Locked("clerk2"), seconds(0));
  ASSERT_TRUE(Fail("clerk1"));
  auto refused = throttle_.Admit("clerk1", "10.0.0.7");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->scope, Scope::kAccount);
  EXPECT_EQ(refused->until, clock_.Now() + seconds(1));
  EXPECT_TRUE(refused->first);
  EXPECT_FALSE(throttle_.Admit("clerk1", "10.0.0.7")->first) << "one audit row per lock";

  for (seconds expected : {seconds(2), seconds(4), seconds(8), seconds(16)}) {
    clock_.Advance(expected / 2);  // the last lock has just ended
    ASSERT_TRUE(Fail("clerk1"));
    EXPECT_EQ(Locked("clerk1"), expected);
  }
}

TEST_F(LoginThrottleTest, TheLockIsCappedAtFifteenMinutes) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Fail("clerk1", ""));
  for (int i = 0; i < 15; ++i) {
    clock_.Advance(Locked("clerk1", ""));
    ASSERT_TRUE(Fail("clerk1", ""));
  }
  EXPECT_EQ(Locked("clerk1", ""), minutes(15));
}

TEST_F(LoginThrottleTest, WhileLockedEvenTheRightPasswordIsRefusedAndNotCounted) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Fail("clerk1"));
  clock_.Advance(seconds(1));
  ASSERT_TRUE(Fail("clerk1"));
  ASSERT_EQ(Locked("clerk1"), seconds(2));
  EXPECT_FALSE(Succeed("clerk1")) << "refused before the password is looked at";
  EXPECT_FALSE(Fail("clerk1"));
  EXPECT_EQ(Locked("clerk1"), seconds(2)) << "refusals do not lengthen the lock";
  clock_.Advance(seconds(2));
  EXPECT_TRUE(Succeed("clerk1"));
  EXPECT_EQ(Locked("clerk1"), seconds(0));
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(Fail("clerk1"));
  EXPECT_EQ(Locked("clerk1"), seconds(0)) << "a success starts the account from zero";
}

TEST_F(LoginThrottleTest, AQuietWindowAfterTheLockForgetsTheFailures) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Fail("clerk1"));
  clock_.Advance(seconds(1) + minutes(15));
  ASSERT_TRUE(Fail("clerk1"));
  EXPECT_EQ(Locked("clerk1"), seconds(2)) << "15 min after the lock ended, not yet forgotten";
  clock_.Advance(seconds(2) + minutes(15) + seconds(1));
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(Fail("clerk1"));
  EXPECT_EQ(Locked("clerk1"), seconds(0));
}

TEST_F(LoginThrottleTest, AnAddressLocksAfterTwentyFailuresOverAnyAccounts) {
  for (int i = 0; i < 19; ++i) ASSERT_TRUE(Fail("user" + std::to_string(i % 5)));
  EXPECT_EQ(Locked("user0"), seconds(0)) << "five accounts, four failures each at most";
  EXPECT_TRUE(Succeed("user5")) << "a success at the address does not clear it";
  ASSERT_TRUE(Fail("user4"));
  auto refused = throttle_.Admit("someone.else", "10.0.0.7");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->scope, Scope::kAddress);
  EXPECT_EQ(refused->until, clock_.Now() + seconds(1));
  EXPECT_EQ(Locked("someone.else", "10.0.0.8"), seconds(0)) << "another address is not locked";
}

TEST_F(LoginThrottleTest, UsernamesAreCaseFoldedAndUnknownOnesCountToo) {
  for (const char* user : {"Clerk1", "CLERK1", "clerk1", "cLeRk1", "clerk1"}) {
    ASSERT_TRUE(Fail(user));
  }
  EXPECT_GT(Locked("CLERK1"), seconds(0));
}

TEST_F(LoginThrottleTest, AParallelBurstGetsOnlyTheThresholdThrough) {
  int admitted = 0;
  for (int i = 0; i < 40; ++i) {
    if (!throttle_.Admit("clerk1", "10.0.0.7")) ++admitted;
  }
  EXPECT_EQ(admitted, 5);
  for (int i = 0; i < admitted; ++i) throttle_.Done("clerk1", "10.0.0.7", false, clock_.Now());
  EXPECT_EQ(Locked("clerk1"), seconds(1));
}

TEST_F(LoginThrottleTest, ReplayedFailuresLockLikeLiveOnes) {
  LoginThrottle after_restart(clock_);
  for (int i = 0; i < 5; ++i) {
    after_restart.Replay("clerk1", "10.0.0.7", false, clock_.Now() - seconds(10 - i));
  }
  // Locked for 1 s from the fifth failure, 6 s ago: over. One more failure locks for 2 s.
  EXPECT_FALSE(after_restart.Admit("clerk1", "10.0.0.7"));
  after_restart.Done("clerk1", "10.0.0.7", false, clock_.Now());
  auto refused = after_restart.Admit("clerk1", "10.0.0.7");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->until, clock_.Now() + seconds(2));
}

TEST_F(LoginThrottleTest, ManyKeysAreForgottenOldestFirstButLocksAreKept) {
  LoginThrottle small(clock_, {.max_keys = 8});
  for (int i = 0; i < 5; ++i) {
    ASSERT_FALSE(small.Admit("target", ""));
    small.Done("target", "", false, clock_.Now());
  }
  for (int i = 0; i < 100; ++i) {
    std::string user = "spray" + std::to_string(i);
    ASSERT_FALSE(small.Admit(user, ""));
    small.Done(user, "", false, clock_.Now());
  }
  EXPECT_TRUE(small.Admit("target", "")) << "still locked";
}

// ---- StaffLogin: audit and replay, on both engines ----

class StaffLoginTest : public testing::NetworkTest {
 protected:
  void SetUp() override {
    NetworkTest::SetUp();
    if (HasFatalFailure()) return;
    SeedSmallNetwork();
    ASSERT_TRUE(network_->CreateStaff(Staff{.username = "wang.li",
                                            .display_name = "王丽",
                                            .role = Role::kClerk,
                                            .station = testing::kJinan,
                                            .carrier = std::nullopt,
                                            .active = true},
                                      "correct horse"));
  }
  std::vector<std::string> Outcomes() {
    auto rows = store_->Transact<store::Rows>(
        [](store::Transaction& tx) {
          return tx.Query(std::string(
              "SELECT outcome, username, client_address FROM login_audit ORDER BY id"));
        },
        {.read_only = true});
    EXPECT_TRUE(rows) << rows.error().ToString();
    std::vector<std::string> out;
    for (const store::Row& row : rows.value_or(store::Rows{})) {
      out.push_back(row.Text(0) + " " + row.Text(1) + " " + row.Text(2));
    }
    return out;
  }
};

TEST_P(StaffLoginTest, EveryAttemptIsAuditedWithoutThePasswordAndALockSurvivesARestart) {
  auto logins = std::make_unique<StaffLogin>(*store_, *network_, clock_);
  ASSERT_TRUE(logins->LogIn("wang.li", "correct horse", "10.0.0.7"));
  EXPECT_EQ(logins->LogIn("nobody", "x", "10.0.0.7").error().code, ErrorCode::kUnauthenticated);
  for (int i = 0; i < 5; ++i) {
    auto wrong = logins->LogIn("wang.li", "wrong horse", "10.0.0.7");
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().code, ErrorCode::kUnauthenticated);
  }
  auto locked = logins->LogIn("wang.li", "correct horse", "10.0.0.7");
  ASSERT_FALSE(locked);
  EXPECT_EQ(locked.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(locked.error().retry_after_seconds, 1);
  EXPECT_THAT(locked.error().message, ::testing::HasSubstr("try again in 1 s"));
  EXPECT_THAT(locked.error().message_zh, ::testing::HasSubstr("1 秒后"));
  EXPECT_FALSE(logins->LogIn("wang.li", "correct horse", "10.0.0.7")) << "still locked";

  std::vector<std::string> expected{"success wang.li 10.0.0.7", "unknown_user nobody 10.0.0.7"};
  for (int i = 0; i < 5; ++i) expected.push_back("wrong_password wang.li 10.0.0.7");
  expected.push_back("throttled wang.li 10.0.0.7");  // once per lock, not per refusal
  EXPECT_EQ(Outcomes(), expected);
  auto passwords = store_->Transact<store::Rows>(
      [](store::Transaction& tx) {
        return tx.Query(std::string("SELECT username, client_address, outcome FROM login_audit"));
      },
      {.read_only = true});
  ASSERT_TRUE(passwords);
  for (const store::Row& row : *passwords) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      EXPECT_THAT(row.Text(c), ::testing::Not(::testing::HasSubstr("horse")));
    }
  }

  // A new node on the same database: the lock and the failure count come back.
  logins = std::make_unique<StaffLogin>(*store_, *network_, clock_);
  EXPECT_EQ(logins->LogIn("wang.li", "correct horse", "10.0.0.7").error().code,
            ErrorCode::kResourceExhausted);
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_EQ(logins->LogIn("wang.li", "wrong horse", "10.0.0.7").error().code,
            ErrorCode::kUnauthenticated);
  auto doubled = logins->LogIn("wang.li", "correct horse", "10.0.0.9");
  ASSERT_FALSE(doubled);
  EXPECT_EQ(doubled.error().retry_after_seconds, 2) << "the sixth failure doubles the lock";
  clock_.Advance(std::chrono::seconds(2));
  EXPECT_TRUE(logins->LogIn("wang.li", "correct horse", "10.0.0.9"));
}
KEYUN_NETWORK_ENGINES(StaffLoginTest);

}  // namespace
}  // namespace keyun::network
