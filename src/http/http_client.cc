#include "http/http_client.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace keyun::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

struct HttpClient::Connection {
  asio::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
};

HttpClient::HttpClient(std::string host, std::uint16_t port)
    : host_(std::move(host)), port_(port), connection_(std::make_unique<Connection>()) {}

HttpClient::~HttpClient() = default;

Result<HttpReply> HttpClient::Send(std::string_view method, const std::string& target,
                                   const std::string& body,
                                   const std::vector<std::pair<std::string, std::string>>& headers,
                                   std::string_view content_type) {
  beast::error_code ec;
  auto& stream = connection_->stream;
  if (!stream.socket().is_open()) {
    asio::ip::address address = asio::ip::make_address(host_, ec);
    if (ec) return InvalidArgument("'" + host_ + "' is not an IP address");
    stream.connect(tcp::endpoint(address, port_), ec);
    if (ec) {
      return Unavailable("cannot connect to " + host_ + ":" + std::to_string(port_) + ": " +
                         ec.message());
    }
  }
  bhttp::verb verb = bhttp::string_to_verb(method);
  if (verb == bhttp::verb::unknown) return InvalidArgument("unknown HTTP method");
  bhttp::request<bhttp::string_body> request{verb, target, 11};
  request.set(bhttp::field::host, host_);
  if (!body.empty()) request.set(bhttp::field::content_type, content_type);
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;
  request.prepare_payload();
  bhttp::write(stream, request, ec);
  bhttp::response<bhttp::string_body> response;
  if (!ec) bhttp::read(stream, connection_->buffer, response, ec);
  if (ec) {
    stream.socket().close(ec);
    return Unavailable("HTTP request to " + host_ + ":" + std::to_string(port_) +
                       " failed: " + ec.message());
  }
  if (!response.keep_alive()) stream.socket().close(ec);
  return HttpReply{static_cast<int>(response.result_int()), std::move(response.body())};
}

}  // namespace keyun::http
