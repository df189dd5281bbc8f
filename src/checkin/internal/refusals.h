// The words of every refusal, in Chinese and English, in one place (docs/checkin.md, "Reason
// codes", has the same table). Private to checkin.
#pragma once

#include <string>
#include <string_view>

#include "checkin/gate_decision.h"
#include "core/ids.h"
#include "core/time.h"

namespace keyun::checkin::internal {

// What a refusal's message may name; each reason reads the fields it needs (see MakeRefusal).
struct RefusalFacts {
  CheckinMethod method = CheckinMethod::kQrCode;
  const core::TicketNumber* ticket = nullptr;  // copied into Refusal::ticket_number
  std::string_view run = {};                   // the ticket's run
  std::string_view other_run = {};             // kWrongRun: the run the voucher names
  std::string_view station = {};               // kWrongStation: where the ticket boards
  std::string_view key_id = {};                // kUnknownKey
  core::Instant at = {};   // valid_from, valid_until, window opening or departure
  int closes_minutes = 0;  // kCheckinClosed: minutes before departure the window closes
  const CheckinRecord* earlier = nullptr;     // kAlreadyCheckedIn
  const core::TicketNumber* adult = nullptr;  // kFreeChildAlone
  std::string_view face_score = {};      // kFaceNotVerified: "0.620"; empty: liveness failed
  std::string_view face_threshold = {};  // kFaceNotVerified: "0.800"
  std::string detail = {};
};

// The refusal for `reason`, its messages built from `facts`; `now` decides whether a time is
// shown with its date (not today) or without.
[[nodiscard]] Refusal MakeRefusal(RefusalReason reason, RefusalFacts facts, core::Instant now);

}  // namespace keyun::checkin::internal
