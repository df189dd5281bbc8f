// HTTP server (接口): HTTP/1.1 with keep-alive, routing, request ids, limits.
//
//   http::Router router;
//   router.Add(http::Method::kGet, "/api/v1/stations/{code}", [&](const http::Request& req) {
//     return http::Json(200, LookUp(req.PathParam("code")));
//   });
//   http::Server server(http::ServerOptions{.port = 8080}, router);
//   Result<std::uint16_t> port = server.Start();   // kUnavailable if the port is busy
//   ...
//   server.Stop();
//
// Boost.Beast lives only in server.cc: handlers see these plain types. Handlers run on the
// server's I/O threads and must be thread-safe; a handler that throws gets a logged 500 with a
// request id, never a dropped connection or a crashed node.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/time.h"

namespace keyun::http {

enum class Method { kGet, kPost, kPut, kDelete, kPatch, kHead, kOptions, kOther };
[[nodiscard]] std::string_view MethodName(Method method);

// The staff member behind a request's session (POST /api/v1/session).
struct SessionInfo {
  std::string username;
  std::string display_name;
  std::string role;          // network::Role key, e.g. "clerk"
  std::string station_code;  // empty for province-wide roles
  std::string carrier_code;  // a carrier dispatcher's carrier; empty otherwise
  core::Instant expires_at;
};

struct Request {
  Method method = Method::kGet;
  std::string path;                               // decoded path, without the query
  std::multimap<std::string, std::string> query;  // decoded query parameters
  std::map<std::string, std::string> path_params;  // filled by the router: {code} → value
  std::map<std::string, std::string> headers;      // names lower-case
  std::string body;
  std::string request_id;  // X-Request-Id from the client, or one we made
  // The peer's IP address as the socket sees it ("127.0.0.1", "::1"); not X-Forwarded-For,
  // which any client can write. Empty for a request not read from a socket.
  std::string client_address;
  // Who the access guard (access_policy.h) admitted, set before the handler runs: the staff
  // session, if one was sent and its role is allowed on the route; `holder` when the caller
  // proved with the order's access token that they are its buyer.
  std::optional<SessionInfo> session;
  bool holder = false;

  // First value of a query parameter, or nullopt.
  [[nodiscard]] std::optional<std::string> QueryParam(std::string_view name) const;
  // A path parameter the route declared; empty if the route has none of that name.
  [[nodiscard]] const std::string& PathParam(std::string_view name) const;
  // A header by lower-case name, or nullopt.
  [[nodiscard]] std::optional<std::string> Header(std::string_view lower_name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

// Error body of DESIGN.md §10: {"error": {"code", "message", "field"}} with the status that
// the code maps to (the one place codes become statuses).
// The body's `message` is in the request's language (RequestLanguage()), `message_en` always
// in English; a message is cut to kMaxErrorMessageBytes and `field` to 64 bytes, so that no
// error echoes a huge input.
[[nodiscard]] int HttpStatusFor(ErrorCode code);
[[nodiscard]] Response ErrorResponse(const Error& error);
inline constexpr std::size_t kMaxErrorMessageBytes = 512;

// The language of a client's messages: Chinese (zh-CN) unless the first preference of its
// Accept-Language header is English ("en", "en-US", ...).
enum class Language { kZh, kEn };
[[nodiscard]] Language LanguageFromAcceptLanguage(std::string_view header);
// The language of the request being dispatched on this thread (Router::Dispatch sets it for
// the handler's run; handlers run synchronously on the dispatching thread); kZh outside one.
[[nodiscard]] Language RequestLanguage();

using Handler = std::function<Response(Request&)>;

// Maps (method, path pattern) to handlers. Patterns are literal segments and {name} segments
// that match one non-empty segment. Not thread-safe to Add while serving; Dispatch is.
class Router {
 public:
  void Add(Method method, std::string_view pattern, Handler handler);
  // Routes `request` (filling its path_params), asks the guard, and runs the handler. 404 when
  // no pattern matches, 405 with an Allow header when the path matches under another method;
  // the guard's answer (401, 403, 404) when it refuses.
  [[nodiscard]] Response Dispatch(Request& request) const;

  // Asked before every handler with the route's method and pattern as added
  // ("/api/v1/orders/{id}"): nullopt lets the request through, a Response refuses it. The
  // node's guard is AccessGuard (access_policy.h). Set before serving.
  using Guard = std::function<std::optional<Response>(Method, std::string_view, Request&)>;
  void SetGuard(Guard guard) { guard_ = std::move(guard); }
  // Every route added, as (method, pattern): for checking that each has an access rule.
  [[nodiscard]] std::vector<std::pair<Method, std::string>> Routes() const;

 private:
  struct Route {
    Method method;
    std::string pattern;
    std::vector<std::string> segments;  // "{name}" marks a parameter
    Handler handler;
  };
  std::vector<Route> routes_;
  Guard guard_;
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 picks a free port
  int threads = 2;  // I/O threads: parse, write; about one per core
  // Threads that run handlers. Handlers block on the database (a sale waits for its group
  // commit's sync), so these are many: each is one request in flight, and in-flight requests
  // are what fill a group commit.
  int handler_threads = 64;
  std::size_t max_body_bytes = 1 << 20;  // larger bodies get 413
  std::chrono::seconds idle_timeout{30};
  // On Stop(), how long requests already read may take to finish before the threads stop.
  std::chrono::milliseconds drain_timeout{10'000};
  // The node's clock, if any, sent with every answer as X-Node-Time (Unix milliseconds): pages
  // count down and date their history in the node's time, right under `serve --clock` and on a
  // PC whose own clock is wrong.
  const core::Clock* clock = nullptr;
};

class Server {
 public:
  Server(ServerOptions options, const Router& router);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving on background threads; returns the bound port.
  // Errors: kUnavailable when the address cannot be bound (port busy, no permission), with the
  // address and the system's reason in the message.
  [[nodiscard]] Result<std::uint16_t> Start();
  // Stops accepting, lets every request already read finish and be answered (at most
  // drain_timeout), closes the connections and joins the threads. Idempotent.
  void Stop();
  // Blocks until Stop() is called (from another thread or a signal handler).
  void Wait();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keyun::http
