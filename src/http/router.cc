// Routing and the plain request/response helpers of server.h.
#include <array>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "http/server.h"

namespace keyun::http {
namespace {

// A path's non-empty segments, without allocating: routes have few, so a path with more than
// kMaxSegments matches none (`overflow` is set).
constexpr std::size_t kMaxSegments = 16;
struct PathSegments {
  std::array<std::string_view, kMaxSegments> items;
  std::size_t count = 0;
  bool overflow = false;
  [[nodiscard]] std::span<const std::string_view> view() const { return {items.data(), count}; }
};

PathSegments SplitPath(std::string_view path) {
  PathSegments out;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) {
      if (out.count == kMaxSegments) {
        out.overflow = true;
        return out;
      }
      out.items[out.count++] = path.substr(start, slash - start);
    }
    start = slash + 1;
  }
  return out;
}

bool IsParam(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
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

namespace {
constexpr int kRunOnHandlerThreadStatus = -1;  // no HTTP status: the server's own marker
}  // namespace

Response RunOnHandlerThread() {
  Response response;
  response.status = kRunOnHandlerThreadStatus;
  return response;
}
bool IsRunOnHandlerThread(const Response& response) {
  return response.status == kRunOnHandlerThreadStatus;
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

namespace {

thread_local Language request_language = Language::kZh;

// Sets the thread's request language for one dispatch and restores it after.
class ScopedLanguage {
 public:
  explicit ScopedLanguage(Language language) : saved_(request_language) {
    request_language = language;
  }
  ~ScopedLanguage() { request_language = saved_; }
  ScopedLanguage(const ScopedLanguage&) = delete;
  ScopedLanguage& operator=(const ScopedLanguage&) = delete;

 private:
  Language saved_;
};

// The Chinese sentence for a code, said before the English detail when an error has no
// Chinese message of its own.
std::string_view ZhSentence(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "输入有误";
    case ErrorCode::kUnauthenticated: return "请先登录";
    case ErrorCode::kPermissionDenied: return "无权执行此操作";
    case ErrorCode::kNotFound: return "未找到";
    case ErrorCode::kAlreadyExists: return "已存在";
    case ErrorCode::kFailedPrecondition: return "当前状态不允许此操作";
    case ErrorCode::kAborted: return "操作冲突，请重试";
    case ErrorCode::kResourceExhausted: return "请求过多或过大，请稍后再试";
    case ErrorCode::kUnavailable: return "服务暂不可用，请稍后再试";
    case ErrorCode::kInternal: return "系统内部错误";
  }
  return "系统内部错误";
}

std::string_view TrimSpaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

Language LanguageFromAcceptLanguage(std::string_view header) {
  // The tag with the highest q (the first of equals) decides: "en-US,en;q=0.9,zh;q=0.8" is
  // English, "zh-CN,zh;q=0.9,en;q=0.8" and "" are Chinese, and so is any other language.
  std::string_view best;
  double best_q = -1;
  while (!header.empty()) {
    std::size_t comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    std::string_view tag = TrimSpaces(item.substr(0, item.find(';')));
    double q = 1;
    if (std::size_t at = item.find("q="); at != std::string_view::npos) {
      std::string value(TrimSpaces(item.substr(at + 2)));
      char* end = nullptr;
      q = std::strtod(value.c_str(), &end);
      if (end == value.c_str()) q = 0;
    }
    if (!tag.empty() && q > best_q) {
      best = tag;
      best_q = q;
    }
  }
  bool english = best.size() >= 2 && (best[0] == 'e' || best[0] == 'E') &&
                 (best[1] == 'n' || best[1] == 'N') && (best.size() == 2 || best[2] == '-');
  return english ? Language::kEn : Language::kZh;
}

Language RequestLanguage() { return request_language; }

Response ErrorResponse(const Error& error) {
  std::string message_en = CutUtf8(error.message, kMaxErrorMessageBytes);
  std::string message;
  if (request_language == Language::kEn) {
    message = message_en;
  } else if (!error.message_zh.empty()) {
    message = CutUtf8(error.message_zh, kMaxErrorMessageBytes);
  } else {
    message = CutUtf8(std::string(ZhSentence(error.code)) + "：" + error.message,
                      kMaxErrorMessageBytes);
  }
  nlohmann::json body = {{"error",
                          {{"code", std::string(ErrorCodeName(error.code))},
                           {"message", message},
                           {"message_en", message_en},
                           {"field", CutUtf8(error.field, kMaxQuotedChars)}}}};
  if (error.retry_after_seconds > 0) body["error"]["retry_after"] = error.retry_after_seconds;
  Response response;
  response.status = HttpStatusFor(error.code);
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (error.retry_after_seconds > 0) {
    response.headers.emplace_back("Retry-After", std::to_string(error.retry_after_seconds));
  } else if (error.code == ErrorCode::kUnavailable) {
    response.headers.emplace_back("Retry-After", "1");
  }
  return response;
}

void Router::Add(Method method, std::string_view pattern, Handler handler, Blocking blocking) {
  Route route{method, std::string(pattern), {}, {}, std::move(handler), blocking};
  PathSegments segments = SplitPath(pattern);  // kept: the views below point into it
  for (std::string_view segment : segments.view()) {
    bool param = IsParam(segment);
    route.segments.emplace_back(param ? segment.substr(1, segment.size() - 2) : segment);
    route.is_param.push_back(param);
  }
  routes_.push_back(std::move(route));
}

bool Router::Matches(const Route& route, std::span<const std::string_view> path) {
  if (route.segments.size() != path.size()) return false;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (!route.is_param[i] && route.segments[i] != path[i]) return false;
  }
  return true;
}

std::vector<std::pair<Method, std::string>> Router::Routes() const {
  std::vector<std::pair<Method, std::string>> out;
  for (const Route& route : routes_) out.emplace_back(route.method, route.pattern);
  return out;
}

Router::Resolved Router::Resolve(Request& request) const {
  Resolved resolved;
  PathSegments path = SplitPath(request.path);
  if (path.overflow) return resolved;
  for (std::size_t index = 0; index < routes_.size(); ++index) {
    const Route& route = routes_[index];
    if (!Matches(route, path.view())) continue;
    bool method_ok = route.method == request.method ||
                     (request.method == Method::kHead && route.method == Method::kGet);
    if (!method_ok) {
      if (!resolved.allowed.empty()) resolved.allowed += ", ";
      resolved.allowed += MethodName(route.method);
      continue;
    }
    request.path_params.clear();
    for (std::size_t i = 0; i < route.segments.size(); ++i) {
      if (route.is_param[i]) request.path_params[route.segments[i]] = std::string(path.items[i]);
    }
    resolved.route = static_cast<int>(index);
    resolved.memory_first = route.blocking == Blocking::kMemoryFirst;
    resolved.allowed.clear();
    return resolved;
  }
  return resolved;
}

Response Router::Run(const Resolved& resolved, Request& request) const {
  ScopedLanguage language(
      LanguageFromAcceptLanguage(request.Header("accept-language").value_or("")));
  if (resolved.route >= 0) {
    const Route& route = routes_[static_cast<std::size_t>(resolved.route)];
    if (guard_) {
      if (std::optional<Response> refused = guard_(route.method, route.pattern, request)) {
        return std::move(*refused);
      }
    }
    return route.handler(request);
  }
  const std::string& allowed = resolved.allowed;
  if (!allowed.empty()) {
    Response response = ErrorResponse(
        Error{ErrorCode::kInvalidArgument,
              std::string(MethodName(request.method)) + " is not allowed on " + CutUtf8(request.path, kMaxQuotedChars) +
                  "; use " + allowed,
              ""});
    response.status = 405;
    response.headers.emplace_back("Allow", allowed);
    return response;
  }
  return ErrorResponse(Error{ErrorCode::kNotFound, "no such path: " + CutUtf8(request.path, kMaxQuotedChars), ""});
}

}  // namespace keyun::http
