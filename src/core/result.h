// Result<T> and Error: how every fallible keyun function reports failure.
//
//   Result<StationCode> code = StationCode::Parse(text);
//   if (!code) return tl::unexpected(code.error());   // or: return Propagate(code)
//   Use(*code);
//
//   Result<void> Save(...) {
//     if (bad) return InvalidArgument("grade must be 1 to 5", "grade");
//     return {};
//   }
//
// Codes follow abseil's canonical set and its retry rules (STYLE.md "Errors"): the caller
// decides whether to retry from the code alone. The message is for the person who sent the
// input and says what was wrong and what to do; `field` names the input at fault, if any.
// Internal detail for operators goes to the log, never into an Error shown to a client.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <utility>

namespace keyun {

enum class ErrorCode {
  kInvalidArgument,     // bad input; do not retry (HTTP 400)
  kUnauthenticated,     // no or bad credentials (401)
  kPermissionDenied,    // authenticated but not allowed (403)
  kNotFound,            // no such thing (404)
  kAlreadyExists,       // a unique thing exists already; do not retry (409)
  kFailedPrecondition,  // state forbids it (seat taken, already checked in); do not retry (409)
  kAborted,             // concurrency conflict (serialization failure); retry the transaction
  kResourceExhausted,   // a limit was hit (body too large, rate); retry later (413/429)
  kUnavailable,         // transient: database down, busy; retry the call (503)
  kInternal,            // a bug or broken invariant (500)
};

// Stable lower_snake name of a code, as sent to clients ("invalid_argument").
[[nodiscard]] std::string_view ErrorCodeName(ErrorCode code);
// The code named `name` (ErrorCodeName's inverse), e.g. from a node's JSON error; nullopt for
// a name this build does not know.
[[nodiscard]] std::optional<ErrorCode> ErrorCodeFromName(std::string_view name);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;  // for the person: what was wrong and what to do
  std::string field;    // the input at fault ("passengers[1].id_number"), or empty
  // The same message in Chinese, the pages' default language (zh-CN); empty when only the
  // English one exists, and then a client is told the code's Chinese sentence with it.
  std::string message_zh = {};
  // Internal detail for the log only, never sent to a client: the database engine's own
  // words for a refused statement ("UNIQUE constraint failed: payments.trade_no"), which name
  // tables and constraints; code that must tell one constraint from another looks here.
  std::string internal = {};
  // When to try again, in seconds, if the code is kResourceExhausted or kUnavailable and the
  // refusal knows (a locked login); 0 = not said. HTTP sends it as Retry-After.
  std::int64_t retry_after_seconds = 0;

  // "invalid_argument: message (field: x) [internal]" for logs and test failure output.
  [[nodiscard]] std::string ToString() const;
};

template <class T>
using Result = tl::expected<T, Error>;

// Builders, so a failure reads as one line: `return NotFound("no run K0301 on 2026-11-22");`
[[nodiscard]] inline tl::unexpected<Error> MakeError(ErrorCode code, std::string message,
                                                      std::string field = {}) {
  return tl::unexpected<Error>(Error{code, std::move(message), std::move(field)});
}
[[nodiscard]] inline tl::unexpected<Error> InvalidArgument(std::string message,
                                                            std::string field = {}) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message), std::move(field));
}
[[nodiscard]] inline tl::unexpected<Error> NotFound(std::string message, std::string field = {}) {
  return MakeError(ErrorCode::kNotFound, std::move(message), std::move(field));
}
[[nodiscard]] inline tl::unexpected<Error> AlreadyExists(std::string message,
                                                          std::string field = {}) {
  return MakeError(ErrorCode::kAlreadyExists, std::move(message), std::move(field));
}
[[nodiscard]] inline tl::unexpected<Error> FailedPrecondition(std::string message,
                                                               std::string field = {}) {
  return MakeError(ErrorCode::kFailedPrecondition, std::move(message), std::move(field));
}
[[nodiscard]] inline tl::unexpected<Error> PermissionDenied(std::string message) {
  return MakeError(ErrorCode::kPermissionDenied, std::move(message));
}
[[nodiscard]] inline tl::unexpected<Error> Unauthenticated(std::string message) {
  return MakeError(ErrorCode::kUnauthenticated, std::move(message));
}
[[nodiscard]] inline tl::unexpected<Error> Aborted(std::string message) {
  return MakeError(ErrorCode::kAborted, std::move(message));
}
[[nodiscard]] inline tl::unexpected<Error> ResourceExhausted(std::string message) {
  return MakeError(ErrorCode::kResourceExhausted, std::move(message));
}
[[nodiscard]] inline tl::unexpected<Error> Unavailable(std::string message) {
  return MakeError(ErrorCode::kUnavailable, std::move(message));
}
[[nodiscard]] inline tl::unexpected<Error> Internal(std::string message) {
  return MakeError(ErrorCode::kInternal, std::move(message));
}

// The same failure with its Chinese message, for what a person reads on a page:
//   return InZh(FailedPrecondition("seat 3 is taken", "seat"), "座位 3 已售出，请另选座位");
[[nodiscard]] inline tl::unexpected<Error> InZh(tl::unexpected<Error> failure,
                                                std::string message_zh) {
  failure.value().message_zh = std::move(message_zh);
  return failure;
}
// Passes a failed result's error up unchanged: `if (!r) return Propagate(r);`
template <class T>
[[nodiscard]] tl::unexpected<Error> Propagate(const Result<T>& failed) {
  return tl::unexpected<Error>(failed.error());
}

// `text` (user input) in double quotes for an error message, cut at a UTF-8 boundary to at
// most kMaxQuotedChars code points with "…", so a huge input never makes a huge message.
inline constexpr std::size_t kMaxQuotedChars = 64;
[[nodiscard]] std::string Quoted(std::string_view text);
// `text` cut to at most `max_bytes` bytes at a UTF-8 boundary, with "…" when it was cut.
[[nodiscard]] std::string CutUtf8(std::string_view text, std::size_t max_bytes);

// Same error, naming `field` as the input at fault (a parse error of a path or query parameter
// reported against that parameter).
[[nodiscard]] Error WithField(Error error, std::string field);

// Same error, with `prefix: ` put before its message (adds context on the way up).
[[nodiscard]] Error WithContext(Error error, std::string_view prefix);

}  // namespace keyun
