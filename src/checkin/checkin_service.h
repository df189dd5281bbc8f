// CheckinService: the node's online check-in (检票) and station operations — crew check-in
// (报班), safety check (例检), departure (发车) — with the database as the truth
// (DESIGN.md §3 "Station operations", docs/checkin.md, migration 0006_checkins.sql).
//
//   CheckinService checkins(store, issuer_keys, hasher, clock, CheckinPolicy{});
//   Result<GateDecision> d = checkins.CheckIn(CheckinRequest{
//       .station = here, .gate = "3", .operator_id = "li.na",
//       .method = CheckinMethod::kQrCode, .voucher_text = scanned});
//   // d->accepted(): seat, masked name, free children; else d->refusal(): reason and words.
//   checkins.CrewCheckIn(run, here, {.vehicle_plate = "鲁A12345", .driver_name = "王强", …});
//   checkins.RecordSafetyCheck(run, here, {.passed = true, .inspector = "zhao.lei"});
//   Result<Departure> left = checkins.Depart(run, here, "li.na");   // freezes the manifest
//
// Online a check-in is decided by the same rules and with the same reason codes and words as an
// offline gate: the service loads the ticket (and the free children attached to it, or to its
// adult) from the store with its check-ins and revocations, builds a one-family
// BoardingManifest and asks a GateVerifier. An admission is inserted in the same transaction;
// the checkins table's primary key makes a ticket check in once even when two nodes or gates
// race: the loser is refused as already checked in, with when and where.
//
// Errors (Result): kInvalidArgument (a malformed field, named), kNotFound (run, device),
// kPermissionDenied (a face message from an unknown, inactive or foreign device, or with a bad
// signature), kFailedPrecondition (a face message's clock too far off; a departure rule
// failing; the run already departed), kAlreadyExists (a replayed face message), store errors.
// A refusal by the gate rules is not an error: it is a GateDecision with a refusal.
//
// Thread-safety: safe from many threads; every method is one or two store transactions.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "checkin/gate_decision.h"
#include "checkin/gate_verifier.h"
#include "checkin/revocation_list.h"
#include "core/ids.h"
#include "core/personal_data.h"
#include "core/result.h"
#include "core/time.h"
#include "eticket/issuer_keys.h"
#include "store/store.h"

