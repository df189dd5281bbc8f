#include "checkin/gate_decision.h"

#include <fmt/format.h>

#include <array>

namespace keyun::checkin {
namespace {

constexpr std::array<std::string_view, 3> kMethodNames = {"qr_code", "id_card", "face"};

// Indexed by RefusalReason.
constexpr std::array<std::string_view, kRefusalReasonCount> kRefusalKeys = {
    "damaged",          "unknown_key",        "forged",    "not_yet_valid",  "expired",
    "wrong_station",    "refunded",           "changed",   "unknown_run",    "not_in_manifest",
    "wrong_run",        "already_checked_in", "too_early", "checkin_closed", "departed",
    "free_child_alone", "no_ticket",          "face_not_verified",
};
static_assert(static_cast<int>(RefusalReason::kFaceNotVerified) + 1 == kRefusalReasonCount);

}  // namespace

std::string_view CheckinMethodName(CheckinMethod method) {
  const auto i = static_cast<std::size_t>(method);
  return i < kMethodNames.size() ? kMethodNames[i] : "unknown";
}

Result<CheckinMethod> ParseCheckinMethod(std::string_view name) {
  for (std::size_t i = 0; i < kMethodNames.size(); ++i) {
    if (kMethodNames[i] == name) return static_cast<CheckinMethod>(i);
  }
  return InvalidArgument(
      fmt::format("check-in method \"{}\" is not one of qr_code, id_card, face", name), "method");
}

std::string_view RefusalKey(RefusalReason reason) {
  const auto i = static_cast<std::size_t>(reason);
  return i < kRefusalKeys.size() ? kRefusalKeys[i] : "unknown";
}

Result<RefusalReason> ParseRefusalKey(std::string_view key) {
  for (std::size_t i = 0; i < kRefusalKeys.size(); ++i) {
    if (kRefusalKeys[i] == key) return static_cast<RefusalReason>(i);
  }
  return InvalidArgument(fmt::format("\"{}\" is not a check-in refusal reason", key), "reason");
}

}  // namespace keyun::checkin
