// The node's JSON API end to end: a real Node (store, services, HTTP server) on a free port,
// on SQLite and on a real PostgreSQL server, driven over HTTP by cpp-httplib.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <chrono>
#include <map>
#include <string>
#include <thread>

#include "core/ids.h"
#include "eticket/voucher_codec.h"
#include "demo_node_test.h"
#include "http/node.h"
#include "support/test_data.h"

namespace keyun::http {
namespace {

using nlohmann::json;

using testing::TestEngine;

class ApiTest : public DemoNodeTest {
 protected:
  void SetUp() override { StartNode(); }

  // Holds one seat, mobile channel, on tomorrow's first run of the first route, end to end,
  // for the passenger TestResidentId(serial). Returns the held order's JSON.
  json HoldMobileOrder(const std::string& name, int serial, const std::string& key) {
    auto routes = Body(client_->Get("/api/v1/routes"))["items"];
    EXPECT_FALSE(routes.empty());
    if (routes.empty()) return {};
    std::string from = routes[0]["stops"][0]["station_code"];
    std::string to = routes[0]["stops"].back()["station_code"];
    std::string date = node_->network().clock().Now().ShanghaiDate().AddDays(1).ToString();
    json offers = Body(client_->Get(
        ("/api/v1/runs?from=" + from + "&to=" + to + "&date=" + date).c_str()))["items"];
    EXPECT_FALSE(offers.empty());
    if (offers.empty()) return {};
    json order = {{"run_id", offers[0]["run_id"]}, {"from", from}, {"to", to},
                  {"channel", "mobile"},
                  {"passengers", {{{"name", name}, {"id_number", testing::TestResidentId(serial)}}}}};
    auto held = client_->Post("/api/v1/orders", {{"Idempotency-Key", key}}, order.dump(),
                              "application/json");
    EXPECT_TRUE(held);
    EXPECT_EQ(held->status, 201) << held->body;
    return held && held->status == 201 ? Body(held) : json();
  }
};

TEST_P(ApiTest, HealthzReportsEngineAndSchema) {
  auto res = client_->Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  json body = Body(res);
  EXPECT_EQ(body["status"], "ok");
  EXPECT_EQ(body["engine"], testing::TestEngineName(GetParam()));
  EXPECT_GE(body["schema_version"].get<int>(), 2);
}

TEST_P(ApiTest, StationSearchByNameAndCode) {
  auto all = client_->Get("/api/v1/stations?limit=1000");
  ASSERT_TRUE(all);
  ASSERT_EQ(all->status, 200);
  json items = Body(all)["items"];
  ASSERT_GE(items.size(), 40u);
  std::string code = items[0]["code"];
  std::string name = items[0]["name"];

  auto by_code = client_->Get(("/api/v1/stations?q=" + code).c_str());
  ASSERT_TRUE(by_code);
  ASSERT_EQ(Body(by_code)["items"].size(), 1u);
  EXPECT_EQ(Body(by_code)["items"][0]["name"], name);

  httplib::Params params{{"q", name}};
  auto by_name = client_->Get("/api/v1/stations", params, {});
  ASSERT_TRUE(by_name);
  EXPECT_GE(Body(by_name)["items"].size(), 1u);

  auto one = client_->Get(("/api/v1/stations/" + code).c_str());
  ASSERT_TRUE(one);
  EXPECT_EQ(one->status, 200);
  EXPECT_EQ(Body(one)["code"], code);
  EXPECT_FALSE(Body(one)["county_name"].get<std::string>().empty());
}

TEST_P(ApiTest, BadStationInputGetsClear4xx) {
  auto bad = client_->Get("/api/v1/stations/12345");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(Body(bad)["error"]["field"], "code");
  auto missing = client_->Get("/api/v1/stations/370102999");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  auto limit = client_->Get("/api/v1/stations?limit=0");
  ASSERT_TRUE(limit);
  EXPECT_EQ(limit->status, 400);
  EXPECT_EQ(Body(limit)["error"]["field"], "limit");
}

TEST_P(ApiTest, LoginRefusesWrongPasswordAndUnknownUserAlike) {
  auto wrong = client_->Post("/api/v1/session",
                             json{{"username", "admin"}, {"password", "nope-nope"}}.dump(),
                             "application/json");
  auto unknown = client_->Post("/api/v1/session",
                               json{{"username", "nobody"}, {"password", "nope-nope"}}.dump(),
                               "application/json");
  ASSERT_TRUE(wrong);
  ASSERT_TRUE(unknown);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_EQ(unknown->status, 401);
  EXPECT_EQ(Body(wrong)["error"]["message"], Body(unknown)["error"]["message"]);
}

TEST_P(ApiTest, LoginBodyIsCheckedStrictly) {
  auto not_json = client_->Post("/api/v1/session", "{username:", "application/json");
  ASSERT_TRUE(not_json);
  EXPECT_EQ(not_json->status, 400);
  auto unknown_field = client_->Post(
      "/api/v1/session", json{{"username", "admin"}, {"password", "x"}, {"pasword", "y"}}.dump(),
      "application/json");
  ASSERT_TRUE(unknown_field);
  EXPECT_EQ(unknown_field->status, 400);
  EXPECT_EQ(Body(unknown_field)["error"]["field"], "pasword");
  auto wrong_type = client_->Post("/api/v1/session",
                                  json{{"username", 42}, {"password", "x"}}.dump(),
                                  "application/json");
  ASSERT_TRUE(wrong_type);
  EXPECT_EQ(wrong_type->status, 400);
  EXPECT_EQ(Body(wrong_type)["error"]["field"], "username");
  auto array = client_->Post("/api/v1/session", "[1,2]", "application/json");
  ASSERT_TRUE(array);
  EXPECT_EQ(array->status, 400);
}

TEST_P(ApiTest, ErrorsAreChineseWithoutAcceptLanguageAndEnglishWithEn) {
  httplib::Client plain("127.0.0.1", port_);  // no default Accept-Language
  const std::string body = json{{"username", "admin"}, {"password", "nope-nope"}}.dump();
  auto zh = plain.Post("/api/v1/session", body, "application/json");
  ASSERT_TRUE(zh);
  EXPECT_EQ(zh->status, 401);
  EXPECT_EQ(Body(zh)["error"]["code"], "unauthenticated");
  EXPECT_EQ(Body(zh)["error"]["message"], "用户名或密码错误");
  EXPECT_EQ(Body(zh)["error"]["message_en"], "wrong username or password");
  auto en = plain.Post("/api/v1/session", {{"Accept-Language", "en-US,en;q=0.9"}}, body,
                       "application/json");
  ASSERT_TRUE(en);
  EXPECT_EQ(Body(en)["error"]["message"], "wrong username or password");
  EXPECT_EQ(Body(en)["error"]["code"], "unauthenticated");

  auto expired = plain.Get("/api/v1/staff", {{"Authorization", "Bearer not-a-session"}});
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->status, 401);
  EXPECT_EQ(Body(expired)["error"]["message"], "登录已过期，请重新登录");
}

TEST_P(ApiTest, HugeUnknownFieldNamesAndNamesGetSmallAnswers) {
  auto field = client_->Post("/api/v1/session",
                             json{{std::string(100'000, 'k'), 1}}.dump(), "application/json");
  ASSERT_TRUE(field);
  EXPECT_EQ(field->status, 400);
  EXPECT_LT(field->body.size(), 1500u) << field->body.substr(0, 2000);
  EXPECT_EQ(Body(field)["error"]["code"], "invalid_argument");
}

TEST_P(ApiTest, PassengerNamesAreValidated) {
  auto routes = Body(client_->Get("/api/v1/routes"))["items"];
  ASSERT_FALSE(routes.empty());
  std::string from = routes[0]["stops"][0]["station_code"];
  std::string to = routes[0]["stops"].back()["station_code"];
  std::string date = node_->network().clock().Now().ShanghaiDate().AddDays(1).ToString();
  json offers = Body(client_->Get(
      ("/api/v1/runs?from=" + from + "&to=" + to + "&date=" + date).c_str()))["items"];
  ASSERT_FALSE(offers.empty());
  int serial = 0;
  auto order = [&](const std::string& name) {
    json body = {{"run_id", offers[0]["run_id"]}, {"from", from}, {"to", to},
                 {"channel", "mobile"},
                 {"passengers",
                  {{{"name", name}, {"id_number", testing::TestResidentId(++serial)}}}}};
    return client_->Post("/api/v1/orders", {{"Idempotency-Key", "name-" + std::to_string(serial)}},
                         body.dump(), "application/json");
  };
  for (const std::string& bad : {std::string("张\0三", 7), std::string("   "),
                                std::string("张\xE2\x80\xAE三"), std::string("张\x01三"),
                                std::string(170'000, 'a')}) {
    auto res = order(bad);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << res->body.substr(0, 300);
    EXPECT_LT(res->body.size(), 1500u);
    EXPECT_EQ(Body(res)["error"]["field"], "passengers[0].name");
  }
  auto dotted = order(" 阿卜杜•热合曼 ");
  ASSERT_TRUE(dotted);
  EXPECT_EQ(dotted->status, 201) << dotted->body;
}

TEST_P(ApiTest, StaffDataNeedsASession) {
  auto anonymous = client_->Get("/api/v1/carriers");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  auto forged = client_->Get("/api/v1/carriers", Bearer("0123456789abcdef"));
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 401);

  std::string token = Login("admin");
  auto carriers = client_->Get("/api/v1/carriers", Bearer(token));
  ASSERT_TRUE(carriers);
  ASSERT_EQ(carriers->status, 200);
  EXPECT_GE(Body(carriers)["items"].size(), 10u);

  auto logout = client_->Delete("/api/v1/session", Bearer(token));
  ASSERT_TRUE(logout);
  EXPECT_EQ(logout->status, 204);
  auto after = client_->Get("/api/v1/carriers", Bearer(token));
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 401);
}

TEST_P(ApiTest, RoutesSchedulesAndTodaysRuns) {
  std::string token = Login("admin");
  auto routes = client_->Get("/api/v1/routes");
  ASSERT_TRUE(routes);
  json route_items = Body(routes)["items"];
  ASSERT_GE(route_items.size(), 60u);
  for (const json& r : route_items) {
    EXPECT_GE(r["stops"].size(), 4u) << r.dump();  // 2–8 intermediate stops
  }
  std::string route_code = route_items[0]["code"];
  auto route = client_->Get(("/api/v1/routes/" + route_code).c_str());
  ASSERT_TRUE(route);
  std::size_t stops = Body(route)["stops"].size();
  EXPECT_EQ(Body(route)["fares"].size(), stops * (stops - 1) / 2);

  auto schedules = client_->Get("/api/v1/schedules", Bearer(token));
  ASSERT_TRUE(schedules);
  EXPECT_GE(Body(schedules)["items"].size(), 60u);

  auto today = client_->Get("/api/v1/departures", Bearer(token));
  ASSERT_TRUE(today);
  ASSERT_EQ(today->status, 200);
  auto tomorrow_date = node_->network().clock().Now().ShanghaiDate().AddDays(1).ToString();
  auto tomorrow = client_->Get(("/api/v1/departures?date=" + tomorrow_date).c_str(), Bearer(token));
  ASSERT_TRUE(tomorrow);
  json runs = Body(tomorrow)["items"];
  ASSERT_GT(runs.size(), 60u);
  EXPECT_EQ(runs[0]["status"], "open");
  EXPECT_TRUE(runs[0]["departs_at"].get<std::string>().ends_with("+08:00"));

  auto bad_date = client_->Get("/api/v1/departures?date=2026-02-30", Bearer(token));
  ASSERT_TRUE(bad_date);
  EXPECT_EQ(bad_date->status, 400);
  EXPECT_EQ(Body(bad_date)["error"]["field"], "date");
}

TEST_P(ApiTest, StationStaffSeeOnlyTheirStation) {
  std::string token = Login("clerk");
  auto who = client_->Get("/api/v1/session", Bearer(token));
  ASSERT_TRUE(who);
  std::string own = Body(who)["station"];
  auto schedules = client_->Get("/api/v1/schedules", Bearer(token));
  ASSERT_TRUE(schedules);
  json own_schedules = Body(schedules);
  for (const json& s : own_schedules["items"]) EXPECT_EQ(s["station_code"], own);

  auto stations = Body(client_->Get("/api/v1/stations?limit=1000"))["items"];
  std::string other = stations[0]["code"] == own ? stations[1]["code"] : stations[0]["code"];
  auto foreign = client_->Get(("/api/v1/schedules?station=" + other).c_str(), Bearer(token));
  ASSERT_TRUE(foreign);
  EXPECT_EQ(foreign->status, 403);
  auto staff = client_->Get("/api/v1/staff", Bearer(token));
  ASSERT_TRUE(staff);
  EXPECT_EQ(staff->status, 403);
}

TEST_P(ApiTest, CsvImportReportsEveryBadRowAndWritesNothing) {
  std::string token = Login("admin");
  auto before = client_->Get("/api/v1/export/stations", Bearer(token));
  ASSERT_TRUE(before);
  ASSERT_EQ(before->status, 200);
  EXPECT_NE(before->get_header_value("Content-Type").find("text/csv"), std::string::npos);

  std::string csv =
      "code,name,grade,address,pinyin,active\n"
      "370102901,测试一站,3,,,1\n"
      "370102902,测试二站,9,,,1\n"
      "999999001,测试三站,3,,,1\n";
  auto res = client_->Post("/api/v1/import/stations", Bearer(token), csv, "text/csv");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  std::string message = Body(res)["error"]["message"];
  EXPECT_NE(message.find("line 3"), std::string::npos) << message;
  EXPECT_NE(message.find("line 4"), std::string::npos) << message;
  auto after = client_->Get("/api/v1/export/stations", Bearer(token));
  EXPECT_EQ(after->body, before->body);  // nothing half-imported

  std::string good = "code,name,grade,address,pinyin,active\n370102901,测试一站,3,,,1\n";
  auto ok = client_->Post("/api/v1/import/stations", Bearer(token), good, "text/csv");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  EXPECT_EQ(Body(ok)["inserted"], 1);

  std::string clerk = Login("clerk");
  auto refused = client_->Post("/api/v1/import/stations", Bearer(clerk), good, "text/csv");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403);
}

TEST_P(ApiTest, AWindowSellsAndTakesCashInOneRequest) {
  std::string station = node_->info().demo->main_station->str();
  auto runs = node_->network().ListRuns(node_->network().clock().Now().ShanghaiDate().AddDays(1),
                                        *core::StationCode::Parse(station));
  ASSERT_TRUE(runs);
  ASSERT_FALSE(runs->empty());
  auto route = node_->network().GetRoute(runs->front().run.route_code);
  ASSERT_TRUE(route);
  auto order_body = [&](const std::string& pay) {
    json body = {{"run_id", runs->front().run.id.str()},
                 {"from", route->stops.front().station.str()},
                 {"to", route->stops.back().station.str()},
                 {"channel", "window"},
                 {"pay", pay},
                 {"passengers", {{{"name", "王五"}, {"id_number", testing::TestResidentId(61)}}}}};
    return body.dump();
  };
  httplib::Headers clerk = Bearer(Login("clerk"));
  clerk.emplace("Idempotency-Key", "one-request-1");
  auto sold = client_->Post("/api/v1/orders", clerk, order_body("cash"), "application/json");
  ASSERT_TRUE(sold);
  ASSERT_EQ(sold->status, 201) << sold->body;
  json order = Body(sold);
  EXPECT_EQ(order["status"], "issued");
  ASSERT_EQ(order["tickets"].size(), 1u);
  EXPECT_FALSE(order["tickets"][0]["ticket_number"].get<std::string>().empty());
  // A retry (the answer was lost) gets the same issued order, not a second sale.
  auto again = client_->Post("/api/v1/orders", clerk, order_body("cash"), "application/json");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 201) << again->body;
  EXPECT_EQ(Body(again)["order_id"], order["order_id"]);
  EXPECT_EQ(Body(again)["tickets"][0]["ticket_number"], order["tickets"][0]["ticket_number"]);

  // Money online is not taken in one request, and cash needs staff.
  auto sandbox = client_->Post("/api/v1/orders", clerk, order_body("sandbox"), "application/json");
  ASSERT_TRUE(sandbox);
  EXPECT_EQ(sandbox->status, 400);
  EXPECT_EQ(Body(sandbox)["error"]["field"], "pay");
  auto bogus = client_->Post("/api/v1/orders", clerk, order_body("cheque"), "application/json");
  ASSERT_TRUE(bogus);
  EXPECT_EQ(Body(bogus)["error"]["field"], "pay");
  json mobile = json::parse(order_body("cash"));
  mobile["channel"] = "mobile";
  auto anonymous = client_->Post("/api/v1/orders", {{"Idempotency-Key", "one-request-2"}},
                                 mobile.dump(), "application/json");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 403) << anonymous->body;
  // Staff may not take cash for a passenger channel's order in one request: that order's
  // payment goes through .../pay, where the guard checks the order's station.
  httplib::Headers clerk_mobile = Bearer(Login("clerk"));
  clerk_mobile.emplace("Idempotency-Key", "one-request-3");
  auto staffed = client_->Post("/api/v1/orders", clerk_mobile, mobile.dump(), "application/json");
  ASSERT_TRUE(staffed);
  EXPECT_EQ(staffed->status, 400) << staffed->body;
  EXPECT_EQ(Body(staffed)["error"]["field"], "pay");
}

TEST_P(ApiTest, PagesAreServed) {
  auto manage = client_->Get("/manage");
  ASSERT_TRUE(manage);
  EXPECT_EQ(manage->status, 200);
  EXPECT_NE(manage->get_header_value("Content-Type").find("text/html"), std::string::npos);
  EXPECT_NE(manage->body.find("业务管理"), std::string::npos);
  auto script = client_->Get("/manage.js");
  ASSERT_TRUE(script);
  EXPECT_NE(script->get_header_value("Content-Type").find("javascript"), std::string::npos);
  auto cached = client_->Get("/manage.js", {{"If-None-Match", script->get_header_value("ETag")}});
  ASSERT_TRUE(cached);
  EXPECT_EQ(cached->status, 304);
}

TEST_P(ApiTest, ProviderNotificationsAreVerifiedAndAppliedOnce) {
  json held = HoldMobileOrder("李四", 41, "notify-1");
  ASSERT_FALSE(held.is_null());
  std::string order_id = held["order_id"];
  std::int64_t amount = held["amount"];

  auto no_key = client_->Post(("/api/v1/orders/" + order_id + "/pay").c_str(), Holder(order_id),
                              R"({"method":"sandbox"})", "application/json");
  ASSERT_TRUE(no_key);
  EXPECT_EQ(no_key->status, 400) << "an online payment needs an Idempotency-Key";
  auto started = client_->Post(("/api/v1/orders/" + order_id + "/pay").c_str(),
                               {{"Idempotency-Key", "notify-1-pay"},
                                {"X-Access-Token", held["access_token"].get<std::string>()}},
                               R"({"method":"sandbox"})",
                               "application/json");
  ASSERT_TRUE(started);
  ASSERT_EQ(started->status, 202) << started->body;
  json payment = Body(started)["payment"];
  EXPECT_EQ(payment["status"], "pending");
  EXPECT_EQ(payment["amount"], amount);
  EXPECT_EQ(Body(started)["status"], "held");

  std::map<std::string, std::string> fields = {
      {"notify_id", "N-http-1"},   {"payment_id", payment["payment_id"]},
      {"order_id", order_id},      {"amount_fen", std::to_string(amount)},
      {"trade_no", "SBX-HTTP-1"},  {"trade_status", "TRADE_SUCCESS"},
      {"paid_at", node_->network().clock().Now().ToIso8601()}};
  std::string genuine = node_->sandbox().SignedBody(fields);
  std::string forged = genuine;
  forged.replace(forged.find("trade_no=SBX-HTTP-1"), 19, "trade_no=SBX-HTTP-9");
  const char* notify = "/api/v1/payments/sandbox/notify";
  auto refused = client_->Post(notify, forged, "application/x-www-form-urlencoded");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 409) << refused->body;
  EXPECT_EQ(Body(refused)["error"]["code"], "failed_precondition");
  auto junk = client_->Post(notify, "not a form", "application/x-www-form-urlencoded");
  ASSERT_TRUE(junk);
  EXPECT_EQ(junk->status, 400);
  auto unknown = client_->Post("/api/v1/payments/alipay/notify", genuine,
                               "application/x-www-form-urlencoded");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(Body(client_->Get(("/api/v1/orders/" + order_id).c_str(), Holder(order_id)))["status"], "held");

  for (int i = 0; i < 3; ++i) {  // the provider retries: acknowledged each time, applied once
    auto ok = client_->Post(notify, genuine, "application/x-www-form-urlencoded");
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, 200) << ok->body;
    EXPECT_EQ(ok->body, "success");
  }
  json issued = Body(client_->Get(("/api/v1/orders/" + order_id).c_str(), Holder(order_id)));
  EXPECT_EQ(issued["status"], "issued");
  EXPECT_EQ(issued["payment_method"], "sandbox");
  EXPECT_EQ(issued["tickets"][0]["ticket_number"].get<std::string>().size(), 20u);

