#include "core/result.h"

#include <gtest/gtest.h>

namespace keyun {
namespace {

Result<int> Half(int n) {
  if (n % 2 != 0) return InvalidArgument("n must be even", "n");
  return n / 2;
}

Result<int> Quarter(int n) {
  Result<int> half = Half(n);
  if (!half) return Propagate(half);
  return Half(*half);
}

TEST(ResultTest, ValuesAndErrors) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> bad = Quarter(6);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().field, "n");
  EXPECT_EQ(bad.error().ToString(), "invalid_argument: n must be even (field: n)");
}

TEST(ResultTest, CodeNamesAndContext) {
  EXPECT_EQ(ErrorCodeName(ErrorCode::kFailedPrecondition), "failed_precondition");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kUnavailable), "unavailable");
  Error e = WithContext(NotFound("no run K0301").value(), "refund");
  EXPECT_EQ(e.code, ErrorCode::kNotFound);
  EXPECT_EQ(e.message, "refund: no run K0301");
  EXPECT_EQ(Internal("x").value().ToString(), "internal: x");
}

}  // namespace
}  // namespace keyun

namespace keyun {
namespace {

TEST(ErrorCodeTest, NamesRoundTripAndUnknownNamesAreNone) {
  for (int i = 0; i <= static_cast<int>(ErrorCode::kInternal); ++i) {
    auto code = static_cast<ErrorCode>(i);
    EXPECT_EQ(ErrorCodeFromName(ErrorCodeName(code)), code);
  }
  EXPECT_FALSE(ErrorCodeFromName("teapot"));
  EXPECT_FALSE(ErrorCodeFromName(""));
}

}  // namespace
}  // namespace keyun
