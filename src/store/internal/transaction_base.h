// What both engines' transactions share: the "a failed statement ends the transaction" rule
// and the retry loop of RunTransaction. Private to src/store.
#pragma once

#include <functional>
#include <optional>
#include <string_view>

#include "store/store.h"

namespace keyun::store::internal {

// A Transaction that remembers its first failed statement. After one, every statement returns
// that error without reaching the database, and RunOnce rolls back even if the body swallowed
// it. PostgreSQL behaves like this natively (SQLSTATE 25P02); SQLite is made to, so that code
// tested on either engine behaves the same on the other.
class GuardedTransaction : public Transaction {
 public:
  using Transaction::Execute;
  using Transaction::Query;

  [[nodiscard]] Result<std::int64_t> Execute(std::string_view sql, Params params) final;
  [[nodiscard]] Result<Rows> Query(std::string_view sql, Params params) final;

  [[nodiscard]] const std::optional<Error>& failure() const { return failure_; }

 protected:
  [[nodiscard]] virtual Result<std::int64_t> DoExecute(std::string_view sql, Params params) = 0;
  [[nodiscard]] virtual Result<Rows> DoQuery(std::string_view sql, Params params) = 0;

 private:
  [[nodiscard]] tl::unexpected<Error> Fail(Error error);
  [[nodiscard]] tl::unexpected<Error> AlreadyFailed() const;

  std::optional<Error> failure_;
};

// Runs `body` on `tx`; if it returns success after a statement failed, returns that failure.
[[nodiscard]] Result<void> RunBody(GuardedTransaction& tx,
                                   const std::function<Result<void>(Transaction&)>& body);

// Calls `attempt(1)`, `attempt(2)`, … until it returns anything but kAborted, at most
// options.max_attempts times, sleeping a short randomized, growing pause between attempts so
// contenders spread out.
[[nodiscard]] Result<void> RetryOnAborted(const TransactionOptions& options,
                                          const std::function<Result<void>(int attempt)>& attempt);

// What a client is told when the schema refused a statement, from either engine: `code` is
// kAlreadyExists (a unique key or primary key) or kFailedPrecondition (a reference, a check, a
// missing value). The message says in English and Chinese what happened and what to do; the
// engine's own text, which names tables and constraints, goes to Error::internal and to the
// log (with the statement), never to a client.
[[nodiscard]] Error ConstraintViolation(ErrorCode code, std::string engine_text,
                                        std::string_view sql);

// Parameter count check shared by both engines: statements use $1..$n and get n values.
[[nodiscard]] Result<void> CheckParamCount(std::string_view sql, int expected, std::size_t got);

}  // namespace keyun::store::internal