  auto wallet = client_->Post("/api/v1/sandbox/wallet/P-none/approve", "", "application/json");
  ASSERT_TRUE(wallet);
  EXPECT_EQ(wallet->status, 404);
}

TEST_P(ApiTest, SellPayAndVerifyTheVoucherWithThePublishedKey) {
  // Tomorrow's first run from the biggest station, to its route's last stop.
  auto routes = Body(client_->Get("/api/v1/routes"))["items"];
  ASSERT_FALSE(routes.empty());
  std::string from = routes[0]["stops"][0]["station_code"];
  std::string to = routes[0]["stops"].back()["station_code"];
  std::string date = node_->network().clock().Now().ShanghaiDate().AddDays(1).ToString();
  auto runs = client_->Get(("/api/v1/runs?from=" + from + "&to=" + to + "&date=" + date).c_str());
  ASSERT_TRUE(runs);
  ASSERT_EQ(runs->status, 200) << runs->body;
  json offers = Body(runs)["items"];
  ASSERT_FALSE(offers.empty());
  EXPECT_GT(offers[0]["seats_left"].get<int>(), 0);

  json order = {{"run_id", offers[0]["run_id"]}, {"from", from}, {"to", to},
                {"channel", "mobile"},
                {"passengers", {{{"name", "张三"}, {"id_type", "resident_id"},
                                 {"id_number", "11010519491231002X"}, {"fare_type", "adult"}}}}};
  auto held = client_->Post("/api/v1/orders", {{"Idempotency-Key", "voucher-1"}}, order.dump(),
                            "application/json");
  ASSERT_TRUE(held);
  ASSERT_EQ(held->status, 201) << held->body;
  std::string order_id = Body(held)["order_id"];
  json paid = PayInSandbox(order_id);
  ASSERT_EQ(paid["status"], "issued") << paid.dump();
  std::string number = paid["tickets"][0]["ticket_number"];
  ASSERT_TRUE(core::TicketNumber::Parse(number));

  auto text = client_->Get(("/api/v1/tickets/" + number + "/voucher").c_str(), Holder(order_id));
  ASSERT_TRUE(text);
  ASSERT_EQ(text->status, 200) << text->body;
  eticket::VoucherVerifier verifier;
  json keys = Body(client_->Get("/api/v1/keys"));  // kept alive for the loop
  for (const json& key : keys["items"]) {
    ASSERT_TRUE(verifier.AddKeyHex(key["key_id"].get<std::string>(),
                                   key["public_key"].get<std::string>()));
  }
  auto payload = verifier.Verify(text->body);
  ASSERT_TRUE(payload) << payload.error().ToString();
  EXPECT_EQ(payload->ticket_number.str(), number);
  EXPECT_EQ(payload->run.str(), offers[0]["run_id"]);
  EXPECT_EQ(payload->seat, paid["tickets"][0]["seat"]);
  EXPECT_EQ(payload->passenger_name_masked, "张*");

  // The PNG decodes (zbar, as a gate's scanner would) to the same text.
  auto png = client_->Get(("/api/v1/tickets/" + number + "/voucher.png").c_str(), Holder(order_id));
  ASSERT_TRUE(png);
  ASSERT_EQ(png->get_header_value("Content-Type"), "image/png");
  std::string path = ::testing::TempDir() + "/voucher-" + number + ".png";
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fwrite(png->body.data(), 1, png->body.size(), f);
    std::fclose(f);
  }
  std::string command = "zbarimg --raw -q -Sdisable -Sqrcode.enable " + path + " 2>/dev/null";
  std::FILE* zbar = popen(command.c_str(), "r");
  ASSERT_NE(zbar, nullptr) << "install zbar-tools";
  std::string decoded;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, zbar)) decoded += buffer;
  ASSERT_EQ(pclose(zbar), 0) << "zbarimg failed or is missing: install zbar-tools";
  while (!decoded.empty() && decoded.back() == '\n') decoded.pop_back();
  EXPECT_EQ(decoded, text->body);

  // A held (unpaid) ticket has no voucher; an unknown one is 404.
  auto unknown = client_->Get("/api/v1/tickets/37261123000000000099/voucher", Holder(order_id));
  ASSERT_TRUE(unknown);
  EXPECT_TRUE(unknown->status == 404 || unknown->status == 400) << unknown->status;
}

