#include "checkin/gate_verifier.h"

#include <fmt/format.h>

#include <tuple>

#include "checkin/internal/refusals.h"
#include "checkin/internal/ticket_key.h"
#include "checkin/internal/verified_voucher_cache.h"

namespace keyun::checkin {
namespace {

using internal::MakeRefusal;
using internal::RefusalFacts;
using internal::TicketKey;

// eticket::VoucherVerifier::Verify's message for a key outside the trust list; its other
// FailedPrecondition is a signature that does not match. Pinned by gate_verifier_test.
constexpr std::string_view kUnknownKeyPrefix = "signed by an unknown key ";

// A refusal for a voucher that did not verify: its contents cannot be trusted, so the refusal
// names no ticket.
GateDecision RefuseUnverified(const Error& error, core::Instant now) {
  RefusalFacts facts{.method = CheckinMethod::kQrCode, .detail = error.message};
  RefusalReason reason = RefusalReason::kForged;
  if (error.code == ErrorCode::kInvalidArgument) {
    reason = RefusalReason::kDamaged;
  } else if (std::string_view(error.message).starts_with(kUnknownKeyPrefix)) {
    reason = RefusalReason::kUnknownKey;
    facts.key_id = std::string_view(error.message).substr(kUnknownKeyPrefix.size());
  }
  return GateDecision(MakeRefusal(reason, std::move(facts), now));
}

RevocationReason ToRevocation(TicketStatus status) {
  return status == TicketStatus::kChanged ? RevocationReason::kChanged
                                          : RevocationReason::kRefunded;
}

RefusalReason ToRefusal(RevocationReason reason) {
  return reason == RevocationReason::kChanged ? RefusalReason::kChanged : RefusalReason::kRefunded;
}

}  // namespace

Result<void> CheckinWindow::Validate() const {
  using std::chrono::hours;
  using std::chrono::minutes;
  if (closes_before < minutes(0) || closes_before >= opens_before || opens_before > hours(24)) {
    return InvalidArgument(
        fmt::format("the check-in window must open before it closes, within 24 h of departure "
                    "(opens {} min, closes {} min before)",
                    opens_before.count(), closes_before.count()),
        "window");
  }
  return {};
}

GateVerifier::GateVerifier(GateSettings settings, eticket::VoucherVerifier trust_list)
    : settings_(std::move(settings)),
      trust_list_(std::make_shared<const eticket::VoucherVerifier>(std::move(trust_list))),
      verified_(std::make_unique<internal::VerifiedVoucherCache>(settings_.verified_cache_entries)),
      manifest_(settings_.station) {}

GateVerifier::~GateVerifier() = default;

Result<std::unique_ptr<GateVerifier>> GateVerifier::Create(GateSettings settings,
                                                           eticket::VoucherVerifier trust_list) {
  if (Result<void> window = settings.window.Validate(); !window) return Propagate(window);
  return std::unique_ptr<GateVerifier>(
      new GateVerifier(std::move(settings), std::move(trust_list)));
}

// ---- checking ---------------------------------------------------------------------------------

GateDecision GateVerifier::CheckVoucher(std::string_view text, const GateContext& ctx) {
  std::shared_ptr<const eticket::VoucherVerifier> trust;
  {
    std::lock_guard lock(mu_);
    if (const eticket::VoucherPayload* seen = verified_->Find(text)) {
      return DecideVoucherLocked(*seen, ctx);
    }
    trust = trust_list_;
  }
  // The signature check dominates; it runs on the snapshot, outside the mutex.
  Result<eticket::VoucherPayload> payload = trust->Verify(text);
  if (!payload) return RefuseUnverified(payload.error(), ctx.now);
  std::lock_guard lock(mu_);
  // Cached only under the trust list it verified with: a replacement may have dropped its key.
  if (trust == trust_list_) verified_->Insert(text, *payload);
  return DecideVoucherLocked(*payload, ctx);
}

GateDecision GateVerifier::CheckVerifiedVoucher(const eticket::VoucherPayload& payload,
                                                const GateContext& ctx) {
  std::lock_guard lock(mu_);
  return DecideVoucherLocked(payload, ctx);
}

GateDecision GateVerifier::DecideVoucherLocked(const eticket::VoucherPayload& p,
                                               const GateContext& ctx) {
  const auto refuse = [&](RefusalReason reason, RefusalFacts facts) {
    facts.ticket = &p.ticket_number;
    return GateDecision(MakeRefusal(reason, std::move(facts), ctx.now));
  };
  if (ctx.now < p.valid_from) return refuse(RefusalReason::kNotYetValid, {.at = p.valid_from});
  if (ctx.now >= p.valid_until) return refuse(RefusalReason::kExpired, {.at = p.valid_until});
  if (p.boarding_station != settings_.station) {
    return refuse(RefusalReason::kWrongStation, {.station = p.boarding_station.str()});
  }
  const ManifestTicket* ticket = manifest_.Find(p.ticket_number);
  std::optional<RevocationReason> revoked = revocations_.Find(p.ticket_number);
  if (!revoked && ticket != nullptr && ticket->status != TicketStatus::kActive) {
    revoked = ToRevocation(ticket->status);
  }
  if (revoked) return refuse(ToRefusal(*revoked), {});
  if (ticket == nullptr) {
    return refuse(
        manifest_.HasRun(p.run) ? RefusalReason::kNotInManifest : RefusalReason::kUnknownRun,
        {.run = p.run.str()});
  }
  if (ticket->run_id != p.run || ticket->boarding_stop != p.boarding_stop) {
    return refuse(RefusalReason::kWrongRun,
                  {.run = ticket->run_id.str(), .other_run = p.run.str()});
  }
  const Verdict verdict = EvaluateLocked(*ticket, ctx.now);
  if (verdict.refusal) return RefuseLocked(*ticket, verdict, CheckinMethod::kQrCode, ctx);
  return AdmitLocked(*ticket, CheckinMethod::kQrCode, ctx);
}

GateDecision GateVerifier::CheckIdNumber(std::string_view id_hash_hex, const GateContext& ctx) {
  Result<eticket::IdHash> hash = eticket::ParseIdHashHex(id_hash_hex);
  if (!hash) {
    return GateDecision(MakeRefusal(
        RefusalReason::kDamaged,
        {.method = CheckinMethod::kIdCard, .detail = "the ID hash is not 64 hex characters"},
        ctx.now));
  }
  return CheckIdHash(*hash, CheckinMethod::kIdCard, ctx);
}

GateDecision GateVerifier::CheckIdHash(const eticket::IdHash& id_hash, CheckinMethod method,
                                       const GateContext& ctx) {
  std::lock_guard lock(mu_);
  const std::vector<const ManifestTicket*> tickets = manifest_.FindByIdHash(id_hash);
  // The ticket that can check in now, else the one whose refusal tells the passenger most:
  // ranked by (refused, revoked, departed, departure: soonest ahead or latest behind).
  const ManifestTicket* best = nullptr;
  Verdict best_verdict;
  std::tuple<bool, bool, bool, std::int64_t> best_rank;
  for (const ManifestTicket* ticket : tickets) {
    Verdict verdict = EvaluateLocked(*ticket, ctx.now);
    const bool revoked =
        verdict.refusal == RefusalReason::kRefunded || verdict.refusal == RefusalReason::kChanged;
    const bool departed = ctx.now >= ticket->departs_at;
    const std::int64_t micros = ticket->departs_at.unix_micros();
    const auto rank =
        std::tuple(verdict.refusal.has_value(), revoked, departed, departed ? -micros : micros);
    if (best == nullptr || rank < best_rank) {
      best = ticket;
      best_verdict = verdict;
      best_rank = rank;
    }
  }
  if (best == nullptr) {
    return GateDecision(MakeRefusal(RefusalReason::kNoTicket, {.method = method}, ctx.now));
  }
  if (best_verdict.refusal) return RefuseLocked(*best, best_verdict, method, ctx);
  return AdmitLocked(*best, method, ctx);
}

std::optional<RevocationReason> GateVerifier::RevokedLocked(const ManifestTicket& ticket) const {
  if (std::optional<RevocationReason> listed = revocations_.Find(ticket.ticket_number)) {
    return listed;
  }
  if (ticket.status != TicketStatus::kActive) return ToRevocation(ticket.status);
  return std::nullopt;
}

GateVerifier::Verdict GateVerifier::EvaluateLocked(const ManifestTicket& ticket,
                                                   core::Instant now) const {
  if (std::optional<RevocationReason> revoked = RevokedLocked(ticket)) {
    return {.refusal = ToRefusal(*revoked)};
  }
  if (const CheckinRecord* earlier = CheckinLocked(ticket.ticket_number)) {
    return {.refusal = RefusalReason::kAlreadyCheckedIn, .earlier = earlier};
  }
  const CheckinWindow& window = settings_.window;
  if (now < window.OpensAt(ticket.departs_at)) return {.refusal = RefusalReason::kTooEarly};
  if (now >= ticket.departs_at) return {.refusal = RefusalReason::kDeparted};
  if (now >= window.ClosesAt(ticket.departs_at)) return {.refusal = RefusalReason::kCheckinClosed};
  if (ticket.fare_type == eticket::FareType::kFreeChild) {
    return {.refusal = RefusalReason::kFreeChildAlone};
  }
  return {};
}

GateDecision GateVerifier::RefuseLocked(const ManifestTicket& ticket, const Verdict& verdict,
                                        CheckinMethod method, const GateContext& ctx) const {
  RefusalFacts facts{.method = method, .ticket = &ticket.ticket_number, .run = ticket.run_id.str()};
  switch (*verdict.refusal) {
    case RefusalReason::kAlreadyCheckedIn:
      facts.earlier = verdict.earlier;
      break;
    case RefusalReason::kTooEarly:
      facts.at = settings_.window.OpensAt(ticket.departs_at);
      break;
    case RefusalReason::kCheckinClosed:
      facts.at = ticket.departs_at;
      facts.closes_minutes = static_cast<int>(settings_.window.closes_before.count());
      break;
    case RefusalReason::kDeparted:
      facts.at = ticket.departs_at;
      break;
    case RefusalReason::kFreeChildAlone:
      if (const ManifestTicket* adult = manifest_.AdultOf(ticket.ticket_number)) {
        facts.adult = &adult->ticket_number;
      }
      break;
    default:
      break;
  }
  return GateDecision(MakeRefusal(*verdict.refusal, std::move(facts), ctx.now));
}

GateDecision GateVerifier::AdmitLocked(const ManifestTicket& ticket, CheckinMethod method,
                                       const GateContext& ctx) {
  const auto record_of = [&](const ManifestTicket& t) {
    return CheckinRecord{.ticket_number = t.ticket_number,
                         .run_id = t.run_id,
                         .gate_id = ctx.gate_id,
                         .operator_id = ctx.operator_id,
                         .method = method,
                         .at = ctx.now};
  };
  Admission admission{.ticket_number = ticket.ticket_number,
                      .run_id = ticket.run_id,
                      .seat = ticket.seat,
                      .fare_type = ticket.fare_type,
                      .passenger_name_masked = ticket.passenger_name_masked,
                      .departs_at = ticket.departs_at,
                      .record = record_of(ticket)};
  RecordLocked(admission.record, /*local=*/true);
  for (const core::TicketNumber& number : ticket.free_children) {
    const ManifestTicket* child = manifest_.Find(number);  // BoardingManifest::Build checked
    if (child == nullptr || RevokedLocked(*child) || CheckinLocked(number) != nullptr) continue;
    RecordLocked(record_of(*child), /*local=*/true);
    admission.free_children.push_back(
        AdmittedChild{.ticket_number = child->ticket_number,
                      .passenger_name_masked = child->passenger_name_masked});
  }
  return GateDecision(std::move(admission));
}

const CheckinRecord* GateVerifier::CheckinLocked(const core::TicketNumber& ticket) const {
  const auto it = checked_in_.find(TicketKey(ticket));
  return it == checked_in_.end() ? nullptr : &checkins_[it->second];
}

void GateVerifier::RecordLocked(CheckinRecord record, bool local) {
  const auto index = static_cast<std::uint32_t>(checkins_.size());
  checked_in_.insert_or_assign(TicketKey(record.ticket_number), index);
  checkins_.push_back(std::move(record));
  if (local) local_.push_back(index);
}

// ---- what the gate holds ----------------------------------------------------------------------

Result<void> GateVerifier::ReplaceManifest(BoardingManifest manifest) {
  if (manifest.station() != settings_.station) {
    return FailedPrecondition(fmt::format("the manifest is station {}'s; this gate is at {}",
                                          manifest.station().str(), settings_.station.str()),
                              "manifest");
  }
  std::lock_guard lock(mu_);
  manifest_ = std::move(manifest);
  return {};
}

Result<void> GateVerifier::ReplaceWindow(CheckinWindow window) {
  if (auto valid = window.Validate(); !valid) return valid;
  std::lock_guard lock(mu_);
  settings_.window = window;
  return {};
}

GateSettings GateVerifier::settings() const {
  std::lock_guard lock(mu_);
  return settings_;
}

void GateVerifier::ReplaceTrustList(eticket::VoucherVerifier trust_list) {
  auto replacement = std::make_shared<const eticket::VoucherVerifier>(std::move(trust_list));
  std::lock_guard lock(mu_);
  trust_list_ = std::move(replacement);
  verified_->Clear();
}

Result<std::size_t> GateVerifier::ApplyRevocations(std::span<const Revocation> updates) {
  std::lock_guard lock(mu_);
  return revocations_.Apply(updates);
}

std::int64_t GateVerifier::revocation_sequence() const {
  std::lock_guard lock(mu_);
  return revocations_.sequence();
}

std::size_t GateVerifier::ApplyCheckins(std::span<const CheckinRecord> records) {
  std::lock_guard lock(mu_);
  std::size_t added = 0;
  for (const CheckinRecord& record : records) {
    const auto it = checked_in_.find(TicketKey(record.ticket_number));
    if (it == checked_in_.end()) {
      RecordLocked(record, /*local=*/false);
      ++added;
    } else if (record.at < checkins_[it->second].at) {
      RecordLocked(record, /*local=*/false);  // the earlier check-in is the one that counts
    }
  }
  return added;
}

std::vector<CheckinRecord> GateVerifier::LocalCheckinsSince(std::size_t from) const {
  std::lock_guard lock(mu_);
  std::vector<CheckinRecord> records;
  for (std::size_t i = from; i < local_.size(); ++i) records.push_back(checkins_[local_[i]]);
  return records;
}

std::size_t GateVerifier::local_checkin_count() const {
  std::lock_guard lock(mu_);
  return local_.size();
}

std::optional<CheckinRecord> GateVerifier::FindCheckin(const core::TicketNumber& ticket) const {
  std::lock_guard lock(mu_);
  const CheckinRecord* record = CheckinLocked(ticket);
  if (record == nullptr) return std::nullopt;
  return *record;
}

void GateVerifier::ClearCheckins() {
  std::lock_guard lock(mu_);
  checkins_.clear();
  checked_in_.clear();
  local_.clear();
}

}  // namespace keyun::checkin
