// The access table as a whole (src/http/access_policy.h): every demo role, no session, a
// station role of another station, the holder's token and a wrong token, against every
// state-changing route and every holder-scoped read, on SQLite and PostgreSQL.
#include "http/access_policy.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "http/demo_node_test.h"

namespace keyun::http {
namespace {

using nlohmann::json;

TEST(AccessTableTest, RulesAreUniqueAndComplete) {
  std::set<std::pair<int, std::string>> seen;
  for (const AccessRule& rule : AccessTable()) {
    EXPECT_TRUE(seen.emplace(static_cast<int>(rule.method), std::string(rule.pattern)).second)
        << "two rules for " << MethodName(rule.method) << " " << rule.pattern;
    EXPECT_FALSE(rule.note.empty()) << rule.pattern << " has no note for docs/api.md";
    // A station-scoped rule needs the path parameter it scopes by.
    std::string_view needs = rule.scope == Scope::kOrder    ? "{id}"
                             : rule.scope == Scope::kTicket ? "{number}"
                             : rule.scope == Scope::kRun    ? "{run_id}"
                             : rule.scope == Scope::kStation ? "{code}"
                                                             : "";
    EXPECT_NE(rule.pattern.find(needs), std::string::npos) << rule.pattern;
    if (rule.passenger == Passenger::kHolder) {
      EXPECT_TRUE(rule.scope == Scope::kOrder || rule.scope == Scope::kTicket) << rule.pattern;
    }
  }
  EXPECT_NE(FindAccessRule(Method::kGet, "/window"), nullptr);  // a page
  EXPECT_EQ(FindAccessRule(Method::kPost, "/api/v1/unheard-of"), nullptr);
}

// The table as docs/api.md shows it, made from AccessTable() so the two cannot drift.
std::string TableMarkdown() {
  auto roles = [](RoleSet set) {
    std::string out;
    for (network::Role role : network::AllRoles()) {
      if ((set & RoleBit(role)) == 0) continue;
      if (!out.empty()) out += ", ";
      out += network::RoleKey(role);
    }
    return out.empty() ? std::string("—") : out;
  };
  auto passenger = [](Passenger p) {
    switch (p) {
      case Passenger::kNone: return "—";
      case Passenger::kAnyone: return "anyone";
      case Passenger::kHolder: return "holder (access token)";
    }
    return "?";
  };
  auto scope = [](Scope s) {
    switch (s) {
      case Scope::kProvince: return "—";
      case Scope::kStation: return "the station {code}";
      case Scope::kRun: return "the run's departure station";
      case Scope::kOrder: return "the order's selling or boarding station";
      case Scope::kTicket: return "the ticket's boarding or selling station";
    }
    return "?";
  };
  std::string out =
      "| route | staff roles | without a session | station roles limited to | what |\n"
      "|---|---|---|---|---|\n";
  for (const AccessRule& rule : AccessTable()) {
    out += "| `" + std::string(MethodName(rule.method)) + " " + std::string(rule.pattern) +
           "` | " + roles(rule.roles) + " | " + passenger(rule.passenger) + " | " +
           scope(rule.scope) + " | " + std::string(rule.note) + " |\n";
  }
  return out;
}

TEST(AccessTableTest, DocsApiMdShowsTheTable) {
  std::ifstream file(std::string(KEYUN_DOCS_DIR) + "/api.md");
  ASSERT_TRUE(file) << "docs/api.md";
  std::stringstream text;
  text << file.rdbuf();
  EXPECT_NE(text.str().find(TableMarkdown()), std::string::npos)
      << "docs/api.md's access table is not the code's; paste this in:\n"
      << TableMarkdown();
}

class AccessPolicyTest : public DemoNodeTest {
 protected:
  void SetUp() override {
    clock_.Set(core::Instant::FromShanghai(*core::LocalDate::Parse("2026-11-23"),
                                           *core::TimeOfDay::Parse("05:00")));
    StartNode(/*fake_clock=*/true);
    if (HasFatalFailure()) return;
    const auto& demo = *node_->info().demo;
    station_ = demo.main_station->str();
    for (const auto& login : demo.logins) roles_[std::string(network::RoleKey(login.role))] =
        Login(login.username);
    // A clerk and a gate operator of another station: the scope of station roles.
    auto stations = node_->network().ListStations({});
    ASSERT_TRUE(stations);
    for (const auto& s : *stations) {
      if (s.code.str() != station_) {
        other_station_ = s.code.str();
        break;
      }
    }
    ASSERT_FALSE(other_station_.empty());
    for (auto [name, role] : {std::pair{"clerk.other", network::Role::kClerk},
                              std::pair{"manager.other", network::Role::kStationManager}}) {
      auto made = node_->network().CreateStaff(
          network::Staff{.username = name,
                         .display_name = "外站员工",
                         .role = role,
                         .station = *core::StationCode::Parse(other_station_)},
          "keyun-demo", core::PasswordCost::kFastForTests);
      ASSERT_TRUE(made) << made.error().ToString();
    }
    other_clerk_ = Login("clerk.other");
    other_manager_ = Login("manager.other");

    SellTicket(station_);
    order_ = node_->sales().GetTicket(ticket_)->order_id;
    token_ = node_->sales().OrderAccessToken(order_);
  }

