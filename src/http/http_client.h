// HttpClient: one blocking HTTP/1.1 keep-alive connection to a node, for the node's own
// outgoing calls (the sandbox provider's payment notifications) and for `keyun bench`.
//
//   HttpClient client("127.0.0.1", 8080);
//   Result<HttpReply> reply = client.Send("POST", "/api/v1/orders", body,
//                                         {{"Idempotency-Key", "k1"}});
//   if (reply && reply->status == 201) …
//
// Connects on first use and again after a broken connection. Errors: kUnavailable (cannot
// connect, or the connection broke mid-request: the caller decides whether to retry).
// Thread-safety: one thread at a time per client (each bench client has its own).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace keyun::http {

struct HttpReply {
  int status = 0;
  std::string body;
};

class HttpClient final {
 public:
  HttpClient(std::string host, std::uint16_t port);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // `method` is "GET", "POST", …; a non-empty body is sent as `content_type`.
  [[nodiscard]] Result<HttpReply> Send(
      std::string_view method, const std::string& target, const std::string& body = {},
      const std::vector<std::pair<std::string, std::string>>& headers = {},
      std::string_view content_type = "application/json");

 private:
  struct Connection;
  std::string host_;
  std::uint16_t port_;
  std::unique_ptr<Connection> connection_;
};

}  // namespace keyun::http