TEST_P(ApiTest, RefundAQuotedTicketThroughTheApi) {
  json held = HoldMobileOrder("王五", 42, "refund-1");
  ASSERT_FALSE(held.is_null());
  std::string order_id = held["order_id"];
  json paid = PayInSandbox(order_id);
  ASSERT_EQ(paid["status"], "issued") << paid.dump();
  std::string number = paid["tickets"][0]["ticket_number"];
  std::int64_t fare = paid["tickets"][0]["fare"].get<std::int64_t>() +
                      paid["tickets"][0]["station_fee"].get<std::int64_t>();
  const std::string base = "/api/v1/tickets/" + number;

  // The quote: a day ahead, the 10 % tier; nothing changes.
  auto quote = client_->Get((base + "/refund-quote").c_str(), Holder(order_id));
  ASSERT_TRUE(quote);
  ASSERT_EQ(quote->status, 200) << quote->body;
  json q = Body(quote);
  EXPECT_EQ(q["ticket_number"], number);
  EXPECT_EQ(q["status"], "issued");
  EXPECT_EQ(q["fare"], fare);
  EXPECT_EQ(q["fee"].get<std::int64_t>() + q["refunded"].get<std::int64_t>(), fare);
  EXPECT_GE(q["fee"].get<std::int64_t>(), 50);
  EXPECT_EQ(q["refund_status"], "quote");
  EXPECT_EQ(Body(client_->Get(base.c_str(), Holder(order_id)))["status"], "issued");

  const std::string refund = base + "/refund";
  auto body = json{{"access_token", Token(order_id)}}.dump();
  auto no_key = client_->Post(refund.c_str(), body, "application/json");
  ASSERT_TRUE(no_key);
  EXPECT_EQ(no_key->status, 400) << no_key->body;
  auto bad_cause = client_->Post(refund.c_str(), {{"Idempotency-Key", "rf-1"}},
                                 json{{"access_token", Token(order_id)}, {"cause", "bored"}}.dump(),
                                 "application/json");
  ASSERT_TRUE(bad_cause);
  EXPECT_EQ(bad_cause->status, 400);
  EXPECT_EQ(Body(bad_cause)["error"]["field"], "cause");
  auto not_yours = client_->Post(refund.c_str(), {{"Idempotency-Key", "rf-1"}},
                                 json{{"access_token", std::string(32, 'f')}}.dump(), "application/json");
  ASSERT_TRUE(not_yours);
  EXPECT_EQ(not_yours->status, 403) << not_yours->body;
  auto operator_cause = client_->Post(refund.c_str(), {{"Idempotency-Key", "rf-1"}},
                                      json{{"access_token", Token(order_id)}, {"cause", "run_stopped"}}.dump(),
                                      "application/json");
  ASSERT_TRUE(operator_cause);
  EXPECT_EQ(operator_cause->status, 403) << "operator causes are for staff";
  auto unknown = client_->Post("/api/v1/tickets/37261123000000000099/refund",
                               {{"Idempotency-Key", "rf-x"}}, body, "application/json");
  ASSERT_TRUE(unknown);
  EXPECT_TRUE(unknown->status == 404 || unknown->status == 400) << unknown->status;

  auto done = client_->Post(refund.c_str(), {{"Idempotency-Key", "rf-1"}}, body,
                            "application/json");
  ASSERT_TRUE(done);
  ASSERT_EQ(done->status, 200) << done->body;
  json r = Body(done);
  EXPECT_EQ(r["ticket_number"], number);
  EXPECT_EQ(r["status"], "refunded");
  EXPECT_EQ(r["fare"], fare);
  EXPECT_EQ(r["fee"], q["fee"]);
  EXPECT_EQ(r["refunded"], q["refunded"]);
  EXPECT_EQ(r["money_back"], "provider");
  EXPECT_FALSE(r["rule"].get<std::string>().empty());
  EXPECT_EQ(Body(client_->Get(base.c_str(), Holder(order_id)))["status"], "refunded");

  // The sandbox's signed refund notification comes back over HTTP; a retry shows it done.
  json again;
  for (int i = 0; i < 200; ++i) {
    again = Body(client_->Post(refund.c_str(), {{"Idempotency-Key", "rf-1"}}, body,
                               "application/json"));
    if (again["refund_status"] == "done") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_EQ(again["refund_status"], "done") << again.dump();
  EXPECT_EQ(again["refund_id"], r["refund_id"]);

  auto twice = client_->Post(refund.c_str(), {{"Idempotency-Key", "rf-2"}}, body,
                             "application/json");
  ASSERT_TRUE(twice);
  EXPECT_EQ(twice->status, 409);
  EXPECT_NE(Body(twice)["error"]["message"].get<std::string>().find("already refunded"),
            std::string::npos);

  // Gates learn of it from the revocation list.
  std::string gate = Login("gate");
  auto list = client_->Get("/api/v1/revocations?since=0", Bearer(gate));
  ASSERT_TRUE(list);
  ASSERT_EQ(list->status, 200) << list->body;
  json items = Body(list)["items"];
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["ticket_number"], number);
  EXPECT_EQ(items[0]["reason"], "refunded");
}

INSTANTIATE_TEST_SUITE_P(Engines, ApiTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& info) { return testing::TestEngineName(info.param); });

}  // namespace
}  // namespace keyun::http
