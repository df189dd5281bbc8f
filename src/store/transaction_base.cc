#include "store/internal/transaction_base.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

namespace keyun::store::internal {

Result<std::int64_t> GuardedTransaction::Execute(std::string_view sql, Params params) {
  if (failure_) return AlreadyFailed();
  Result<std::int64_t> changed = DoExecute(sql, params);
  if (!changed) return Fail(changed.error());
  return changed;
}

Result<Rows> GuardedTransaction::Query(std::string_view sql, Params params) {
  if (failure_) return AlreadyFailed();
  Result<Rows> rows = DoQuery(sql, params);
  if (!rows) return Fail(rows.error());
  return rows;
}

tl::unexpected<Error> GuardedTransaction::Fail(Error error) {
  failure_ = error;
  return tl::unexpected<Error>(std::move(error));
}

tl::unexpected<Error> GuardedTransaction::AlreadyFailed() const {
  // Same code, so a kAborted keeps being retried and a constraint error keeps its meaning.
  return tl::unexpected<Error>(
      WithContext(*failure_, "an earlier statement in this transaction failed"));
}

Result<void> RunBody(GuardedTransaction& tx,
                     const std::function<Result<void>(Transaction&)>& body) {
  Result<void> result = body(tx);
  if (result && tx.failure()) return tl::unexpected<Error>(*tx.failure());
  return result;
}

namespace {

void SleepBeforeRetry(int attempt) {
  // Full jitter: uniform in [0, min(cap, base·2^attempt)], so retries of conflicting
  // transactions spread out instead of colliding again in lockstep.
  constexpr std::chrono::microseconds kBase{100};
  constexpr std::chrono::microseconds kCap{20'000};
  thread_local std::minstd_rand random(std::random_device{}());
  std::int64_t limit = std::min<std::int64_t>(kCap.count(), kBase.count() << std::min(attempt, 16));
  std::uniform_int_distribution<std::int64_t> pick(limit / 4, limit);
  std::this_thread::sleep_for(std::chrono::microseconds(pick(random)));
}

}  // namespace

Result<void> RetryOnAborted(const TransactionOptions& options,
                            const std::function<Result<void>(int attempt)>& attempt) {
  const int max_attempts = std::max(1, options.max_attempts);
  for (int i = 1;; ++i) {
    Result<void> result = attempt(i);
    if (result || result.error().code != ErrorCode::kAborted) return result;
    if (i >= max_attempts) {
      return tl::unexpected<Error>(
          WithContext(result.error(), fmt::format("gave up after {} attempts", i)));
    }
    SleepBeforeRetry(i);
  }
}

Result<void> CheckParamCount(std::string_view sql, int expected, std::size_t got) {
  if (static_cast<std::size_t>(expected) == got) return {};
  return Internal(fmt::format("statement takes {} parameters ($1..${}) but {} were given: {}",
                              expected, expected, got, sql));
}

}  // namespace keyun::store::internal
