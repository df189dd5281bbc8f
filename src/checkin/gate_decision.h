// What a gate decides about one check-in attempt (检票): the passenger is admitted, and the
// operator sees seat, name and the free children who board with them; or the passenger is
// refused, with a stable reason code and a message in Chinese and English that an operator can
// read out (docs/checkin.md, "Reason codes").
//
//   GateDecision decision = gate.CheckVoucher(scanned_text, context);   // gate_verifier.h
//   if (decision.accepted()) {
//     const Admission& a = decision.admission();
//     Show(a.seat, a.passenger_name_masked, a.free_children);   // 12 号座 欧**娜, + 1 携童
//   } else {
//     const Refusal& r = decision.refusal();
//     Show(r.message_zh, r.message_en);   // "已检票：2026-11-22 08:12 于 3 号检票口" / …
//     Journal(RefusalKey(r.reason), r.detail);   // "already_checked_in"
//   }
//
// Thread-safety: immutable values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/ids.h"
#include "core/result.h"
#include "core/time.h"
#include "eticket/voucher.h"

namespace keyun::checkin {

// How a passenger checked in (检票方式). The wire value is the enumerator's value and the name
// is stable; never renumber.
enum class CheckinMethod : std::uint8_t {
  kQrCode = 0,  // 扫码: the voucher's QR code scanned; the operator looks at the ID by eye
  kIdCard = 1,  // 刷证: the resident ID card read, matched to a ticket by keyed hash
  kFace = 2,    // 刷脸: face verification (decided outside this part; recorded like the others)
};
// "qr_code", "id_card", "face".
[[nodiscard]] std::string_view CheckinMethodName(CheckinMethod method);
// The inverse of CheckinMethodName; InvalidArgument (field "method") for anything else.
[[nodiscard]] Result<CheckinMethod> ParseCheckinMethod(std::string_view name);

// One check-in, as a gate journals it and as gates and the node exchange it. A free child
// checked in with an adult has a record of its own (same gate, operator, method and time).
struct CheckinRecord {
  core::TicketNumber ticket_number;
  core::RunId run_id;
  std::string gate_id = {};      // the gate as its sign shows it, "3"
  std::string operator_id = {};  // the staff member's username
  CheckinMethod method = CheckinMethod::kQrCode;
  core::Instant at = {};

  bool operator==(const CheckinRecord&) const = default;
};

// Why a passenger was refused. Declared in the order a gate checks (docs/checkin.md); the
// key (RefusalKey) is stable and is what the API, the journal and the pages use.
enum class RefusalReason : std::uint8_t {
  kDamaged,           // "damaged": not readable as a keyun voucher (or an unreadable ID hash)
  kUnknownKey,        // "unknown_key": signed by a key the gate does not trust (not synced yet)
  kForged,            // "forged": the signature does not match: forged or altered
  kNotYetValid,       // "not_yet_valid": before the voucher's validity window
  kExpired,           // "expired": after the voucher's validity window
  kWrongStation,      // "wrong_station": the ticket boards at another station
  kRefunded,          // "refunded": revoked, the ticket was refunded (退票)
  kChanged,           // "changed": revoked, the ticket was changed to another run (改签)
  kUnknownRun,        // "unknown_run": the gate has no manifest for the voucher's run
  kNotInManifest,     // "not_in_manifest": the run is known here but the ticket is not on it
  kWrongRun,          // "wrong_run": the manifest has the ticket on another run or stop
  kAlreadyCheckedIn,  // "already_checked_in": checked in before, here or at another gate
  kTooEarly,          // "too_early": the check-in window has not opened
  kCheckinClosed,     // "checkin_closed": the window closed; the bus has not left yet
  kDeparted,          // "departed": the run's departure time has passed
  kFreeChildAlone,    // "free_child_alone": a free child (携童) checks in with the adult
  kNoTicket,          // "no_ticket": a swiped ID has no ticket boarding at this station
  kFaceNotVerified,   // "face_not_verified": the face terminal's score is below the threshold
                      // or its liveness check failed: the passenger goes to the manual lane
};
inline constexpr int kRefusalReasonCount = 18;

// "already_checked_in", …: lower_snake, stable.
[[nodiscard]] std::string_view RefusalKey(RefusalReason reason);
// The inverse of RefusalKey; InvalidArgument for anything else.
[[nodiscard]] Result<RefusalReason> ParseRefusalKey(std::string_view key);

struct Refusal {
  RefusalReason reason = RefusalReason::kDamaged;
  // For the operator's screen, one line each: what is wrong and, where there is one, what to do.
  std::string message_zh = {};  // "已检票：2026-11-22 08:12 于 3 号检票口"
  std::string message_en = {};  // "already checked in at 08:12 at gate 3"
  // Technical detail for the journal and the log, in English (the verifier's own message for
  // a damaged or forged code); empty when the reason says it all. Never shown to passengers.
  std::string detail = {};
  // The ticket the attempt was about, when one was identified (not for damaged or forged
  // codes, whose contents cannot be trusted, nor for an ID without a ticket).
  std::optional<core::TicketNumber> ticket_number = {};
  // For kAlreadyCheckedIn: the check-in that came first.
  std::optional<CheckinRecord> earlier_checkin = {};
};

// A free child (携童) admitted with the adult whose ticket lists it.
struct AdmittedChild {
  core::TicketNumber ticket_number;
  std::string passenger_name_masked = {};
};

// What the operator must see for an admitted passenger, from the boarding manifest (the
// latest truth, e.g. a reassigned seat), and the check-in that was recorded.
struct Admission {
  core::TicketNumber ticket_number;
  core::RunId run_id;
  int seat = 0;  // 0 for a free child, who has none
  eticket::FareType fare_type = eticket::FareType::kAdult;
  std::string passenger_name_masked = {};  // empty when the ticket is not real-name
  core::Instant departs_at = {};
  // The free children on this ticket checked in now with the adult. A child whose own ticket
  // is revoked or already checked in is not listed (and not checked in again).
  std::vector<AdmittedChild> free_children = {};
  CheckinRecord record;
};

// Admitted or refused; never both.
class GateDecision final {
 public:
  explicit GateDecision(Admission admission) : value_(std::move(admission)) {}
  explicit GateDecision(Refusal refusal) : value_(std::move(refusal)) {}

  [[nodiscard]] bool accepted() const { return value_.index() == 0; }
  // Precondition: accepted() (throws std::bad_variant_access otherwise: a programmer error).
  [[nodiscard]] const Admission& admission() const { return std::get<Admission>(value_); }
  // Precondition: !accepted().
  [[nodiscard]] const Refusal& refusal() const { return std::get<Refusal>(value_); }
  // The refusal's reason, or nullopt when admitted.
  [[nodiscard]] std::optional<RefusalReason> reason() const {
    return accepted() ? std::nullopt : std::optional(refusal().reason);
  }

 private:
  std::variant<Admission, Refusal> value_;
};

}  // namespace keyun::checkin
