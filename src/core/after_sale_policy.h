// After-sale policy: what a refund (退票) or a change (改签) of a ticket costs, and when either
// is refused (DESIGN.md §3 "Refund and change"). Pure values and functions: no store, no clock.
//
//   Result<AfterSalePolicyBook> book = AfterSalePolicyBook::Create(AfterSalePolicy::Default());
//   AfterSalePolicy mobile = AfterSalePolicy::Default();
//   mobile.refund.tiers[1].fee_basis_points = 1500;                // 15 % within 2 h on mobile
//   if (auto r = book->Add({.channel = "mobile"}, mobile); !r) return Propagate(r);
//
//   const AfterSalePolicy& policy = book->Resolve(departure_station, carrier, "mobile");
//   Result<RefundQuote> quote = QuoteRefund(policy.refund, {.fare = Money::Yuan(48),
//                                                           .departs_at = run_departs_at,
//                                                           .now = clock.Now()});
//   if (!quote) return Propagate(quote);  // FailedPrecondition once the run has departed
//   quote->fee;      // ¥5.00: 10 % of ¥48 is ¥4.80, rounded to the half yuan
//   quote->refund;   // ¥43.00
//
// Time: "time left" is departs_at − now, exact to the microsecond. A run has departed when
// now >= departs_at: the departure instant itself is after departure. A refund tier applies
// while the time left is at least its `at_least_before`, so exactly 2 h before departure is
// the 10 % tier and 1 µs later the 20 % tier.
//
// Fees: fee = fare × basis points, rounded as the policy says, raised to the minimum fee, and
// capped at the fare (a ¥0.80 ticket never costs ¥1 to refund: its refund is ¥0). A free ticket
// (fare 0) refunds ¥0 with fee ¥0.
//
// What is not here: who may refund where (the sales service), the ledger entries (settle), the
// voucher's revocation (eticket), and moving the passengers of a stopped run to another run
// (a transfer by the operator, not a change the passenger asks for).
//
// Money overflow: fares near the int64 fen limit throw std::overflow_error, as Money's
// arithmetic does (money.h); fares come from the fare table, never near it.
//
// Thread-safety: policies, requests and quotes are plain values; QuoteRefund and QuoteChange
// are pure. AfterSalePolicyBook's const methods may run concurrently with each other; Add needs
// exclusive access.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/ids.h"
#include "core/money.h"
#include "core/result.h"
#include "core/time.h"

namespace keyun::core {

// ---------------------------------------------------------------------------------------------
// Refund (退票)

// One row of the refund fee table: applies while the time left before departure is at least
// `at_least_before` (and the run has not departed).
struct RefundTier {
  std::chrono::minutes at_least_before{0};
  int fee_basis_points = 0;  // of the fare; 1000 = 10 %
  Money minimum_fee{};       // the fee is at least this (but never more than the fare)
};

// Passenger refunds after departure, for a province that accepts them (none by default).
struct LateRefundRule {
  std::chrono::minutes within{0};  // accepted while now < departs_at + within; > 0
  int fee_basis_points = 0;
  Money minimum_fee{};
};

struct RefundPolicy {
  // Ordered by at_least_before, strictly descending; the last one is at 0 ("any time before
  // departure"), so every instant before departure has a fee rule.
  std::vector<RefundTier> tiers{};
  // How fare × basis points is rounded (a province setting). Default kToHalfYuan, the railway
  // rule passengers know (below ¥0.25 dropped, ¥0.25–0.75 → ¥0.50, from ¥0.75 → ¥1), and a
  // step that the default minimums ¥0.50 and ¥1 are multiples of.
  Rounding fee_rounding = Rounding::kToHalfYuan;
  // Whether a ticket that was changed (改签) may be refunded by its passenger. A run stopped,
  // delayed or missed through the operator's fault refunds it in full regardless.
  bool changed_ticket_refundable = false;
  // nullopt: no passenger refund from the departure instant on.
  std::optional<LateRefundRule> after_departure = std::nullopt;

  // DESIGN.md §3: 10 % (at least ¥0.50) from 2 h before departure, 20 % (at least ¥1) within
  // 2 h, none after departure; rounded to the half yuan; changed tickets not refundable.
  [[nodiscard]] static RefundPolicy Default();

