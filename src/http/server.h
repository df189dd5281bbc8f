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
#include <span>
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
  // True while a kMemoryFirst handler runs on the I/O thread: it must not wait.
  bool on_io_thread = false;

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

// What a kMemoryFirst handler answers on the I/O thread when it would have to wait: the server
// runs it again on a handler thread. Never sent to a client.
[[nodiscard]] Response RunOnHandlerThread();
[[nodiscard]] bool IsRunOnHandlerThread(const Response& response);

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

// Whether a handler may wait. Most do (on the database, on a group commit's sync) and run on
// the server's handler threads. One that reads memory (health, seat availability, run search
// from the catalogue) is kMemoryFirst: it runs inline on the I/O thread that read the request
// (Request::on_io_thread), sparing the request two thread hops, which cost more than such a
// handler itself. If what it needs is not in memory yet it must not wait there: it returns
// RunOnHandlerThread(), and runs again on a handler thread, where it may. Its route's access
// rule must be decided from memory too (the public or session-only rules; never the order and
// ticket scopes, which read the store).
enum class Blocking { kMayWait, kMemoryFirst };

// Maps (method, path pattern) to handlers. Patterns are literal segments and {name} segments
// that match one non-empty segment. Not thread-safe to Add while serving; Dispatch is.
class Router {
 public:
  void Add(Method method, std::string_view pattern, Handler handler,
           Blocking blocking = Blocking::kMayWait);

  // The route a request goes to, found once: Resolve on the I/O thread, then Run where the
  // route's Blocking says.
  struct Resolved {
    int route = -1;       // index of the matching route; -1 when none
    std::string allowed;  // when none: the methods the path has ("GET, POST"), for a 405
    bool memory_first = false;
  };
  // Finds the route of `request` and fills its path_params.
  [[nodiscard]] Resolved Resolve(Request& request) const;
  // Asks the guard and runs the resolved route's handler, in the request's language. 404 when
  // no pattern matched, 405 with an Allow header when the path matches under another method;
  // the guard's answer (401, 403, 404) when it refuses.
  [[nodiscard]] Response Run(const Resolved& resolved, Request& request) const;
  // Resolve and Run on the calling thread.
  [[nodiscard]] Response Dispatch(Request& request) const {
    Resolved resolved = Resolve(request);
    return Run(resolved, request);
  }

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
    std::vector<std::string> segments;  // literal text, or a parameter's name
    std::vector<bool> is_param;         // per segment: was "{name}" in the pattern
    Handler handler;
    Blocking blocking;
  };
  [[nodiscard]] static bool Matches(const Route& route, std::span<const std::string_view> path);
  std::vector<Route> routes_;
  Guard guard_;
};

// Which requests get a line in the log (request id, method, target, status, microseconds).
enum class AccessLog {
  kAll,
  // Everything but a quick, successful read: every request that may change something (not
  // GET or HEAD), every answer with status 400 or above, and every answer slower than
  // kSlowRequest. Reads that went well are what a busy node serves most and what its log
  // least needs; counting them is the metrics' job.
  kChanges,
  kOff,
};
inline constexpr std::chrono::milliseconds kSlowRequest{100};
// "all", "changes", "off"; kInvalidArgument naming the choices otherwise.
[[nodiscard]] Result<AccessLog> ParseAccessLog(std::string_view text);

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 picks a free port
  // I/O threads: parse, route, run memory-only handlers, write; about one per core. Each runs
  // its own event loop and owns the connections it accepted, so they share no lock.
  int threads = 2;
  // Threads that run handlers. Handlers block on the database (a sale waits for its group
  // commit's sync), so these are many: each is one request in flight, and in-flight requests
  // are what fill a group commit.
  int handler_threads = 64;
  std::size_t max_body_bytes = 1 << 20;  // larger bodies get 413
  std::chrono::seconds idle_timeout{30};
  // On Stop(), how long requests already read may take to finish before the threads stop.
  std::chrono::milliseconds drain_timeout{10'000};
  AccessLog access_log = AccessLog::kChanges;
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