  // `pattern` with its parameters filled by this fixture's order, ticket, run and station.
  std::string PathOf(std::string pattern) const {
    auto put = [&](const std::string& name, const std::string& value) {
      auto at = pattern.find(name);
      if (at != std::string::npos) pattern.replace(at, name.size(), value);
    };
    put("{id}", order_);
    put("{number}", ticket_);
    put("{run_id}", run_->run.id.str());
    put("{code}", station_);
    put("{table}", "stations");
    put("{provider}", "sandbox");
    put("{payment_id}", "P-none");
    return pattern;
  }

  int Send(const AccessRule& rule, const httplib::Headers& headers) {
    const std::string path = PathOf(std::string(rule.pattern));
    httplib::Result res = rule.method == Method::kGet   ? client_->Get(path.c_str(), headers)
                          : rule.method == Method::kPut ? client_->Put(path.c_str(), headers, "{}",
                                                                       "application/json")
                          : rule.method == Method::kDelete
                              ? client_->Delete(path.c_str(), headers)
                              : client_->Post(path.c_str(), headers, "{}", "application/json");
    EXPECT_TRUE(res) << path;
    return res ? res->status : 0;
  }

  std::string station_, other_station_, order_, token_;
  std::map<std::string, std::string> roles_;  // role key → session token
  std::string other_clerk_, other_manager_;
};

// The rules to try: every state-changing one, and every read scoped to an order or a ticket.
std::vector<AccessRule> RulesToTry() {
  std::vector<AccessRule> out;
  for (const AccessRule& rule : AccessTable()) {
    if (rule.pattern == "/*" || rule.pattern == "/api/v1/session") continue;  // login: below
    if (rule.method != Method::kGet || rule.passenger == Passenger::kHolder) out.push_back(rule);
  }
  return out;
}

bool Refused(int status) { return status == 401 || status == 403; }

TEST_P(AccessPolicyTest, EveryRoleAgainstEveryStateChangingRoute) {
  for (const AccessRule& rule : RulesToTry()) {
    SCOPED_TRACE(std::string(MethodName(rule.method)) + " " + std::string(rule.pattern));
    for (const auto& [role, token] : roles_) {
      auto parsed = network::ParseRole(role);
      ASSERT_TRUE(parsed);
      const bool allowed = (rule.roles & RoleBit(*parsed)) != 0;
      int status = Send(rule, Bearer(token));
      if (allowed) {
        EXPECT_FALSE(Refused(status)) << role << " was refused (" << status << ")";
      } else {
        EXPECT_EQ(status, 403) << role << " was let through";
      }
    }
    int anonymous = Send(rule, {});
    switch (rule.passenger) {
      case Passenger::kAnyone: EXPECT_FALSE(Refused(anonymous)) << anonymous; break;
      case Passenger::kNone:
      case Passenger::kHolder: EXPECT_EQ(anonymous, 401); break;
    }
    if (rule.passenger == Passenger::kHolder) {
      EXPECT_FALSE(Refused(Send(rule, {{"X-Access-Token", token_}}))) << "the holder";
      EXPECT_EQ(Send(rule, {{"X-Access-Token", std::string(32, '0')}}), 403) << "a wrong token";
      // The order id is printed on receipts: it is no proof.
      EXPECT_EQ(Send(rule, {{"X-Access-Token", order_}}), 403) << "the order id as token";
    }
  }
}

TEST_P(AccessPolicyTest, StationRolesActOnlyForTheirStation) {
  for (const AccessRule& rule : AccessTable()) {
    if (rule.scope == Scope::kProvince) continue;
    SCOPED_TRACE(std::string(MethodName(rule.method)) + " " + std::string(rule.pattern));
    for (const std::string& token : {other_clerk_, other_manager_}) {
      int status = Send(rule, Bearer(token));
      EXPECT_EQ(status, 403) << "a station role of " << other_station_ << " got " << status;
    }
  }
}

TEST_P(AccessPolicyTest, AStrangerCannotRefundOrReadATicket) {
  // The attack of issue 13: read a ticket by its number, take its order id, refund it.
  auto read = client_->Get(("/api/v1/tickets/" + ticket_).c_str());
  ASSERT_TRUE(read);
  EXPECT_EQ(read->status, 401);
  EXPECT_EQ(read->body.find(order_), std::string::npos);
  for (const char* format : {"voucher", "voucher.svg", "voucher.png", "voucher.pdf"}) {
    auto voucher = client_->Get(("/api/v1/tickets/" + ticket_ + "/" + format).c_str());
    ASSERT_TRUE(voucher);
    EXPECT_EQ(voucher->status, 401) << format;
  }
  auto refund = client_->Post(("/api/v1/tickets/" + ticket_ + "/refund").c_str(),
                              {{"Idempotency-Key", "stranger-1"}},
                              json{{"order_id", order_}, {"channel", "mobile"}}.dump(),
                              "application/json");
  ASSERT_TRUE(refund);
  EXPECT_EQ(refund->status, 401) << refund->body;
  auto still = node_->sales().GetTicket(ticket_);
  ASSERT_TRUE(still);
  EXPECT_EQ(still->status, "issued");

  // The holder reads with the token, and no read answer carries it.
  auto mine = client_->Get(("/api/v1/tickets/" + ticket_).c_str(), {{"X-Access-Token", token_}});
  ASSERT_TRUE(mine);
  EXPECT_EQ(mine->status, 200) << mine->body;
  EXPECT_EQ(mine->body.find(token_), std::string::npos);
  auto order = client_->Get(("/api/v1/orders/" + order_).c_str(), {{"X-Access-Token", token_}});
  ASSERT_TRUE(order);
  EXPECT_EQ(order->status, 200);
  EXPECT_EQ(order->body.find(token_), std::string::npos);
  auto svg = client_->Get(("/api/v1/tickets/" + ticket_ + "/voucher.svg?access_token=" + token_)
                              .c_str());
  ASSERT_TRUE(svg);
  EXPECT_EQ(svg->status, 200);
}

TEST_P(AccessPolicyTest, OnlyTicketStaffTakeCash) {
  // A held order of a passenger, then every role tries to take cash for it.
  auto held = client_->Post(
      "/api/v1/orders", {{"Idempotency-Key", "cash-roles"}},
      json{{"run_id", run_->run.id.str()},
           {"from", station_},
           {"to", node_->sales().GetTicket(ticket_)->to.str()},
           {"channel", "mobile"},
           {"passengers",
            {{{"name", "张三"}, {"id_number", testing::TestResidentId(77)}}}}}
          .dump(),
      "application/json");
  ASSERT_TRUE(held);
  ASSERT_EQ(held->status, 201) << held->body;
  const std::string id = Body(held)["order_id"];
  const std::string token = Body(held)["access_token"];
  EXPECT_EQ(token, node_->sales().OrderAccessToken(id));
  const std::string pay = "/api/v1/orders/" + id + "/pay";
  for (const char* role : {"gate_operator", "auditor", "carrier_dispatcher"}) {
    auto paid = client_->Post(pay.c_str(), Bearer(roles_.at(role)), R"({"method":"cash"})",
                              "application/json");
    ASSERT_TRUE(paid);
    EXPECT_EQ(paid->status, 403) << role << ": " << paid->body;
  }
  // The passenger's own token does not take cash either: that is staff's.
  auto self = client_->Post(pay.c_str(), {{"X-Access-Token", token}}, R"({"method":"cash"})",
                            "application/json");
  ASSERT_TRUE(self);
  EXPECT_EQ(self->status, 403) << self->body;
  EXPECT_EQ(node_->sales().GetOrder(id)->status, sales::OrderStatus::kHeld);
  auto clerk = client_->Post(pay.c_str(), Bearer(roles_.at("clerk")), R"({"method":"cash"})",
                             "application/json");
  ASSERT_TRUE(clerk);
  EXPECT_EQ(clerk->status, 200) << clerk->body;
}

INSTANTIATE_TEST_SUITE_P(Engines, AccessPolicyTest,
                         ::testing::Values(testing::TestEngine::kSqlite,
                                           testing::TestEngine::kPostgres),
                         [](const auto& info) { return testing::TestEngineName(info.param); });

}  // namespace
}  // namespace keyun::http
