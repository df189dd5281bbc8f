// The Beast side of the HTTP server: accept loop and one coroutine per connection.
#include "http/server.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <random>
#include <thread>

namespace keyun::http {
namespace {

// The target as the log shows it: an order's access token in the query (voucher links) is a
// secret, so its value is masked.
std::string LoggedTarget(std::string_view target) {
  std::string out(target);
  for (std::string_view name : {"?access_token=", "&access_token="}) {
    std::size_t at = out.find(name);
    if (at == std::string::npos) continue;
    std::size_t begin = at + name.size();
    std::size_t end = out.find('&', begin);
    out.replace(begin, (end == std::string::npos ? out.size() : end) - begin, "***");
  }
  return out;
}

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

Method ToMethod(bhttp::verb verb) {
  switch (verb) {
    case bhttp::verb::get: return Method::kGet;
    case bhttp::verb::post: return Method::kPost;
    case bhttp::verb::put: return Method::kPut;
    case bhttp::verb::delete_: return Method::kDelete;
    case bhttp::verb::patch: return Method::kPatch;
    case bhttp::verb::head: return Method::kHead;
    case bhttp::verb::options: return Method::kOptions;
    default: return Method::kOther;
  }
}

// A process-wide random prefix and a counter: unique across restarts, and no random draw per
// request.
std::string MakeRequestId() {
  static std::atomic<std::uint64_t> counter{0};
  static const std::uint64_t prefix = std::random_device{}() & 0xffffff;
  return fmt::format("{:06x}-{:08x}", prefix, counter.fetch_add(1, std::memory_order_relaxed) + 1);
}

// A client's request id is echoed only when it is short and printable, so logs stay clean.
bool UsableRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) {
      return false;
    }
  }
  return true;
}

Result<Request> Translate(const bhttp::request<bhttp::string_body>& in) {
  Request out;
  out.method = ToMethod(in.method());
  auto url = boost::urls::parse_origin_form(in.target());
  if (!url) return InvalidArgument("the request target is not a valid path", "target");
  out.path = std::string(url->path());
  for (auto param : url->params()) {
    out.query.emplace(std::string(param.key), std::string(param.value));
  }
  for (const auto& field : in) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(field.value());
  }
  out.body = in.body();
  auto id = out.headers.find("x-request-id");
  out.request_id = (id != out.headers.end() && UsableRequestId(id->second)) ? id->second
                                                                             : MakeRequestId();
  return out;
}

// A header value as written: CR and LF would end the header early (response splitting), so
// they become spaces.
void AppendHeader(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ");
  for (char c : value) out.push_back(c == '\r' || c == '\n' ? ' ' : c);
  out.append("\r\n");
}

// The answer as bytes on the wire, in one buffer: one write, no per-field serializer.
std::string Serialize(Response&& in, unsigned version, bool keep_alive,
                      std::string_view request_id, bool head) {
  std::string out;
  out.reserve(192 + in.body.size());
  std::string_view reason = bhttp::obsolete_reason(static_cast<bhttp::status>(in.status));
  out.append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ")
      .append(std::to_string(in.status))
      .append(" ")
      .append(reason.empty() ? std::string_view("Unknown") : reason)
      .append("\r\n");
  AppendHeader(out, "Server", "keyun");
  AppendHeader(out, "Content-Type", in.content_type);
  AppendHeader(out, "X-Request-Id", request_id);
  for (const auto& [name, value] : in.headers) AppendHeader(out, name, value);
  // 1xx, 204 and 304 carry no body and no length (RFC 9110 §8.6).
  bool bodiless = in.status < 200 || in.status == 204 || in.status == 304;
  if (!bodiless) AppendHeader(out, "Content-Length", std::to_string(in.body.size()));
  if (version == 10 && keep_alive) AppendHeader(out, "Connection", "keep-alive");
  if (version != 10 && !keep_alive) AppendHeader(out, "Connection", "close");
  out.append("\r\n");
  if (!head && !bodiless) out.append(in.body);
  return out;
}

bool ShouldLog(AccessLog mode, bhttp::verb verb, int status, std::int64_t micros) {
  switch (mode) {
    case AccessLog::kAll: return true;
    case AccessLog::kOff: return false;
    case AccessLog::kChanges:
      return (verb != bhttp::verb::get && verb != bhttp::verb::head) || status >= 400 ||
             micros >= std::chrono::microseconds(kSlowRequest).count();
  }
  return true;
}

}  // namespace

