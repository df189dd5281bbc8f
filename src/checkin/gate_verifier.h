// Gate check-in (检票): what a gate, online or offline, decides about one passenger — a
// scanned e-ticket voucher or a swiped ID card — against what it holds: the trust list of
// issuer keys, its station's boarding manifest, the revocation list and every check-in it knows
// of (its own and those synced from other gates). DESIGN.md §3 "Station operations", §4;
// docs/checkin.md.
//
//   eticket::VoucherVerifier trust;                        // from GET /keys
//   (void)trust.AddKeyHex("37-ed25519-0001", "e0b05c49…");
//   Result<std::unique_ptr<GateVerifier>> gate = GateVerifier::Create(
//       {.station = *core::StationCode::Parse("370102001")}, std::move(trust));
//   (void)(*gate)->ReplaceManifest(*BoardingManifest::Build(station, tickets));
//   (void)(*gate)->ApplyRevocations(revocations);           // GET /revocations?since=N
//
//   GateContext at_gate{.gate_id = "3", .operator_id = "li.na", .now = clock.Now()};
//   GateDecision d = (*gate)->CheckVoucher(scanned_text, at_gate);      // 扫码
//   GateDecision e = (*gate)->CheckIdNumber(hasher.HashIdDocument(card), at_gate);  // 刷证
//   // d.accepted(): seat, masked name, free children; else d.refusal(): reason and words.
//
//   std::vector<CheckinRecord> fresh = (*gate)->LocalCheckinsSince(journaled);  // to journal
//   (*gate)->ApplyCheckins(from_other_gates);                    // synced from the node
//
// A ticket checks in once, whichever gate and method: a second attempt is refused with when and
// at which gate the first one happened. Offline, "once" holds across the gates whose check-ins
// this gate has applied; two offline gates can both admit the same ticket before they sync,
// and ApplyCheckins keeps the earlier check-in (the journal of each keeps its own, so the node
// sees both).
//
// Pure: no I/O, no clock (the caller passes `now`), no store. The journal file, the sync with
// the node and the HTTP handler are built on top.
//
// Thread-safety: every method may be called from any thread; a mutex inside serialises the
// checks and the updates, so that check-and-record is atomic (two gates of one node checking
// the same ticket at once admit it once). The Ed25519 signature check (~40 µs) runs outside
// the mutex, on a snapshot of the trust list: verifications of several gates proceed in
// parallel, and the mutex is held for a microsecond or two per attempt.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "checkin/boarding_manifest.h"
#include "checkin/gate_decision.h"
#include "checkin/revocation_list.h"
#include "core/ids.h"
#include "core/result.h"
#include "core/time.h"
#include "eticket/voucher_codec.h"

namespace keyun::checkin {

namespace internal {
class VerifiedVoucherCache;
}

// The check-in window (检票时间), counted back from the run's departure from the boarding
// stop: check-in is open from `opens_before` (inclusive) until `closes_before` (exclusive)
// before departure. A policy setting per station (DESIGN.md §3); the default is 40 to 2 min.
struct CheckinWindow {
  std::chrono::minutes opens_before{40};
  std::chrono::minutes closes_before{2};

  // InvalidArgument unless 0 ≤ closes_before < opens_before ≤ 24 h.
  [[nodiscard]] Result<void> Validate() const;
  [[nodiscard]] core::Instant OpensAt(core::Instant departs_at) const {
    return departs_at - opens_before;
  }
  [[nodiscard]] core::Instant ClosesAt(core::Instant departs_at) const {
    return departs_at - closes_before;
  }
};

struct GateSettings {
  // The station the gate stands in: passengers check in only at their boarding stop.
  core::StationCode station;
  CheckinWindow window = {};
  // Voucher texts whose signature verified, remembered so that a re-scan skips the signature
  // check (internal/verified_voucher_cache.h); 0 turns the cache off. A first scan never
  // benefits: see docs/checkin.md, "Figures".
  std::size_t verified_cache_entries = 4096;
};

// Who is checking, where and when; recorded with every check-in.
struct GateContext {
  std::string gate_id = {};      // the gate as its sign shows it, "3"; non-empty
  std::string operator_id = {};  // the staff member's username
  core::Instant now = {};
};

class GateVerifier final {
 public:
  // A gate with `trust_list` and an empty manifest (every voucher refused as of an unknown
  // run until ReplaceManifest). InvalidArgument if settings.window is invalid.
  [[nodiscard]] static Result<std::unique_ptr<GateVerifier>> Create(
      GateSettings settings, eticket::VoucherVerifier trust_list);

  GateVerifier(const GateVerifier&) = delete;
  GateVerifier& operator=(const GateVerifier&) = delete;
  ~GateVerifier();

  // QR code + the operator's look at the ID (扫码), from the scanner's text. Checks, in this
  // order, and refuses with the first that fails (docs/checkin.md, "What a gate checks"):
  //   1. the voucher: kDamaged, kUnknownKey, kForged (eticket::VoucherVerifier::Verify);
  //   2. its validity window at ctx.now: kNotYetValid, kExpired;
  //   3. its boarding station is this gate's: kWrongStation;
  //   4. not revoked, by the revocation list or the manifest's status: kRefunded, kChanged;
  //   5. on the manifest: kUnknownRun (no manifest for the run), kNotInManifest, kWrongRun
  //      (the manifest has it on another run or stop: an out-of-date voucher);
  //   6. not checked in before, at any gate, by any method: kAlreadyCheckedIn;
  //   7. inside the check-in window: kTooEarly, kCheckinClosed, kDeparted (ctx.now ≥ the
  //      departure time);
  //   8. not a free child on its own: kFreeChildAlone (its adult's ticket checks it in).
  // On admission records the check-in (method kQrCode) and those of the free children attached
  // to the ticket that are neither revoked nor checked in; the Admission shows them.
  [[nodiscard]] GateDecision CheckVoucher(std::string_view text, const GateContext& ctx);