namespace keyun::checkin {

// Policy settings (DESIGN.md §3), per station in time; the node passes its province's.
struct CheckinPolicy {
  CheckinWindow window = {};
  // A face verification admits only with a similarity score at or above this (0..1) and a
  // liveness pass; otherwise it is refused as face_not_verified and the passenger goes to the
  // manual lane (人工通道).
  double face_threshold = 0.80;
  // A face message whose timestamp is further than this from the node's clock is refused, so
  // that an old message cannot be replayed after its nonce record is gone.
  std::chrono::seconds face_max_skew{300};
  // Swipes and face look at tickets of runs departing in [now - lookback, now + lookahead].
  std::chrono::hours id_lookback{6};
  std::chrono::hours id_lookahead{24};
};

// What a face terminal (人脸核验终端) reports: the ID document it read and the passenger's face
// compared, signed with the terminal's registered Ed25519 key over FaceMessageText(*this).
struct FaceVerification {
  std::string device_id;
  std::string id_type = "resident_id";  // core::IdTypeName
  std::string id_number;
  double score = 0;       // similarity 0..1, sent with at most 3 decimals
  bool liveness = false;  // the terminal's liveness (活体) check passed
  std::string nonce;      // unique per message, 8..64 characters
  core::Instant timestamp = {};
  std::string signature;  // 128 hex characters
};
// The exact text a terminal signs:
//   "keyun-face-v1\ndevice_id=T1\nid_type=resident_id\nid_number=…\nscore=0.912\n"
//   "liveness=1\nnonce=…\ntimestamp=1795400000"   (score with 3 decimals, Unix seconds)
[[nodiscard]] std::string FaceMessageText(const FaceVerification& face);

struct CheckinRequest {
  core::StationCode station;  // where the gate stands (the operator's station)
  std::string gate;           // the gate as its sign shows it, "3"
  std::string operator_id;    // the staff member's username
  CheckinMethod method = CheckinMethod::kQrCode;
  std::string voucher_text = {};             // kQrCode: the scanned text
  std::string id_type = "resident_id";       // kIdCard: the card read
  std::string id_number = {};                // kIdCard
  std::optional<FaceVerification> face = {};  // kFace
};

// One ticket on a run's manifest at a station.
struct ManifestEntry {
  std::string ticket_number;
  int seat = 0;  // 0: a free child
  std::string fare_type;        // sales::FareTypeKey
  std::string passenger_name;   // masked
  std::string attached_to = {};  // a free child's adult ticket number
  std::optional<CheckinRecord> checkin = {};
};
struct RunManifest {
  std::string run_id;
  core::StationCode station;
  std::string carrier;  // the run's carrier (credit code): its dispatcher sees the manifest too
  core::Instant departs_at = {};
  std::optional<core::Instant> departed_at = {};  // set: frozen
  std::vector<ManifestEntry> booked = {};      // not checked in, check-in still possible
  std::vector<ManifestEntry> checked_in = {};  // boarded
  std::vector<ManifestEntry> no_show = {};     // not checked in, window closed or departed
};

struct CrewCheckin {
  std::string vehicle_plate;
  std::string driver_name;
  std::string driver_licence;
  bool documents_ok = false;  // licence, permit, qualification certificate in order
};
struct SafetyCheck {
  bool passed = false;
  std::string inspector;
};

struct RunOperations {
  std::string run_id;
  core::StationCode station;
  std::optional<CrewCheckin> crew = {};
  std::optional<core::Instant> crew_checked_in_at = {};
  std::optional<SafetyCheck> safety = {};
  std::optional<core::Instant> safety_checked_at = {};
  std::optional<core::Instant> departed_at = {};
  int licensed_seats = 0;  // the crew's vehicle's, or the run's while no crew checked in
  int boarded = 0;         // seated passengers checked in for the leg leaving here
  int no_shows = 0;        // at departure
  // Why it left before its scheduled time, when it did (an early departure, confirmed).
  std::optional<std::string> early_reason = {};
};

// 发车 as the station's manager or gate records it.
struct DepartureRequest {
  std::string operator_id;
  // Before the scheduled time a departure needs both the operator's explicit confirmation and
  // why: a bus sent early leaves behind passengers who still have time to come to the gate.
  bool confirm_early = false;
  std::string early_reason;  // 2 to 200 characters when confirm_early
};

class CheckinService final {
 public:
  // All references must outlive the service. `hasher` is the node's keyed hash of ID documents
  // (the one sales used), `keys` gives the trust list of this node's issuer keys.
  CheckinService(store::Store& store, const eticket::IssuerKeyStore& keys,
                 const core::KeyedHasher& hasher, const core::Clock& clock,
                 CheckinPolicy policy = {});

  // Decides one check-in attempt at request.station and records it when admitted. A free
  // child attached to the ticket checks in with it. kInvalidArgument if the gate or operator is
  // empty, the method's input is missing, or the policy's window is invalid.
  [[nodiscard]] Result<GateDecision> CheckIn(const CheckinRequest& request);

  // The run's tickets boarding at `station`: booked, checked in, no-shows. After departure the
  // frozen manifest. kNotFound if the run does not exist.
  [[nodiscard]] Result<RunManifest> Manifest(const std::string& run_id,
                                             const core::StationCode& station);

  // 报班: records (or replaces, before departure) the crew. kInvalidArgument for a missing
  // field; kNotFound for an unknown vehicle; kFailedPrecondition if the vehicle belongs to
  // another carrier, has fewer seats than the run sells, or the run departed.
  [[nodiscard]] Result<RunOperations> CrewCheckIn(const std::string& run_id,
                                                  const core::StationCode& station,
                                                  const CrewCheckin& crew,
                                                  const std::string& operator_id);
  // 例检: records the safety check (a failed one too: it blocks departure until a pass).
  [[nodiscard]] Result<RunOperations> RecordSafetyCheck(const std::string& run_id,
                                                        const core::StationCode& station,
                                                        const SafetyCheck& check);
  // 发车: refused (kFailedPrecondition, naming the rule and what to do) without a crew
  // check-in, with the crew's documents not in order, without a passed safety check, or with
  // more seated passengers checked in than the vehicle's licensed seats; before the run's
  // scheduled time unless request.confirm_early with an early_reason (field "confirm_early",
  // naming the time and minutes left; kInvalidArgument "early_reason" for a missing or
  // overlong reason). Freezes the manifest
  // and records the departure; at the run's origin the run's status becomes 'departed'. A
  // "departed" event (run, station, time, vehicle, driver, operator, boarded, no-shows) goes
  // to the outbox (store/outbox.h) in the same transaction, for the national hub.
  // Departing twice is kFailedPrecondition.
  [[nodiscard]] Result<RunOperations> Depart(const std::string& run_id,
                                             const core::StationCode& station,
                                             const DepartureRequest& request);
  [[nodiscard]] Result<RunOperations> Operations(const std::string& run_id,
                                                 const core::StationCode& station);

