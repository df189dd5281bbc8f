// The HTTP server and router over real sockets, with cpp-httplib as the client.
#include "http/server.h"

#include "http/json_body.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace keyun::http {
namespace {

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add(Method::kGet, "/hello/{name}", [](Request& request) {
      Response response;
      response.content_type = "text/plain";
      response.body = "hello " + request.PathParam("name") + " " +
                      request.QueryParam("x").value_or("-");
      return response;
    });
    router_.Add(Method::kPost, "/echo", [](Request& request) {
      Response response;
      response.body = request.body;
      return response;
    });
    router_.Add(Method::kGet, "/ticket", [](Request&) {
      return ErrorResponse(
          InZh(NotFound("no ticket 37261205", "number"), "没有车票 37261205").value());
    });
    router_.Add(Method::kGet, "/plain", [](Request&) {
      return ErrorResponse(FailedPrecondition("the run has departed").value());
    });
    router_.Add(Method::kGet, "/long", [](Request&) {
      return ErrorResponse(InvalidArgument(std::string(100'000, 'x'), std::string(5000, 'f')).value());
    });
    router_.Add(Method::kPost, "/fields", [](Request& request) {
      auto body = ParseJsonObject(request.body, {"name"});
      return body ? Json({{"ok", true}}) : ErrorResponse(body.error());
    });
    router_.Add(Method::kGet, "/boom", [](Request&) -> Response {
      throw std::runtime_error("kaboom");
    });
    server_ = std::make_unique<Server>(
        ServerOptions{.port = 0, .threads = 2, .max_body_bytes = 1024}, router_);
    Result<std::uint16_t> port = server_->Start();
    ASSERT_TRUE(port) << port.error().ToString();
    port_ = *port;
  }

  httplib::Client Client() { return httplib::Client("127.0.0.1", port_); }

  Router router_;
  std::unique_ptr<Server> server_;
  std::uint16_t port_ = 0;
};

TEST_F(ServerTest, RoutesWithPathAndDecodedQueryParameters) {
  auto client = Client();
  auto res = client.Get("/hello/%E5%BC%A0?x=a%20b");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "hello 张 a b");
  EXPECT_FALSE(res->get_header_value("X-Request-Id").empty());
}

TEST_F(ServerTest, UnknownPathIsJson404) {
  auto res = Client().Get("/nowhere");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  auto body = nlohmann::json::parse(res->body);
  EXPECT_EQ(body["error"]["code"], "not_found");
  EXPECT_NE(body["error"]["message"].get<std::string>().find("/nowhere"), std::string::npos);
}

TEST_F(ServerTest, WrongMethodIs405WithAllow) {
  auto res = Client().Delete("/echo");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  EXPECT_EQ(res->get_header_value("Allow"), "POST");
}

TEST_F(ServerTest, BodyOverTheLimitIs413) {
  auto res = Client().Post("/echo", std::string(4096, 'x'), "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  EXPECT_EQ(nlohmann::json::parse(res->body)["error"]["code"], "resource_exhausted");
}

TEST_F(ServerTest, BodyWithinTheLimitIsEchoed) {
  auto res = Client().Post("/echo", std::string(1000, 'y'), "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, std::string(1000, 'y'));
}

TEST_F(ServerTest, ThrowingHandlerGives500WithRequestIdAndServerLives) {
  httplib::Headers headers = {{"X-Request-Id", "test-123"}};
  auto res = Client().Get("/boom", headers);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
  EXPECT_EQ(res->get_header_value("X-Request-Id"), "test-123");
  EXPECT_NE(res->body.find("test-123"), std::string::npos);
  auto again = Client().Get("/hello/x");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
}

TEST_F(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  auto client = Client();
  client.set_keep_alive(true);
  for (int i = 0; i < 50; ++i) {
    auto res = client.Get("/hello/k?x=" + std::to_string(i));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->body, "hello k " + std::to_string(i));
  }
}

TEST_F(ServerTest, GarbageOnTheSocketGets400NotACrash) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port_);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string garbage = "\x01\x02 NOT HTTP AT ALL\r\n\r\n";
  ASSERT_EQ(::write(fd, garbage.data(), garbage.size()), static_cast<ssize_t>(garbage.size()));
  char buffer[512] = {};
  ssize_t n = ::read(fd, buffer, sizeof buffer - 1);
  ::close(fd);
  ASSERT_GT(n, 0);
  EXPECT_TRUE(std::string(buffer).starts_with("HTTP/1.1 400")) << buffer;
  auto res = Client().Get("/hello/still-up");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST_F(ServerTest, BusyPortIsUnavailableWithAHint) {
  Router router;
  Server second(ServerOptions{.port = port_}, router);
  Result<std::uint16_t> port = second.Start();
  ASSERT_FALSE(port);
  EXPECT_EQ(port.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(port.error().message.find(std::to_string(port_)), std::string::npos);
  EXPECT_NE(port.error().message.find("--port"), std::string::npos);
}

TEST(HttpStatus, EachCodeHasItsStatus) {
  EXPECT_EQ(HttpStatusFor(ErrorCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kFailedPrecondition), 409);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kInternal), 500);
}

}  // namespace
}  // namespace keyun::http