Result<AccessLog> ParseAccessLog(std::string_view text) {
  if (text == "all") return AccessLog::kAll;
  if (text == "changes") return AccessLog::kChanges;
  if (text == "off") return AccessLog::kOff;
  return InvalidArgument("access log '" + std::string(text) +
                             "' is not one of all, changes, off",
                         "access_log");
}

class Server::Impl {
 public:
  Impl(ServerOptions options, const Router& router)
      : options_(std::move(options)),
        router_(router),
        loops_(MakeLoops(options_.threads)),
        acceptor_(*loops_.front()),
        handlers_(static_cast<std::size_t>(std::max(1, options_.handler_threads))) {}

  Result<std::uint16_t> Start() {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(options_.host, ec);
    if (ec) return InvalidArgument("'" + options_.host + "' is not an IP address", "host");
    tcp::endpoint endpoint(address, options_.port);
    std::string where = fmt::format("{}:{}", options_.host, options_.port);
    if (acceptor_.open(endpoint.protocol(), ec); ec) {
      return Unavailable("cannot open a socket for " + where + ": " + ec.message());
    }
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (acceptor_.bind(endpoint, ec); ec) {
      return Unavailable("cannot listen on " + where + ": " + ec.message() +
                         " (is another keyun or program using the port? pick another with "
                         "--port, or --port 0 for a free one)");
    }
    if (acceptor_.listen(asio::socket_base::max_listen_connections, ec); ec) {
      return Unavailable("cannot listen on " + where + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(*loops_.front(), Accept(), asio::detached);
    for (auto& loop : loops_) {
      keep_running_.emplace_back(loop->get_executor());
      threads_.emplace_back([io = loop.get()] { io->run(); });
    }
    return port_;
  }

  void Stop() {
    {
      std::lock_guard lock(mu_);
      if (stopped_) return;
      stopped_ = true;
    }
    // Stop accepting first, then give every request already read the time to commit and be
    // answered: a client told "sold" must find the sale after a restart. Connections close
    // after their current answer (draining_), idle ones when the I/O threads stop.
    draining_.store(true);
    asio::post(*loops_.front(), [this] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
    });
    auto deadline = std::chrono::steady_clock::now() + options_.drain_timeout;
    {
      std::unique_lock lock(mu_);
      drained_cv_.wait_until(lock, deadline, [this] { return in_flight_ == 0; });
      if (in_flight_ > 0) {
        spdlog::warn("stopping with {} request(s) unanswered after {} ms", in_flight_,
                     options_.drain_timeout.count());
      }
    }
    keep_running_.clear();
    for (auto& loop : loops_) loop->stop();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
    handlers_.join();  // without stop(): a handler already running finishes its commit
    stopped_cv_.notify_all();
  }

  void Wait() {
    std::unique_lock lock(mu_);
    stopped_cv_.wait(lock, [this] { return stopped_; });
  }

 private:
  // One event loop per I/O thread (concurrency hint 1: its scheduler need not lock against
  // itself), where nginx would have worker processes.
  static std::vector<std::unique_ptr<asio::io_context>> MakeLoops(int threads) {
    std::vector<std::unique_ptr<asio::io_context>> loops;
    for (int i = 0; i < std::max(1, threads); ++i) {
      loops.push_back(std::make_unique<asio::io_context>(1));
    }
    return loops;
  }

  // Accepts on the first loop and hands each connection to the loops in turn; a connection
  // stays on its loop for its life.
  asio::awaitable<void> Accept() {
    std::size_t next = 0;
    for (;;) {
      asio::io_context& loop = *loops_[next++ % loops_.size()];
      auto [ec, socket] = co_await acceptor_.async_accept(loop, kUseTuple);
      if (ec) {
        if (ec == asio::error::operation_aborted) co_return;
        spdlog::warn("accept failed: {}", ec.message());
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      asio::co_spawn(loop, Serve(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> Serve(tcp::socket socket) {
    boost::system::error_code peer_ec;
    tcp::endpoint peer = socket.remote_endpoint(peer_ec);
    std::string client_address = peer_ec ? std::string() : peer.address().to_string();
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
      stream.expires_after(options_.idle_timeout);
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(options_.max_body_bytes);
      parser.header_limit(16 * 1024);
      auto [ec, bytes] = co_await bhttp::async_read(stream, buffer, parser, kUseTuple);
      if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
          ec == asio::error::connection_reset || ec == asio::error::eof) {
        break;
      }
      if (ec) {
        // Malformed or oversized request: answer once, then close the connection, since the
        // stream position is unknown.
        bool too_large = ec == bhttp::error::body_limit || ec == bhttp::error::header_limit;
        Error error = too_large
                          ? Error{ErrorCode::kResourceExhausted,
                                  fmt::format("the request is larger than the {} bytes allowed",
                                              options_.max_body_bytes),
                                  ""}
                          : Error{ErrorCode::kInvalidArgument,
                                  "the request is not valid HTTP/1.1: " + ec.message(), ""};
        Response response = ErrorResponse(error);
        if (too_large) response.status = 413;
        std::string id = MakeRequestId();
        spdlog::info("request_id={} status={} error=\"{}\"", id, response.status, ec.message());
        std::string out = Serialize(std::move(response), 11, false, id, false);
        co_await asio::async_write(stream, asio::buffer(out), kUseTuple);
        break;
      }
      auto& raw = parser.get();
      InFlight in_flight(*this);
      bool keep_alive = raw.keep_alive() && !draining_.load(std::memory_order_relaxed);
      auto started = std::chrono::steady_clock::now();
      Response response;
      std::string request_id;
      Result<Request> request = Translate(raw);
      if (!request) {
        request_id = MakeRequestId();
        response = ErrorResponse(request.error());
      } else {
        request_id = request->request_id;
        request->client_address = client_address;
        Router::Resolved route = router_.Resolve(*request);
        if (route.memory_first) {
          request->on_io_thread = true;
          response = Handle(route, *request);
          request->on_io_thread = false;
        }
        if (!route.memory_first || IsRunOnHandlerThread(response)) {
          // On a handler thread, so that a handler waiting on the database never holds up the
          // I/O thread; this coroutine resumes on its own loop when the handler is done.
          response = co_await asio::co_spawn(
              handlers_,
              [this, &route, &request]() -> asio::awaitable<Response> {
                co_return Handle(route, *request);
              },
              asio::use_awaitable);
        }
      }
      if (options_.clock) {
        response.headers.emplace_back(
            "X-Node-Time", std::to_string(options_.clock->Now().unix_micros() / 1000));
      }
      auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
      if (ShouldLog(options_.access_log, raw.method(), response.status, micros)) {
        spdlog::info("request_id={} method={} target=\"{}\" status={} micros={}", request_id,
                     std::string(raw.method_string()), LoggedTarget(raw.target()),
                     response.status, micros);
      }
      std::string out = Serialize(std::move(response), raw.version(), keep_alive, request_id,
                                  raw.method() == bhttp::verb::head);
      auto [write_ec, written] = co_await asio::async_write(stream, asio::buffer(out), kUseTuple);
      in_flight.Done();
      if (write_ec || !keep_alive) break;
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  // Counts a request from the moment it is read until its answer is written, so Stop() can
  // wait for it.
  class InFlight {
   public:
    explicit InFlight(Impl& impl) : impl_(&impl) {
      std::lock_guard lock(impl_->mu_);
      ++impl_->in_flight_;
    }
    InFlight(const InFlight&) = delete;
    InFlight& operator=(const InFlight&) = delete;
    ~InFlight() { Done(); }
    void Done() {
      if (!impl_) return;
      std::lock_guard lock(impl_->mu_);
      if (--impl_->in_flight_ == 0) impl_->drained_cv_.notify_all();
      impl_ = nullptr;
    }

   private:
    Impl* impl_;
  };

  Response Handle(const Router::Resolved& route, Request& request) {
    try {
      return router_.Run(route, request);
    } catch (const std::exception& e) {
      spdlog::error("request_id={} handler threw: {}", request.request_id, e.what());
    } catch (...) {
      spdlog::error("request_id={} handler threw a non-exception", request.request_id);
    }
    return ErrorResponse(Error{ErrorCode::kInternal,
                               "internal error; quote request id " + request.request_id +
                                   " when reporting it",
                               ""});
  }

  ServerOptions options_;
  const Router& router_;
  // Before loops_: destroying a loop destroys the suspended connections, whose InFlight lock mu_.
  std::mutex mu_;
  std::condition_variable stopped_cv_;
  bool stopped_ = false;  // guarded by mu_
  std::condition_variable drained_cv_;
  int in_flight_ = 0;  // requests read and not yet answered; guarded by mu_
  std::atomic<bool> draining_{false};
  std::vector<std::unique_ptr<asio::io_context>> loops_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running_;
  tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  asio::thread_pool handlers_;
  std::uint16_t port_ = 0;

};

Server::Server(ServerOptions options, const Router& router)
    : impl_(std::make_unique<Impl>(std::move(options), router)) {}
Server::~Server() { Stop(); }
Result<std::uint16_t> Server::Start() { return impl_->Start(); }
void Server::Stop() { impl_->Stop(); }
void Server::Wait() { impl_->Wait(); }

}  // namespace keyun::http
