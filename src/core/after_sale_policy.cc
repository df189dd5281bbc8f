#include "core/after_sale_policy.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace keyun::core {
namespace {

using std::chrono::minutes;

constexpr int kMaxBasisPoints = 10'000;
constexpr std::size_t kMaxChannelKeyLength = 32;

bool IsKnownRounding(Rounding rounding) {
  switch (rounding) {
    case Rounding::kHalfUp:
    case Rounding::kDown:
    case Rounding::kUp:
    case Rounding::kToJiao:
    case Rounding::kToYuan:
    case Rounding::kToHalfYuan:
      return true;
  }
  return false;
}

// The fee part shared by refund tiers, the late-refund rule and paid changes.
Result<void> ValidateFee(int basis_points, Money minimum_fee, const std::string& field) {
  if (basis_points < 0 || basis_points > kMaxBasisPoints) {
    return InvalidArgument(
        fmt::format("a fee is 0 to 10000 basis points (0 % to 100 %), not {}", basis_points),
        field + "fee_basis_points");
  }
  if (minimum_fee < Money::Zero()) {
    return InvalidArgument(
        fmt::format("a minimum fee cannot be negative ({})", minimum_fee.ToYuanDisplay()),
        field + "minimum_fee");
  }
  return {};
}

Result<void> ValidateRounding(Rounding rounding) {
  if (!IsKnownRounding(rounding)) {
    return InvalidArgument("unknown fee rounding", "fee_rounding");
  }
  return {};
}

// fare × basis points, rounded, raised to the minimum, capped at the fare.
Money FeeOf(Money fare, int basis_points, Money minimum_fee, Rounding rounding) {
  const Money fee = std::max(fare.PercentOf(basis_points, rounding), minimum_fee);
  return std::min(fee, fare);
}

// "2 h", "45 min", "1 h 30 min".
std::string DurationText(minutes duration) {
  const auto total = duration.count();
  if (total != 0 && total % 60 == 0) return fmt::format("{} h", total / 60);
  if (total < 60) return fmt::format("{} min", total);
  return fmt::format("{} h {} min", total / 60, total % 60);
}

// 1000 → "10%", 1250 → "12.5%", 5 → "0.05%".
std::string PercentText(int basis_points) {
  std::string text = fmt::format("{}.{:02d}", basis_points / 100, basis_points % 100);
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text + "%";
}

std::string FeeText(int basis_points, Money minimum_fee) {
  if (minimum_fee == Money::Zero()) return PercentText(basis_points) + " fee";
  return fmt::format("{} fee, at least {}", PercentText(basis_points), minimum_fee.ToYuanDisplay());
}

// When tier `index` applies, in words, from its bound and the bound of the tier above it.
std::string TierWhen(const std::vector<RefundTier>& tiers, std::size_t index) {
  const minutes bound = tiers[index].at_least_before;
  if (index == 0) {
    if (bound == minutes(0)) return "before departure";
    return DurationText(bound) + " or more before departure";
  }
  const minutes above = tiers[index - 1].at_least_before;
  if (bound == minutes(0)) return "less than " + DurationText(above) + " before departure";
  return fmt::format("{} to {} before departure", DurationText(bound), DurationText(above));
}

std::string_view WaivedRule(RefundCause cause) {
  switch (cause) {
    case RefundCause::kRunStopped:
      return "run stopped (停班): full refund, no fee";
    case RefundCause::kRunDelayed:
      return "run delayed (晚点): full refund, no fee";
    case RefundCause::kMissedByOperator:
      return "missed through the station's or carrier's fault (误乘): full refund, no fee";
    case RefundCause::kPassenger:
      break;
  }
  return "full refund, no fee";
}

bool IsChannelKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxChannelKeyLength) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

int DimensionCount(const PolicyScope& scope) {
  return int{scope.station.has_value()} + int{scope.carrier.has_value()} +
         int{scope.channel.has_value()};
}

