// Routing and the plain request/response helpers of server.h.
#include <nlohmann/json.hpp>

#include "http/server.h"

namespace keyun::http {
namespace {

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) out.emplace_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

bool IsParam(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

bool Matches(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
             std::map<std::string, std::string>* params) {
  if (pattern.size() != path.size()) return false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (IsParam(pattern[i])) {
      if (params) (*params)[pattern[i].substr(1, pattern[i].size() - 2)] = path[i];
    } else if (pattern[i] != path[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string_view MethodName(Method method) {
  switch (method) {
    case Method::kGet: return "GET";
    case Method::kPost: return "POST";
    case Method::kPut: return "PUT";
    case Method::kDelete: return "DELETE";
    case Method::kPatch: return "PATCH";
    case Method::kHead: return "HEAD";
    case Method::kOptions: return "OPTIONS";
    case Method::kOther: return "OTHER";
  }
  return "OTHER";
}

std::optional<std::string> Request::QueryParam(std::string_view name) const {
  auto it = query.find(std::string(name));
  if (it == query.end()) return std::nullopt;
  return it->second;
}

const std::string& Request::PathParam(std::string_view name) const {
  static const std::string kEmpty;
  auto it = path_params.find(std::string(name));
  return it == path_params.end() ? kEmpty : it->second;
}

std::optional<std::string> Request::Header(std::string_view lower_name) const {
  auto it = headers.find(std::string(lower_name));
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kUnauthenticated: return 401;
    case ErrorCode::kPermissionDenied: return 403;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kAlreadyExists: return 409;
    case ErrorCode::kFailedPrecondition: return 409;
    case ErrorCode::kAborted: return 409;
    case ErrorCode::kResourceExhausted: return 429;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

Response ErrorResponse(const Error& error) {
  nlohmann::json body = {{"error",
                          {{"code", std::string(ErrorCodeName(error.code))},
                           {"message", error.message},
                           {"field", error.field}}}};
  Response response;
  response.status = HttpStatusFor(error.code);
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (error.code == ErrorCode::kUnavailable) response.headers.emplace_back("Retry-After", "1");
  return response;
}

void Router::Add(Method method, std::string_view pattern, Handler handler) {
  routes_.push_back(Route{method, std::string(pattern), SplitPath(pattern), std::move(handler)});
}

std::vector<std::pair<Method, std::string>> Router::Routes() const {
  std::vector<std::pair<Method, std::string>> out;
  for (const Route& route : routes_) out.emplace_back(route.method, route.pattern);
  return out;
}

Response Router::Dispatch(Request& request) const {
  std::vector<std::string> path = SplitPath(request.path);
  std::string allowed;
  for (const Route& route : routes_) {
    bool method_ok = route.method == request.method ||
                     (request.method == Method::kHead && route.method == Method::kGet);
    if (!method_ok) {
      if (Matches(route.segments, path, nullptr)) {
        if (!allowed.empty()) allowed += ", ";
        allowed += MethodName(route.method);
      }
      continue;
    }
    std::map<std::string, std::string> params;
    if (Matches(route.segments, path, &params)) {
      request.path_params = std::move(params);
      if (guard_) {
        if (std::optional<Response> refused = guard_(route.method, route.pattern, request)) {
          return std::move(*refused);
        }
      }
      return route.handler(request);
    }
  }
  if (!allowed.empty()) {
    Response response = ErrorResponse(
        Error{ErrorCode::kInvalidArgument,
              std::string(MethodName(request.method)) + " is not allowed on " + request.path +
                  "; use " + allowed,
              ""});
    response.status = 405;
    response.headers.emplace_back("Allow", allowed);
    return response;
  }
  return ErrorResponse(Error{ErrorCode::kNotFound, "no such path: " + request.path, ""});
}

}  // namespace keyun::http