  // InvalidArgument, `field` naming the entry ("tiers[1].fee_basis_points"), unless: at least
  // one tier; at_least_before >= 0 and strictly descending; the last tier at 0; basis points
  // 0..10000; minimum fees >= 0; fee_rounding a known Rounding; and, if after_departure is
  // set, its `within` > 0 and its fee fields valid as a tier's.
  [[nodiscard]] Result<void> Validate() const;
};

// Why the ticket is refunded. Every cause but kPassenger is the operator's: full refund, no
// fee, even after departure and even for a changed ticket (DESIGN.md §3).
enum class RefundCause {
  kPassenger,         // the passenger asks for it
  kRunStopped,        // the run was stopped (停班, 停班有售)
  kRunDelayed,        // the run is delayed and the passenger does not wait (晚点)
  kMissedByOperator,  // the station or carrier made the passenger miss the run (误乘)
};

struct RefundRequest {
  Money fare{};          // what the passenger paid for this ticket (执行票价); >= 0
  Instant departs_at{};  // the run's departure from the passenger's boarding stop
  Instant now{};
  RefundCause cause = RefundCause::kPassenger;
  bool ticket_was_changed = false;  // this ticket came from a change (改签)
};

struct RefundQuote {
  Money fare{};
  Money fee{};     // kept by the station (DESIGN.md §3 "Money")
  Money refund{};  // fare − fee, paid back to the passenger
  // The index in RefundPolicy::tiers whose rule set the fee; -1 when no tier did: the fee was
  // waived (an operator's cause) or the late-refund rule applied.
  int tier_index = -1;
  // For the receipt and the log, e.g. "refund 2 h or more before departure: 10% fee, at least
  // ¥0.50" or "run stopped (停班): full refund, no fee".
  std::string rule{};
};

// The fee and refund of one ticket under `policy`.
//   InvalidArgument if the policy fails Validate() or the fare is negative (field "fare").
//   FailedPrecondition, for a kPassenger refund, once the run has departed (now >= departs_at)
//   and is past any late-refund window; and for a changed ticket unless the policy makes
//   changed tickets refundable. The message says why and what the passenger can do.
// Operator causes always succeed with fee ¥0 and refund = fare.
[[nodiscard]] Result<RefundQuote> QuoteRefund(const RefundPolicy& policy,
                                              const RefundRequest& request);

// ---------------------------------------------------------------------------------------------
// Change (改签): move a ticket to another run.

struct ChangePolicy {
  int max_changes = 1;   // changes allowed per ticket, counted along its chain; 0: none
  int free_changes = 1;  // the first this many changes have no fee; <= max_changes
  // The fee on a change beyond the free ones, of the old fare, rounded and raised to the
  // minimum as a refund fee is, capped at the old fare. The default (like a refund 2 h ahead)
  // is never charged with the default one free change out of one; it is there so a province
  // that allows more changes does not give them away by accident.
  int fee_basis_points = 1000;
  Money minimum_fee = Money::Fen(50);
  Rounding fee_rounding = Rounding::kToHalfYuan;
  bool same_route_only = true;          // the new run serves the same route (班线)
  bool same_vehicle_class_only = true;  // ... with the same vehicle class
  // Changes close this long before the old run departs; 0: until departure.
  std::chrono::minutes cutoff_before_departure{0};

  // DESIGN.md §3: one free change, same route and vehicle class, before departure.
  [[nodiscard]] static ChangePolicy Default();