// Higher is more specific: dimensions set first, then station > carrier > channel.
int Specificity(const PolicyScope& scope) {
  return DimensionCount(scope) * 8 + (scope.station ? 4 : 0) + (scope.carrier ? 2 : 0) +
         (scope.channel ? 1 : 0);
}

bool Matches(const PolicyScope& scope, const StationCode& station, const CreditCode& carrier,
             std::string_view channel) {
  return (!scope.station || *scope.station == station) &&
         (!scope.carrier || *scope.carrier == carrier) &&
         (!scope.channel || *scope.channel == channel);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Refund

RefundPolicy RefundPolicy::Default() {
  return RefundPolicy{
      .tiers = {{.at_least_before = minutes(120),
                 .fee_basis_points = 1000,
                 .minimum_fee = Money::Fen(50)},
                {.at_least_before = minutes(0),
                 .fee_basis_points = 2000,
                 .minimum_fee = Money::Fen(100)}},
  };
}

Result<void> RefundPolicy::Validate() const {
  if (tiers.empty()) {
    return InvalidArgument("a refund policy needs at least one fee tier, the last one at 0 min",
                           "tiers");
  }
  for (std::size_t i = 0; i < tiers.size(); ++i) {
    const std::string field = fmt::format("tiers[{}].", i);
    const RefundTier& tier = tiers[i];
    if (tier.at_least_before < minutes(0)) {
      return InvalidArgument(
          "a tier's at_least_before cannot be negative; refunds after departure are set in "
          "after_departure",
          field + "at_least_before");
    }
    if (i > 0 && tier.at_least_before >= tiers[i - 1].at_least_before) {
      return InvalidArgument(
          fmt::format("tiers must be ordered by at_least_before, strictly descending ({} min "
                      "follows {} min)",
                      tier.at_least_before.count(), tiers[i - 1].at_least_before.count()),
          field + "at_least_before");
    }
    if (auto fee = ValidateFee(tier.fee_basis_points, tier.minimum_fee, field); !fee) return fee;
  }
  if (tiers.back().at_least_before != minutes(0)) {
    return InvalidArgument(
        fmt::format("the last tier must start at 0 min so that every time before departure has "
                    "a fee; it starts at {} min",
                    tiers.back().at_least_before.count()),
        fmt::format("tiers[{}].at_least_before", tiers.size() - 1));
  }
  if (auto rounding = ValidateRounding(fee_rounding); !rounding) return rounding;
  if (after_departure) {
    if (after_departure->within <= minutes(0)) {
      return InvalidArgument(
          "a late-refund window must be longer than 0 min; leave after_departure unset for "
          "no refunds after departure",
          "after_departure.within");
    }
    if (auto fee = ValidateFee(after_departure->fee_basis_points, after_departure->minimum_fee,
                               "after_departure.");
        !fee) {
      return fee;
    }
  }
  return {};
}

Result<RefundQuote> QuoteRefund(const RefundPolicy& policy, const RefundRequest& request) {
  if (auto valid = policy.Validate(); !valid) {
    return tl::unexpected(WithContext(valid.error(), "invalid refund policy"));
  }
  if (request.fare < Money::Zero()) {
    return InvalidArgument(
        fmt::format("a fare cannot be negative ({})", request.fare.ToYuanDisplay()), "fare");
  }
  RefundQuote quote{.fare = request.fare, .refund = request.fare};

  if (request.cause != RefundCause::kPassenger) {
    quote.rule = WaivedRule(request.cause);
    return quote;
  }
  if (request.ticket_was_changed && !policy.changed_ticket_refundable) {
    return FailedPrecondition(
        "a changed ticket (改签) cannot be refunded under this policy; only a run stopped, "
        "delayed or missed through the operator's fault refunds it");
  }

  const std::chrono::microseconds left = request.departs_at - request.now;
  if (left > std::chrono::microseconds(0)) {
    const auto tier = std::find_if(policy.tiers.begin(), policy.tiers.end(),
                                   [&](const RefundTier& t) { return left >= t.at_least_before; });
    // Validate() guarantees a last tier at 0, which every positive time left reaches.
    const auto index = static_cast<std::size_t>(tier - policy.tiers.begin());
    quote.fee = FeeOf(request.fare, tier->fee_basis_points, tier->minimum_fee, policy.fee_rounding);
    quote.tier_index = static_cast<int>(index);
    quote.rule = "refund " + TierWhen(policy.tiers, index) + ": " +
                 FeeText(tier->fee_basis_points, tier->minimum_fee);
  } else if (policy.after_departure &&
             request.now < request.departs_at + policy.after_departure->within) {
    const LateRefundRule& late = *policy.after_departure;
    quote.fee = FeeOf(request.fare, late.fee_basis_points, late.minimum_fee, policy.fee_rounding);
    quote.rule = "refund within " + DurationText(late.within) +
                 " after departure: " + FeeText(late.fee_basis_points, late.minimum_fee);
  } else if (policy.after_departure) {
    return FailedPrecondition(fmt::format(
        "the run departed at {}; refunds close {} after departure. If the run was stopped or "
        "delayed, or the station or carrier made you miss it, ask the station for a full "
        "refund",
        request.departs_at.ToIso8601(), DurationText(policy.after_departure->within)));
  } else {
    return FailedPrecondition(fmt::format(
        "the run departed at {}; a ticket cannot be refunded from departure on. If the run was "
        "stopped or delayed, or the station or carrier made you miss it, ask the station for a "
        "full refund",
        request.departs_at.ToIso8601()));
  }
  quote.refund = request.fare - quote.fee;
  return quote;
}

// ---------------------------------------------------------------------------------------------
// Change

ChangePolicy ChangePolicy::Default() { return {}; }

Result<void> ChangePolicy::Validate() const {
  if (max_changes < 0) {
    return InvalidArgument(
        fmt::format("max_changes cannot be negative ({}); 0 allows no change", max_changes),
        "max_changes");
  }
  if (free_changes < 0 || free_changes > max_changes) {
    return InvalidArgument(fmt::format("free_changes must be 0 to max_changes ({}), not {}",
                                       max_changes, free_changes),
                           "free_changes");
  }
  if (auto fee = ValidateFee(fee_basis_points, minimum_fee, ""); !fee) return fee;
  if (auto rounding = ValidateRounding(fee_rounding); !rounding) return rounding;
  if (cutoff_before_departure < minutes(0)) {
    return InvalidArgument(
        "cutoff_before_departure cannot be negative; 0 allows changes until "
        "departure",
        "cutoff_before_departure");
  }
  return {};
}

Result<ChangeQuote> QuoteChange(const ChangePolicy& policy, const ChangeRequest& request) {
  if (auto valid = policy.Validate(); !valid) {
    return tl::unexpected(WithContext(valid.error(), "invalid change policy"));
  }
  if (request.old_fare < Money::Zero()) {
    return InvalidArgument("a fare cannot be negative", "old_fare");
  }
  if (request.new_fare < Money::Zero()) {
    return InvalidArgument("a fare cannot be negative", "new_fare");
  }
  if (request.changes_so_far < 0) {
    return InvalidArgument("changes_so_far cannot be negative", "changes_so_far");
  }

  if (request.now >= request.old_departs_at) {
    return FailedPrecondition(fmt::format(
        "the run departed at {}; a ticket cannot be changed from departure on. If the run was "
        "stopped or delayed, or the station or carrier made you miss it, ask the station",
        request.old_departs_at.ToIso8601()));
  }
  if (request.now >= request.old_departs_at - policy.cutoff_before_departure) {
    return FailedPrecondition(fmt::format(
        "changes close {} before departure (at {}); refund the ticket instead if the policy "
        "allows it",
        DurationText(policy.cutoff_before_departure),
        (request.old_departs_at - policy.cutoff_before_departure).ToIso8601()));
  }
  if (request.changes_so_far >= policy.max_changes) {
    if (policy.max_changes == 0) {
      return FailedPrecondition("tickets cannot be changed under this policy");
    }
    return FailedPrecondition(
        fmt::format("this ticket has been changed {} time(s) and at most {} change(s) are allowed",
                    request.changes_so_far, policy.max_changes));
  }
  if (policy.same_route_only && !request.same_route) {
    return FailedPrecondition(
        "a ticket can be changed only to a run of the same route; choose a run of this route",
        "new_run");
  }
  if (policy.same_vehicle_class_only && !request.same_vehicle_class) {
    return FailedPrecondition(
        "a ticket can be changed only to a run of the same vehicle class; choose another run",
        "new_run");
  }
  if (request.now >= request.new_departs_at) {
    return FailedPrecondition(fmt::format("the new run departed at {}; choose a later run",
                                          request.new_departs_at.ToIso8601()),
                              "new_run");
  }

  ChangeQuote quote{.old_fare = request.old_fare,
                    .new_fare = request.new_fare,
                    .change_number = request.changes_so_far + 1};
  const std::string which =
      fmt::format("change {} of {}: ", quote.change_number, policy.max_changes);
  if (request.changes_so_far < policy.free_changes) {
    quote.rule = which + "free";
  } else {
    quote.fee =
        FeeOf(request.old_fare, policy.fee_basis_points, policy.minimum_fee, policy.fee_rounding);
    quote.rule = which + PercentText(policy.fee_basis_points) + " of the old fare";
    if (policy.minimum_fee > Money::Zero()) {
      quote.rule += ", at least " + policy.minimum_fee.ToYuanDisplay();
    }
  }
  const Money due = request.new_fare - request.old_fare + quote.fee;
  if (due > Money::Zero()) {
    quote.charge = due;
  } else {
    quote.refund = -due;
  }
  return quote;
}

// ---------------------------------------------------------------------------------------------
// Scopes

Result<void> AfterSalePolicy::Validate() const {
  if (auto r = refund.Validate(); !r) {
    return tl::unexpected(WithField(r.error(), "refund." + r.error().field));
  }
  if (auto c = change.Validate(); !c) {
    return tl::unexpected(WithField(c.error(), "change." + c.error().field));
  }
  return {};
}

Result<AfterSalePolicyBook> AfterSalePolicyBook::Create(AfterSalePolicy province_default) {
  if (auto valid = province_default.Validate(); !valid) {
    return tl::unexpected(WithField(valid.error(), "default." + valid.error().field));
  }
  return AfterSalePolicyBook(std::move(province_default));
}

Result<void> AfterSalePolicyBook::Add(PolicyScope scope, AfterSalePolicy policy) {
  if (auto valid = policy.Validate(); !valid) {
    return tl::unexpected(WithField(valid.error(), "policy." + valid.error().field));
  }
  if (DimensionCount(scope) == 0) {
    return InvalidArgument(
        "an override names a station, a carrier or a channel; the province default is given "
        "to Create",
        "scope");
  }
  if (scope.channel && !IsChannelKey(*scope.channel)) {
    return InvalidArgument(
        fmt::format("\"{}\" is not a channel key; use a key such as \"window\", \"kiosk\", "
                    "\"mobile\" or \"platform\"",
                    *scope.channel),
        "scope.channel");
  }
  for (const Override& existing : overrides_) {
    if (existing.scope == scope) {
      return AlreadyExists("an override for this station, carrier and channel exists already",
                           "scope");
    }
  }
  overrides_.push_back(Override{std::move(scope), std::move(policy)});
  return {};
}

const AfterSalePolicy& AfterSalePolicyBook::Resolve(const StationCode& station,
                                                    const CreditCode& carrier,
                                                    std::string_view channel) const {
  const AfterSalePolicy* best = &province_default_;
  int best_specificity = 0;
  for (const Override& candidate : overrides_) {
    if (!Matches(candidate.scope, station, carrier, channel)) continue;
    const int specificity = Specificity(candidate.scope);
    if (specificity > best_specificity) {
      best = &candidate.policy;
      best_specificity = specificity;
    }
  }
  return *best;
}

}  // namespace keyun::core