  // The same for a voucher whose signature the caller has verified under this gate's trust
  // list (the node verifies before its transaction, so the ~70 µs check is not repeated
  // inside it): checks 2 to 8.
  [[nodiscard]] GateDecision CheckVerifiedVoucher(const eticket::VoucherPayload& payload,
                                                  const GateContext& ctx);

  // ID card (刷证): the caller reads the card and hashes the document with the node's
  // core::KeyedHasher (64 hex characters; kDamaged if it is not). Among that passenger's
  // tickets boarding here it takes the one that can check in now (the earliest departure if
  // several); if none can, it reports the refusal of the most relevant one (a ticket not
  // revoked before a revoked one, then the next departure, then the latest departed). Rules
  // 4, 6, 7 and 8 as above; kNoTicket if the passenger has no ticket on the manifest. Records
  // with method kIdCard.
  [[nodiscard]] GateDecision CheckIdNumber(std::string_view id_hash_hex, const GateContext& ctx);
  // The same with the hash as bytes, and the method to record (kIdCard or kFace: a face
  // verification that identified the passenger's ID document).
  [[nodiscard]] GateDecision CheckIdHash(const eticket::IdHash& id_hash, CheckinMethod method,
                                         const GateContext& ctx);

  // Replaces the manifest. Check-ins and revocations are kept: they are facts about tickets,
  // whichever manifest lists them. FailedPrecondition if it is another station's manifest.
  [[nodiscard]] Result<void> ReplaceManifest(BoardingManifest manifest);
  // Replaces the trust list (after GET /keys) and forgets the verified-voucher cache.
  void ReplaceTrustList(eticket::VoucherVerifier trust_list);

  // Applies revocations incrementally (RevocationList::Apply): returns how many were new.
  [[nodiscard]] Result<std::size_t> ApplyRevocations(std::span<const Revocation> updates);
  // The highest revocation sequence applied: ask the node for ?since=revocation_sequence().
  [[nodiscard]] std::int64_t revocation_sequence() const;

  // Check-ins made elsewhere (other gates, the node), so that this gate refuses those tickets.
  // A record for a ticket this gate already knows as checked in keeps the earlier of the two;
  // records of tickets not on the manifest are kept too (a manifest may list them later).
  // Returns how many tickets were not known as checked in before.
  std::size_t ApplyCheckins(std::span<const CheckinRecord> records);

  // The check-ins this gate made, in the order it made them, from position `from` (0-based)
  // on: a journal writer keeps its position and asks for what follows. Records applied with
  // ApplyCheckins are not among them.
  [[nodiscard]] std::vector<CheckinRecord> LocalCheckinsSince(std::size_t from) const;
  [[nodiscard]] std::size_t local_checkin_count() const;

  // The check-in that counts for `ticket` (local or synced), or nullopt.
  [[nodiscard]] std::optional<CheckinRecord> FindCheckin(const core::TicketNumber& ticket) const;

  // Forgets every check-in, the local ones included: a new service day once the journal is
  // shipped, and tests and benchmarks that admit the same tickets again.
  void ClearCheckins();

  // Replaces the check-in window (the station's setting, synced with the gate feed).
  // InvalidArgument if it is invalid; the gate keeps its window then.
  [[nodiscard]] Result<void> ReplaceWindow(CheckinWindow window);
  [[nodiscard]] GateSettings settings() const;

 private:
  // What EvaluateLocked found for one manifest ticket.
  struct Verdict {
    std::optional<RefusalReason> refusal;  // nullopt: it can check in
    const CheckinRecord* earlier = nullptr;
  };

  GateVerifier(GateSettings settings, eticket::VoucherVerifier trust_list);

  GateDecision DecideVoucherLocked(const eticket::VoucherPayload& payload, const GateContext& ctx);
  Verdict EvaluateLocked(const ManifestTicket& ticket, core::Instant now) const;
  std::optional<RevocationReason> RevokedLocked(const ManifestTicket& ticket) const;
  GateDecision RefuseLocked(const ManifestTicket& ticket, const Verdict& verdict,
                            CheckinMethod method, const GateContext& ctx) const;
  GateDecision AdmitLocked(const ManifestTicket& ticket, CheckinMethod method,
                           const GateContext& ctx);
  const CheckinRecord* CheckinLocked(const core::TicketNumber& ticket) const;
  void RecordLocked(CheckinRecord record, bool local);

  mutable std::mutex mu_;
  // Guarded by mu_ (the station and cache size never change; the window may).
  GateSettings settings_;
  // Guarded by mu_. The trust list is shared with verifications in flight outside the mutex
  // (shared_ptr: a replacement must not pull it from under them).
  std::shared_ptr<const eticket::VoucherVerifier> trust_list_;
  std::unique_ptr<internal::VerifiedVoucherCache> verified_;
  BoardingManifest manifest_;
  RevocationList revocations_;
  std::vector<CheckinRecord> checkins_;  // every check-in known, in the order learnt
  std::unordered_map<std::uint64_t, std::uint32_t> checked_in_;  // TicketKey → checkins_ index
  std::vector<std::uint32_t> local_;  // checkins_ indexes of this gate's own, in order
};

}  // namespace keyun::checkin