namespace keyun::http {
namespace {

nlohmann::json ErrorOf(const httplib::Result& res) {
  return nlohmann::json::parse(res->body)["error"];
}

TEST(AcceptLanguage, FirstPreferenceDecidesAndChineseIsTheDefault) {
  EXPECT_EQ(LanguageFromAcceptLanguage(""), Language::kZh);
  EXPECT_EQ(LanguageFromAcceptLanguage("zh-CN,zh;q=0.9,en;q=0.8"), Language::kZh);
  EXPECT_EQ(LanguageFromAcceptLanguage("en"), Language::kEn);
  EXPECT_EQ(LanguageFromAcceptLanguage("en-US,en;q=0.9,zh-CN;q=0.8"), Language::kEn);
  EXPECT_EQ(LanguageFromAcceptLanguage("zh;q=0.5, en;q=0.9"), Language::kEn);
  EXPECT_EQ(LanguageFromAcceptLanguage("fr-FR"), Language::kZh);
  EXPECT_EQ(LanguageFromAcceptLanguage("eng"), Language::kZh);
}

TEST_F(ServerTest, ErrorsAreChineseByDefaultAndEnglishWhenAsked) {
  auto zh = Client().Get("/ticket");
  ASSERT_TRUE(zh);
  EXPECT_EQ(zh->status, 404);
  EXPECT_EQ(ErrorOf(zh)["message"], "没有车票 37261205");
  EXPECT_EQ(ErrorOf(zh)["message_en"], "no ticket 37261205");
  EXPECT_EQ(ErrorOf(zh)["code"], "not_found");
  EXPECT_EQ(ErrorOf(zh)["field"], "number");

  auto en = Client().Get("/ticket", httplib::Headers{{"Accept-Language", "en-US,en;q=0.9"}});
  ASSERT_TRUE(en);
  EXPECT_EQ(ErrorOf(en)["message"], "no ticket 37261205");
  EXPECT_EQ(ErrorOf(en)["message_en"], "no ticket 37261205");
  EXPECT_EQ(ErrorOf(en)["code"], "not_found");
}

TEST_F(ServerTest, AnErrorWithoutChineseGetsTheCodesSentenceAndTheEnglishDetail) {
  auto res = Client().Get("/plain", httplib::Headers{{"Accept-Language", "zh-CN"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(ErrorOf(res)["message"], "当前状态不允许此操作：the run has departed");
  EXPECT_EQ(ErrorOf(res)["message_en"], "the run has departed");
}

TEST_F(ServerTest, LongMessagesAndFieldsAreCut) {
  auto res = Client().Get("/long");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_LT(res->body.size(), 2000u);
  EXPECT_LE(ErrorOf(res)["message_en"].get<std::string>().size(), kMaxErrorMessageBytes + 3);
  EXPECT_LE(ErrorOf(res)["field"].get<std::string>().size(), kMaxQuotedChars + 3);
}

TEST_F(ServerTest, AnUnknownFieldIsNamedButNotEchoedWhole) {
  std::string name(900, 'q');
  auto res = Client().Post("/fields", nlohmann::json{{name, 1}}.dump(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_LT(res->body.size(), 600u) << res->body;
  EXPECT_NE(ErrorOf(res)["message_en"].get<std::string>().find("unknown field \"qqqq"),
            std::string::npos);
  EXPECT_NE(ErrorOf(res)["message"].get<std::string>().find("未知字段"), std::string::npos);
}

}  // namespace
}  // namespace keyun::http