  // The check-in window at `station` (检票时间, a station setting): its own, or the province's
  // (policy().window). Every check-in, manifest and gate feed of the station uses it.
  [[nodiscard]] Result<CheckinWindow> StationCheckinWindow(const core::StationCode& station);
  // Sets the station's window; nullopt returns it to the province's. Returns the window now in
  // force. kInvalidArgument for an invalid window (CheckinWindow::Validate), kNotFound for an
  // unknown station.
  [[nodiscard]] Result<CheckinWindow> SetStationCheckinWindow(const core::StationCode& station,
                                                              std::optional<CheckinWindow> window,
                                                              const std::string& updated_by);

  // The revocations after sequence `since`, in order, at most `limit`. (Refunds and changes
  // write the list with eticket::RevokeTicket inside their own transactions.)
  [[nodiscard]] Result<std::vector<Revocation>> Revocations(std::int64_t since,
                                                            int limit = 10000);

  // What an offline-capable gate of `station` syncs (`keyun gate`, http/gate_feed.h): every
  // issued ticket boarding here on a run leaving in [now - 1 h, now + hours], revoked ones
  // marked, free children linked to their adults; the check-ins made on those runs here; and
  // the revocations after `revocations_since`; the station's check-in window.
  struct GateSnapshot {
    core::Instant generated_at;  // by the node's clock
    CheckinWindow window;        // the station's
    std::vector<ManifestTicket> tickets;
    std::vector<CheckinRecord> checkins;
    std::vector<Revocation> revocations;
  };
  [[nodiscard]] Result<GateSnapshot> GateSnapshotFor(const core::StationCode& station,
                                                     std::chrono::hours hours,
                                                     std::int64_t revocations_since);

  // Check-ins an offline gate of `station` journaled, pushed when the network is back. Each is
  // recorded (source 'offline-journal') unless its ticket checked in already: the very same
  // check-in (a retried push) is a duplicate; another one means two gates admitted the ticket
  // while apart — a conflict, reported with both, the first kept. A record for a ticket that
  // does not board here is rejected with the reason. One transaction for the whole push.
  struct JournalOutcome {
    int applied = 0;
    int duplicates = 0;
    std::vector<std::pair<CheckinRecord, CheckinRecord>> conflicts;  // (kept, the other)
    std::vector<std::string> rejected;  // "ticket …: reason"
  };
  [[nodiscard]] Result<JournalOutcome> ApplyJournal(const core::StationCode& station,
                                                    std::span<const CheckinRecord> records);

  // Registers (or re-keys and reactivates) a face terminal of `station`. kInvalidArgument for
  // a bad id or key; kFailedPrecondition if the device is registered to another station.
  [[nodiscard]] Result<void> RegisterGateDevice(const std::string& device_id,
                                                const core::StationCode& station,
                                                const std::string& public_key_hex,
                                                const std::string& registered_by);
  [[nodiscard]] Result<void> DeactivateGateDevice(const std::string& device_id);

  [[nodiscard]] const CheckinPolicy& policy() const { return policy_; }

  // Told, after the commit, of every run that departed from its origin (its status is now
  // 'departed'), so that the images of runs kept in memory stop selling it. Set before serving.
  void OnRunDeparted(std::function<void(const std::string& run_id)> listener) {
    run_departed_ = std::move(listener);
  }

 private:
  // The face message checked and its nonce used up: the ID's keyed hash, or the refusal for a
  // face that did not match.
  struct FaceOutcome {
    std::string id_hash = {};
    std::optional<Refusal> refusal = {};
  };
  Result<FaceOutcome> VerifyFace(const CheckinRequest& request);

  // Constant after construction.
  store::Store& store_;
  const eticket::IssuerKeyStore& keys_;
  const core::KeyedHasher& hasher_;
  const core::Clock& clock_;
  const CheckinPolicy policy_;
  std::function<void(const std::string& run_id)> run_departed_;  // set before serving
};

}  // namespace keyun::checkin