  // InvalidArgument, naming the field, unless 0 <= free_changes <= max_changes, basis points
  // 0..10000, minimum_fee >= 0, cutoff_before_departure >= 0 and fee_rounding a known Rounding.
  [[nodiscard]] Result<void> Validate() const;
};

struct ChangeRequest {
  int changes_so_far = 0;    // how often this ticket's chain was changed before; >= 0
  Money old_fare{};          // paid for the ticket being changed; >= 0
  Money new_fare{};          // of the ticket on the new run; >= 0
  Instant old_departs_at{};  // the old run's departure from the boarding stop
  Instant new_departs_at{};  // the new run's departure from the boarding stop
  Instant now{};
  bool same_route = true;          // the new run is on the old run's route
  bool same_vehicle_class = true;  // ... and of its vehicle class
};

// What the passenger pays or gets back. At most one of `charge` and `refund` is non-zero: the
// fee is netted against the fare difference, and also shown on its own.
//   charge − refund = new_fare − old_fare + fee.
struct ChangeQuote {
  Money old_fare{};
  Money new_fare{};
  Money fee{};            // ¥0 for a free change; kept by the station
  Money charge{};         // to collect from the passenger
  Money refund{};         // to pay back to the passenger
  int change_number = 1;  // this change is the ticket's n-th (changes_so_far + 1)
  std::string rule{};     // e.g. "change 1 of 1: free"
};

// The price of one change under `policy`.
//   InvalidArgument if the policy fails Validate(), a fare is negative or changes_so_far < 0.
//   FailedPrecondition (nothing to pay, the change is refused) when: the old run has departed
//   (now >= old_departs_at) or changes have closed (now >= old_departs_at − cutoff); the
//   ticket has had max_changes changes already; the new run has departed; the new run is on
//   another route or vehicle class where the policy requires the same. The message says why
//   and what the passenger can do instead.
[[nodiscard]] Result<ChangeQuote> QuoteChange(const ChangePolicy& policy,
                                              const ChangeRequest& request);

// ---------------------------------------------------------------------------------------------
// Where a policy applies: per province, station, carrier and channel (DESIGN.md §3).

struct AfterSalePolicy {
  RefundPolicy refund = RefundPolicy::Default();
  ChangePolicy change = ChangePolicy::Default();

  [[nodiscard]] static AfterSalePolicy Default() { return {}; }
  // RefundPolicy::Validate and ChangePolicy::Validate, fields prefixed "refund." / "change.".
  [[nodiscard]] Result<void> Validate() const;
};

// The dimensions an override is for; unset ones match anything. At least one is set.
struct PolicyScope {
  std::optional<StationCode> station = std::nullopt;
  std::optional<CreditCode> carrier = std::nullopt;  // the carrier's unified social credit code
  // A sales channel key as the sales part names them: "window", "kiosk", "mobile",
  // "platform". Lower-case ASCII letters, digits and '_', 1 to 32 characters.
  std::optional<std::string> channel = std::nullopt;

  bool operator==(const PolicyScope&) const = default;
};

// One province's after-sale policies: its default and overrides for narrower scopes.
//
// Resolve picks, among the overrides whose every set dimension matches, the most specific:
// the one with the most dimensions set; between overrides with as many, station beats carrier
// beats channel (so station+carrier > station+channel > carrier+channel, and station > carrier
// > channel). Two matching overrides cannot tie, since equal dimensions matching the same query
// would be the same scope, which Add refuses. With no matching override, the province default.
class AfterSalePolicyBook final {
 public:
  // InvalidArgument (field prefixed "default.") if the province default fails Validate().
  [[nodiscard]] static Result<AfterSalePolicyBook> Create(AfterSalePolicy province_default);

  // Adds an override for `scope`; nothing changes on error.
  //   InvalidArgument if `policy` fails Validate() (field prefixed "policy."), the scope sets
  //   no dimension (that is the province default) or its channel is not a valid key.
  //   AlreadyExists if an override for exactly this scope exists.
  [[nodiscard]] Result<void> Add(PolicyScope scope, AfterSalePolicy policy);

  // The policy for a ticket of `carrier`'s run, handled under `station`'s rules (normally
  // its departure station) and sold through `channel`. The reference stays valid until the
  // next Add or the book's destruction.
  [[nodiscard]] const AfterSalePolicy& Resolve(const StationCode& station,
                                               const CreditCode& carrier,
                                               std::string_view channel) const;

  [[nodiscard]] const AfterSalePolicy& province_default() const { return province_default_; }
  [[nodiscard]] std::size_t override_count() const { return overrides_.size(); }

 private:
  struct Override {
    PolicyScope scope;
    AfterSalePolicy policy;
  };

  explicit AfterSalePolicyBook(AfterSalePolicy province_default)
      : province_default_(std::move(province_default)) {}

  AfterSalePolicy province_default_;
  std::vector<Override> overrides_;  // a few per province; scanned linearly
};

}  // namespace keyun::core
