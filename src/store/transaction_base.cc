#include "store/internal/transaction_base.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

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

Error ConstraintViolation(ErrorCode code, std::string engine_text, std::string_view sql) {
  // Expected now and then (two requests racing with one Idempotency-Key), so a warning, with
  // the statement cut short: enough for an operator to see which table and key.
  spdlog::warn("store: the database refused a statement: {} in: {}", engine_text,
               CutUtf8(sql, 300));
  Error error{code, {}, {}};
  if (code == ErrorCode::kAlreadyExists) {
    error.message =
        "this conflicts with a record saved before: a number or key that must be unique is "
        "already in use, so nothing was saved. If you were repeating a request, look up its "
        "earlier result or send a new Idempotency-Key; if it happens again, tell the operator "
        "of this node (the server log has the details)";
    error.message_zh =
        "与已保存的记录冲突：必须唯一的编号或键已被使用，本次未保存任何内容。如果是重复提交，"
        "请查询先前的结果或使用新的 Idempotency-Key；如再次出现，请联系本节点的管理员"
        "（服务器日志中有详细信息）";
  } else {
    error.message =
        "the database refused this change because it breaks one of its rules (a reference to a "
        "missing record, a value out of range or a missing value), so nothing was saved. Check "
        "the input and try again; if it happens again, tell the operator of this node (the "
        "server log has the details)";
    error.message_zh =
        "数据库拒绝了此次修改：它违反了数据规则（引用了不存在的记录、取值超出范围或缺少必填值），"
        "本次未保存任何内容。请检查输入后重试；如再次出现，请联系本节点的管理员"
        "（服务器日志中有详细信息）";
  }
  error.internal = std::move(engine_text);
  return error;
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
