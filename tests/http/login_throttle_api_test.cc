// POST /api/v1/session is throttled (issue 13, item 8): after repeated failures an account is
// refused with 429 and Retry-After, the right password too, until the lock ends; other
// accounts log in as before; every attempt is audited. On SQLite and PostgreSQL, fake clock.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>

#include "demo_node_test.h"

namespace keyun::http {
namespace {

using nlohmann::json;

class LoginThrottleApiTest : public DemoNodeTest {
 protected:
  void SetUp() override {
    clock_.Set(core::Instant::FromShanghai(*core::LocalDate::Parse("2026-11-23"),
                                           *core::TimeOfDay::Parse("09:00")));
    StartNode(/*fake_clock=*/true);
  }
  httplib::Result Attempt(const std::string& username, const std::string& password,
                          httplib::Client* client = nullptr) {
    return (client ? client : client_.get())
        ->Post("/api/v1/session", json{{"username", username}, {"password", password}}.dump(),
               "application/json");
  }
  std::vector<std::string> Audit(const std::string& username) {
    auto rows = node_->store().Transact<store::Rows>(
        [&](store::Transaction& tx) {
          return tx.Query("SELECT outcome, client_address FROM login_audit WHERE username = $1 "
                          "ORDER BY id",
                          {store::Value{username}});
        },
        {.read_only = true});
    EXPECT_TRUE(rows) << rows.error().ToString();
    std::vector<std::string> out;
    for (const store::Row& row : rows.value_or(store::Rows{})) {
      out.push_back(row.Text(0) + "@" + row.Text(1));
    }
    return out;
  }
};

TEST_P(LoginThrottleApiTest, ManyWrongPasswordsLockTheAccountWithRetryAfterUntilTheLockEnds) {
  // A burst like issue 13's (40 in a few hundredths of a second): only five are checked.
  int unauthenticated = 0, throttled = 0;
  for (int i = 0; i < 40; ++i) {
    auto res = Attempt("clerk", "guess-" + std::to_string(i));
    ASSERT_TRUE(res);
    if (res->status == 401) ++unauthenticated;
    if (res->status == 429) {
      ++throttled;
      EXPECT_TRUE(res->has_header("Retry-After"));
    }
  }
  EXPECT_EQ(unauthenticated, 5);
  EXPECT_EQ(throttled, 35);

  auto locked = Attempt("clerk", "keyun-demo");
  ASSERT_TRUE(locked);
  EXPECT_EQ(locked->status, 429) << "the right password is refused while locked";
  EXPECT_EQ(locked->get_header_value("Retry-After"), "1");
  json error = Body(locked)["error"];
  EXPECT_EQ(error["code"], "resource_exhausted");
  EXPECT_EQ(error["retry_after"], 1);
  EXPECT_EQ(error["message"],
            "too many failed logins for this account, so it is locked for now: try again in 1 s "
            "(after 09:00:01 Beijing time). If the password is forgotten, ask an administrator "
            "to set a new one");
  httplib::Client chinese("127.0.0.1", port_);  // no Accept-Language: Chinese
  auto zh = Attempt("clerk", "keyun-demo", &chinese);
  ASSERT_TRUE(zh);
  EXPECT_EQ(zh->status, 429);
  EXPECT_EQ(Body(zh)["error"]["message"],
            "该账号登录失败次数过多，已暂时锁定：请在 1 秒后（北京时间 09:00:01 之后）再试。"
            "如忘记密码，请联系管理员重设");

  // Other accounts, from the same address, are not affected.
  EXPECT_FALSE(Login("manager").empty());

  clock_.Advance(std::chrono::seconds(1));
  auto sixth = Attempt("clerk", "guess-again");
  ASSERT_TRUE(sixth);
  EXPECT_EQ(sixth->status, 401);
  auto doubled = Attempt("clerk", "keyun-demo");
  ASSERT_TRUE(doubled);
  EXPECT_EQ(doubled->status, 429);
  EXPECT_EQ(doubled->get_header_value("Retry-After"), "2") << "each failure doubles the lock";
  clock_.Advance(std::chrono::seconds(2));
  EXPECT_FALSE(Login("clerk").empty()) << "after the lock the right password works";
  // …and resets the account's count: four mistakes are free again.
  for (int i = 0; i < 4; ++i) EXPECT_EQ(Attempt("clerk", "typo")->status, 401);
  EXPECT_FALSE(Login("clerk").empty());

  std::vector<std::string> audit = Audit("clerk");
  std::vector<std::string> expected(5, "wrong_password@127.0.0.1");
  expected.push_back("throttled@127.0.0.1");
  expected.push_back("wrong_password@127.0.0.1");
  expected.push_back("throttled@127.0.0.1");
  expected.push_back("success@127.0.0.1");
  for (int i = 0; i < 4; ++i) expected.push_back("wrong_password@127.0.0.1");
  expected.push_back("success@127.0.0.1");
  EXPECT_EQ(audit, expected);
  EXPECT_EQ(Audit("manager"), std::vector<std::string>{"success@127.0.0.1"});
}

TEST_P(LoginThrottleApiTest, UnknownUsersAreThrottledAndAuditedLikeKnownOnes) {
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Attempt("no.such.user", "x")->status, 401);
  EXPECT_EQ(Attempt("no.such.user", "x")->status, 429);
  std::vector<std::string> expected(5, "unknown_user@127.0.0.1");
  expected.push_back("throttled@127.0.0.1");
  EXPECT_EQ(Audit("no.such.user"), expected);
}

TEST_P(LoginThrottleApiTest, ManyCorrectLoginsAreNeverThrottled) {
  for (int i = 0; i < 30; ++i) ASSERT_FALSE(Login("gate").empty()) << i;
}

INSTANTIATE_TEST_SUITE_P(Engines, LoginThrottleApiTest,
                         ::testing::Values(testing::TestEngine::kSqlite,
                                           testing::TestEngine::kPostgres),
                         [](const auto& info) { return testing::TestEngineName(info.param); });

}  // namespace
}  // namespace keyun::http
