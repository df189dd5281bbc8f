#include "checkin/checkin_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>

#include "checkin/internal/checkin_rows.h"
#include "checkin/internal/refusals.h"

#include "core/id_document.h"
#include "core/signing_key.h"
#include "store/outbox.h"

namespace keyun::checkin {
namespace {

using internal::CheckinFromRow;
using internal::kCheckinColumns;
using internal::LoadCheckin;
using store::Value;

// The columns every ticket query selects, in this order (see ReadTicketRow).
constexpr std::string_view kTicketColumns =
    "t.ticket_id, t.ticket_number, t.run_id, t.from_index, t.from_station, t.seat, "
    "t.fare_type, t.passenger_name, t.id_hash, t.attached_to, r.departs_at";

struct StoredTicket {
  std::string ticket_id;
  ManifestTicket ticket;
  std::string fare_type;
  std::optional<std::string> attached_to;  // the adult's ticket_id
};

Result<StoredTicket> ReadTicketRow(const store::Row& row) {
  auto number = core::TicketNumber::Parse(row.Text(1));
  auto run = core::RunId::Parse(row.Text(2));
  auto station = core::StationCode::Parse(row.Text(4));
  auto hash = eticket::ParseIdHashHex(row.Text(8));
  auto fare_type = eticket::ParseFareType(row.Text(6));  // sales' keys are the voucher's names
  if (!number || !run || !station || !hash || !fare_type) {
    return Internal("ticket " + row.Text(1) + " is corrupt in the store");
  }
  return StoredTicket{
      .ticket_id = row.Text(0),
      .ticket = ManifestTicket{.ticket_number = *number,
                               .run_id = *run,
                               .boarding_stop = static_cast<int>(row.Int(3)),
                               .boarding_station = *station,
                               .seat = static_cast<int>(row.Int(5)),
                               .fare_type = *fare_type,
                               .passenger_name_masked = core::MaskName(row.Text(7)),
                               .id_hash = *hash,
                               .departs_at = core::Instant::FromUnixMicros(row.Int(10)),
                               .status = TicketStatus::kActive,
                               .free_children = {}},
      .fare_type = row.Text(6),
      .attached_to = row.OptionalText(9)};
}

Result<std::vector<StoredTicket>> QueryTickets(store::Transaction& tx, std::string_view where,
                                               std::initializer_list<Value> params) {
  std::string sql = fmt::format(
      "SELECT {} FROM tickets t JOIN runs r ON r.run_id = t.run_id WHERE t.status = 'issued' "
      "AND {} ORDER BY r.departs_at, t.ticket_number",
      kTicketColumns, where);
  auto rows = tx.Query(sql, params);
  if (!rows) return Propagate(rows);
  std::vector<StoredTicket> out;
  for (const auto& row : *rows) {
    auto t = ReadTicketRow(row);
    if (!t) return Propagate(t);
    out.push_back(std::move(*t));
  }
  return out;
}


// How a revoked ticket stands on a manifest.
TicketStatus StatusOf(RevocationReason reason) {
  return reason == RevocationReason::kRefunded ? TicketStatus::kRefunded : TicketStatus::kChanged;
}

Result<std::optional<RevocationReason>> LoadRevocation(store::Transaction& tx,
                                                       const std::string& ticket_number) {
  auto rows = tx.Query("SELECT reason FROM revocations WHERE ticket_number = $1",
                       {Value{ticket_number}});
  if (!rows) return Propagate(rows);
  if (rows->empty()) return std::optional<RevocationReason>();
  auto reason = ParseRevocationReason(rows->front().Text(0));
  if (!reason) return Propagate(reason);
  return std::optional<RevocationReason>(*reason);
}

// The tickets an attempt is about, each with its family (the free children attached to the
// adult), as of the store now, keeping only those boarding at `station`.
struct Family {
  std::vector<StoredTicket> tickets;
  std::vector<CheckinRecord> checkins;
  std::map<std::string, core::Instant> departed_runs;  // run → when it left this station
};

Result<void> AddFamilies(store::Transaction& tx, const std::vector<StoredTicket>& found,
                         const core::StationCode& station, Family& family) {
  std::set<std::string> adults;
  for (const auto& t : found) adults.insert(t.attached_to.value_or(t.ticket_id));
  std::set<std::string> seen;
  for (const auto& adult : adults) {
    auto members = QueryTickets(tx, "(t.ticket_id = $1 OR t.attached_to = $1)", {Value{adult}});
    if (!members) return Propagate(members);
    for (auto& m : *members) {
      if (m.ticket.boarding_station != station || !seen.insert(m.ticket_id).second) continue;
      family.tickets.push_back(std::move(m));
    }
  }
  // Link adults to their children, and mark revocations.
  std::map<std::string, std::size_t> by_id;
  for (std::size_t i = 0; i < family.tickets.size(); ++i) by_id[family.tickets[i].ticket_id] = i;
  std::set<std::string> runs;
  for (auto& t : family.tickets) {
    if (t.attached_to) {
      auto adult = by_id.find(*t.attached_to);
      if (adult != by_id.end()) {
        family.tickets[adult->second].ticket.free_children.push_back(t.ticket.ticket_number);
      }
    }
    auto revoked = LoadRevocation(tx, t.ticket.ticket_number.str());
    if (!revoked) return Propagate(revoked);
    if (*revoked) {
      t.ticket.status = StatusOf(**revoked);
    }
    auto checkin = LoadCheckin(tx, t.ticket.ticket_number.str());
    if (!checkin) return Propagate(checkin);
    if (*checkin) family.checkins.push_back(**checkin);
    runs.insert(t.ticket.run_id.str());
  }
  for (const auto& run : runs) {
    auto rows = tx.Query(
        "SELECT departed_at FROM run_operations WHERE run_id = $1 AND station = $2 AND "
        "departed_at IS NOT NULL",
        {Value{run}, Value{station.str()}});
    if (!rows) return Propagate(rows);
    if (!rows->empty()) {
      family.departed_runs[run] = core::Instant::FromUnixMicros(rows->front().Int(0));
    }
  }
  return {};
}

// A family whose run left this station early (before its departure time) must not check in:
// the gate rules only know the timetable, so the departed run is left off the manifest and
// the refusal made here.
std::optional<Refusal> DepartedRefusal(const Family& family, const ManifestTicket& ticket,
                                       core::Instant now) {
  auto departed = family.departed_runs.find(ticket.run_id.str());
  if (departed == family.departed_runs.end()) return std::nullopt;
  return internal::MakeRefusal(RefusalReason::kDeparted,
                               {.method = CheckinMethod::kQrCode,
                                .ticket = &ticket.ticket_number,
                                .run = ticket.run_id.str(),
                                .at = departed->second},
                               now);
}

// The outbox's `checked_in` event (DESIGN.md §5), in the check-in's own transaction.
Result<void> AppendCheckedIn(store::Transaction& tx, const CheckinRecord& record,
                             const core::StationCode& station, std::string_view source) {
  return store::AppendEvent(
      tx, store::OutboxEvent{.kind = "checked_in",
                             .subject = record.ticket_number.str(),
                             .at = record.at,
                             .fields = {{"ticket_number", record.ticket_number.str()},
                                        {"run_id", record.run_id.str()},
                                        {"station", station.str()},
                                        {"gate", record.gate_id},
                                        {"operator", record.operator_id},
                                        {"method", std::string(CheckinMethodName(record.method))},
                                        {"source", std::string(source)}}});
}

Result<void> InsertCheckin(store::Transaction& tx, const CheckinRecord& record,
                           const core::StationCode& station, bool required) {
  // The ticket must still be valid when the check-in is written, not only when it was read: a
  // refund (sales/refunds.cc) ends a ticket with the conditional write
  //   UPDATE tickets SET active = 0 … WHERE ticket_number = $1 AND status = 'issued' AND active = 1
  // and then looks for a check-in. Both sides write the ticket's row first, so the row lock
  // orders them on PostgreSQL at any isolation level (under kSerializable the later writer is
  // aborted and retried; under read committed it waits and re-reads the row), and exactly one
  // of a racing refund and check-in wins. SQLite runs one writer at a time anyway.
  auto still_valid = tx.Execute(
      "UPDATE tickets SET active = 1 WHERE ticket_number = $1 AND status = 'issued' AND "
      "active = 1",
      {Value{record.ticket_number.str()}});
  if (!still_valid) return Propagate(still_valid);
  if (*still_valid == 0) {
    if (!required) return {};  // a free child refunded on its own boards with nobody
    // Refunded or changed after our read: decide again on the new truth (it is revoked now).
    return Aborted("ticket " + record.ticket_number.str() + " was revoked concurrently");
  }
  auto inserted = tx.Execute(
      "INSERT INTO checkins (ticket_number, run_id, station, gate, operator, method, at, source) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, 'online') ON CONFLICT (ticket_number) DO NOTHING",
      {Value{record.ticket_number.str()}, Value{record.run_id.str()}, Value{station.str()},
       Value{record.gate_id}, Value{record.operator_id},
       Value{std::string(CheckinMethodName(record.method))}, Value{record.at.unix_micros()}});
  if (!inserted) return Propagate(inserted);
  // Another transaction checked the ticket in after ours read it: decide again on the new truth.
  if (*inserted == 0 && required) {
    return Aborted("ticket " + record.ticket_number.str() + " was checked in concurrently");
  }
  if (*inserted == 0) return {};
  return AppendCheckedIn(tx, record, station, "online");
}

std::string FormatScore(double score) { return fmt::format("{:.3f}", score); }

}  // namespace

std::string FaceMessageText(const FaceVerification& face) {
  return fmt::format(
      "keyun-face-v1\ndevice_id={}\nid_type={}\nid_number={}\nscore={}\nliveness={}\nnonce={}\n"
      "timestamp={}",
      face.device_id, face.id_type, face.id_number, FormatScore(face.score),
      face.liveness ? 1 : 0, face.nonce, face.timestamp.unix_micros() / 1000000);
}

CheckinService::CheckinService(store::Store& store, const eticket::IssuerKeyStore& keys,
                               const core::KeyedHasher& hasher, const core::Clock& clock,
                               CheckinPolicy policy)
    : store_(store), keys_(keys), hasher_(hasher), clock_(clock), policy_(policy) {}

Result<CheckinService::FaceOutcome> CheckinService::VerifyFace(const CheckinRequest& request) {
  if (!request.face) return InvalidArgument("a face check-in needs the terminal's message", "face");
  const FaceVerification& face = *request.face;
  if (face.device_id.empty()) return InvalidArgument("face.device_id is required", "face.device_id");
  if (face.nonce.size() < 8 || face.nonce.size() > 64) {
    return InvalidArgument("face.nonce must be 8 to 64 characters, unique per message",
                           "face.nonce");
  }
  auto device = store_.Transact<store::Rows>(
      [&](store::Transaction& tx) {
        return tx.Query("SELECT station, public_key, active FROM gate_devices WHERE device_id = $1",
                        {Value{face.device_id}});
      },
      {.read_only = true});
  if (!device) return Propagate(device);
  if (device->empty()) {
    return PermissionDenied("face terminal " + face.device_id +
                            " is not registered: the station manager registers it with "
                            "POST /api/v1/gate-devices; meanwhile use the manual lane");
  }
  const store::Row& d = device->front();
  if (d.Int(2) == 0) {
    return PermissionDenied("face terminal " + face.device_id +
                            " is deactivated; use the manual lane");
  }
  if (d.Text(0) != request.station.str()) {
    return PermissionDenied("face terminal " + face.device_id + " belongs to station " +
                            d.Text(0) + ", not " + request.station.str());
  }
  if (auto ok = core::VerifySignatureHex(d.Text(1), FaceMessageText(face), face.signature); !ok) {
    return PermissionDenied("the face terminal's message from " + face.device_id +
                            " is not signed by its registered key (" + ok.error().message +
                            "); use the manual lane");
  }
  core::Instant now = clock_.Now();
  auto skew = std::chrono::microseconds(std::abs(now.unix_micros() - face.timestamp.unix_micros()));
  if (skew > policy_.face_max_skew) {
    return FailedPrecondition("the face message's timestamp " + face.timestamp.ToIso8601() +
                                  " is too far from the node's time " + now.ToIso8601() +
                                  ": check the terminal's clock; use the manual lane",
                              "face.timestamp");
  }
  // The nonce is used up whatever the decision, in its own transaction.
  auto used = store_.Transact<std::int64_t>([&](store::Transaction& tx) {
    return tx.Execute(
        "INSERT INTO gate_device_nonces (device_id, nonce, at) VALUES ($1, $2, $3) "
        "ON CONFLICT (device_id, nonce) DO NOTHING",
        {Value{face.device_id}, Value{face.nonce}, Value{now.unix_micros()}});
  });
  if (!used) return Propagate(used);
  if (*used == 0) {
    return AlreadyExists("this face message (nonce " + face.nonce +
                             ") was used before: a replay is refused; verify again",
                         "face.nonce");
  }
  // A face that does not match (or is not alive) is the gate's decision, not an error: the
  // operator sends the passenger to the manual lane.
  if (!face.liveness || face.score < policy_.face_threshold) {
    const std::string score = face.liveness ? FormatScore(face.score) : std::string();
    const std::string threshold = FormatScore(policy_.face_threshold);
    return FaceOutcome{.refusal = internal::MakeRefusal(
                           RefusalReason::kFaceNotVerified,
                           {.method = CheckinMethod::kFace, .face_score = score,
                            .face_threshold = threshold,
                            .detail = "device " + face.device_id +
                                      (face.liveness ? ", score " + FormatScore(face.score)
                                                     : ", liveness failed")},
                           now)};
  }
  auto type = core::ParseIdType(face.id_type);
  if (!type) return InvalidArgument(type.error().message, "face.id_type");
  auto document = core::IdDocument::Parse(*type, face.id_number, now.ShanghaiDate());
  if (!document) return tl::unexpected(WithField(document.error(), "face.id_number"));
  return FaceOutcome{.id_hash = hasher_.HashIdDocument(*document)};
}

Result<GateDecision> CheckinService::CheckIn(const CheckinRequest& request) {
  if (request.gate.empty() || request.gate.size() > 16) {
    return InvalidArgument("gate must be 1 to 16 characters, as the gate's sign shows it", "gate");
  }
  if (request.operator_id.empty()) return InvalidArgument("operator is required", "operator");
  if (auto valid = policy_.window.Validate(); !valid) return Propagate(valid);

  std::string id_hash;  // for swipes and faces
  if (request.method == CheckinMethod::kQrCode) {
    if (request.voucher_text.empty()) {
      return InZh(InvalidArgument("a QR check-in needs the scanned voucher text", "voucher"),
                  "扫码检票需要扫描到的凭证内容，请重新扫码");
    }
  } else if (request.method == CheckinMethod::kIdCard) {
    if (request.id_number.empty()) {
      return InZh(InvalidArgument("an ID card check-in needs the card's number", "id_number"),
                  "刷证检票需要身份证号码，请重新刷证");
    }
    auto type = core::ParseIdType(request.id_type);
    if (!type) return InvalidArgument(type.error().message, "id_type");
    auto document = core::IdDocument::Parse(*type, request.id_number, clock_.Now().ShanghaiDate());
    if (!document) return tl::unexpected(WithField(document.error(), "id_number"));
    id_hash = hasher_.HashIdDocument(*document);
  } else {
    auto face = VerifyFace(request);
    if (!face) return Propagate(face);
    if (face->refusal) return GateDecision(std::move(*face->refusal));
    id_hash = std::move(face->id_hash);
  }

  std::shared_ptr<const eticket::VoucherVerifier> trust = keys_.Verifier();
  std::optional<eticket::VoucherPayload> payload;
  if (request.method == CheckinMethod::kQrCode) {
    auto verified = trust->Verify(request.voucher_text);
    if (verified) {
      payload = std::move(*verified);
    } else {
      // Damaged, forged or of an unknown key: refused with the gate's words, no store needed.
      auto gate = GateVerifier::Create(
          GateSettings{.station = request.station, .window = policy_.window,
                       .verified_cache_entries = 0},
          *trust);
      if (!gate) return Propagate(gate);
      return (*gate)->CheckVoucher(request.voucher_text,
                                   GateContext{.gate_id = request.gate,
                                               .operator_id = request.operator_id,
                                               .now = clock_.Now()});
    }
  }

  return store_.Transact<GateDecision>([&](store::Transaction& tx) -> Result<GateDecision> {
    core::Instant now = clock_.Now();
    GateContext ctx{.gate_id = request.gate, .operator_id = request.operator_id, .now = now};
    Family family;
    if (payload || !id_hash.empty()) {
      Result<std::vector<StoredTicket>> found =
          payload ? QueryTickets(tx, "t.ticket_number = $1", {Value{payload->ticket_number.str()}})
                  : QueryTickets(tx,
                                 "t.id_hash = $1 AND t.from_station = $2 AND r.departs_at "
                                 "BETWEEN $3 AND $4",
                                 {Value{id_hash}, Value{request.station.str()},
                                  Value{(now - policy_.id_lookback).unix_micros()},
                                  Value{(now + policy_.id_lookahead).unix_micros()}});
      if (!found) return Propagate(found);
      if (auto added = AddFamilies(tx, *found, request.station, family); !added) {
        return Propagate(added);
      }
    }
    // Runs that left early are refused here; the rest go to the gate rules.
    std::vector<ManifestTicket> tickets;
    std::optional<Refusal> departed;
    for (const auto& t : family.tickets) {
      if (auto refusal = DepartedRefusal(family, t.ticket, now)) {
        if (!departed) departed = std::move(refusal);
        continue;
      }
      tickets.push_back(t.ticket);
    }
    if (departed && (tickets.empty() || (payload && !std::any_of(tickets.begin(), tickets.end(),
                                                                 [&](const ManifestTicket& m) {
                                                                   return m.ticket_number ==
                                                                          payload->ticket_number;
                                                                 })))) {
      return GateDecision(std::move(*departed));
    }
    // Children whose adult was left off cannot be linked: drop dangling references.
    for (auto& t : tickets) {
      std::erase_if(t.free_children, [&](const core::TicketNumber& child) {
        return std::none_of(tickets.begin(), tickets.end(),
                            [&](const ManifestTicket& m) { return m.ticket_number == child; });
      });
    }
    auto manifest = BoardingManifest::Build(request.station, std::move(tickets));
    if (!manifest) return Internal("the store's tickets make no manifest: " + manifest.error().message);
    auto window = internal::StationWindow(tx, request.station, policy_.window);
    if (!window) return Propagate(window);
    auto gate = GateVerifier::Create(
        GateSettings{.station = request.station, .window = *window,
                     .verified_cache_entries = 0},
        *trust);
    if (!gate) return Propagate(gate);
    if (auto replaced = (*gate)->ReplaceManifest(std::move(*manifest)); !replaced) {
      return Propagate(replaced);
    }
    (*gate)->ApplyCheckins(family.checkins);

    GateDecision decision = GateDecision(Refusal{});
    if (payload) {
      decision = (*gate)->CheckVerifiedVoucher(*payload, ctx);
    } else {
      auto hash = eticket::ParseIdHashHex(id_hash);
      if (!hash) return Internal("the node's ID hash is malformed: " + hash.error().message);
      decision = (*gate)->CheckIdHash(*hash, request.method, ctx);
    }
    if (!decision.accepted()) {
      // Online the store is the whole manifest: a genuine voucher whose ticket it lacks (a
      // released hold, another node's ticket) is not on it, rather than of an unsynced run.
      if (payload && decision.reason() == RefusalReason::kUnknownRun) {
        return GateDecision(internal::MakeRefusal(
            RefusalReason::kNotInManifest,
            {.method = request.method, .ticket = &payload->ticket_number,
             .run = payload->run.str()},
            now));
      }
      return decision;
    }
    const Admission& admitted = decision.admission();
    if (auto inserted = InsertCheckin(tx, admitted.record, request.station, true); !inserted) {
      return Propagate(inserted);
    }
    for (const auto& child : admitted.free_children) {
      CheckinRecord record = admitted.record;
      record.ticket_number = child.ticket_number;
      if (auto inserted = InsertCheckin(tx, record, request.station, false); !inserted) {
        return Propagate(inserted);
      }
    }
    return decision;
  });
}


Result<std::vector<Revocation>> CheckinService::Revocations(std::int64_t since, int limit) {
  if (since < 0) return InvalidArgument("since must be 0 or a sequence number", "since");
  return store_.Transact<std::vector<Revocation>>(
      [&](store::Transaction& tx) { return eticket::ReadRevocations(tx, since, limit); },
      {.read_only = true});
}

Result<void> CheckinService::RegisterGateDevice(const std::string& device_id,
                                                const core::StationCode& station,
                                                const std::string& public_key_hex,
                                                const std::string& registered_by) {
  if (device_id.empty() || device_id.size() > 64) {
    return InvalidArgument("device_id must be 1 to 64 characters", "device_id");
  }
  if (public_key_hex.size() != 64 ||
      !std::all_of(public_key_hex.begin(), public_key_hex.end(),
                   [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; })) {
    return InvalidArgument("public_key must be the terminal's Ed25519 public key as 64 hex "
                           "characters",
                           "public_key");
  }
  return store_.RunTransaction([&](store::Transaction& tx) -> Result<void> {
    auto rows = tx.Query("SELECT station FROM gate_devices WHERE device_id = $1",
                         {Value{device_id}});
    if (!rows) return Propagate(rows);
    if (!rows->empty() && rows->front().Text(0) != station.str()) {
      return FailedPrecondition("device " + device_id + " is registered to station " +
                                    rows->front().Text(0) + "; choose another device_id",
                                "device_id");
    }
    auto written = tx.Execute(
        "INSERT INTO gate_devices (device_id, station, public_key, active, registered_at, "
        "registered_by) VALUES ($1, $2, $3, 1, $4, $5) ON CONFLICT (device_id) DO UPDATE SET "
        "public_key = excluded.public_key, active = 1, registered_at = excluded.registered_at, "
        "registered_by = excluded.registered_by",
        {Value{device_id}, Value{station.str()}, Value{public_key_hex},
         Value{clock_.Now().unix_micros()}, Value{registered_by}});
    if (!written) return Propagate(written);
    return {};
  });
}

Result<void> CheckinService::DeactivateGateDevice(const std::string& device_id) {
  return store_.RunTransaction([&](store::Transaction& tx) -> Result<void> {
    auto updated = tx.Execute("UPDATE gate_devices SET active = 0 WHERE device_id = $1",
                              {Value{device_id}});
    if (!updated) return Propagate(updated);
    if (*updated == 0) return NotFound("no gate device " + device_id, "device_id");
    return {};
  });
}

Result<CheckinService::GateSnapshot> CheckinService::GateSnapshotFor(
    const core::StationCode& station, std::chrono::hours hours, std::int64_t revocations_since) {
  if (hours.count() < 1 || hours.count() > 48) {
    return InvalidArgument("hours must be 1 to 48", "hours");
  }
  core::Instant now = clock_.Now();
  const std::int64_t from = (now - std::chrono::hours(1)).unix_micros();
  const std::int64_t to = (now + hours).unix_micros();
  return store_.Transact<GateSnapshot>(
      [&](store::Transaction& tx) -> Result<GateSnapshot> {
        auto window = internal::StationWindow(tx, station, policy_.window);
        if (!window) return Propagate(window);
        GateSnapshot snapshot{.generated_at = now, .window = *window, .tickets = {},
                              .checkins = {}, .revocations = {}};
        auto found = QueryTickets(tx, "t.from_station = $1 AND r.departs_at BETWEEN $2 AND $3",
                                  {Value{station.str()}, Value{from}, Value{to}});
        if (!found) return Propagate(found);
        std::map<std::string, std::size_t> by_id;
        for (std::size_t i = 0; i < found->size(); ++i) by_id[(*found)[i].ticket_id] = i;
        for (auto& t : *found) {
          if (!t.attached_to) continue;
          auto adult = by_id.find(*t.attached_to);
          if (adult != by_id.end()) {
            (*found)[adult->second].ticket.free_children.push_back(t.ticket.ticket_number);
          }
        }
        auto revoked = tx.Query(
            "SELECT v.ticket_number, v.reason FROM revocations v JOIN tickets t ON "
            "t.ticket_number = v.ticket_number JOIN runs r ON r.run_id = t.run_id WHERE "
            "t.from_station = $1 AND r.departs_at BETWEEN $2 AND $3",
            {Value{station.str()}, Value{from}, Value{to}});
        if (!revoked) return Propagate(revoked);
        std::map<std::string, TicketStatus> status;
        for (const auto& row : *revoked) {
          auto reason = ParseRevocationReason(row.Text(1));
          if (!reason) return Propagate(reason);
          status[row.Text(0)] = StatusOf(*reason);
        }
        for (auto& t : *found) {
          if (auto it = status.find(t.ticket.ticket_number.str()); it != status.end()) {
            t.ticket.status = it->second;
          }
          snapshot.tickets.push_back(std::move(t.ticket));
        }
        auto checked = tx.Query(
            fmt::format("SELECT {} FROM checkins WHERE station = $1 AND run_id IN (SELECT "
                        "run_id FROM runs WHERE departs_at BETWEEN $2 AND $3) ORDER BY at",
                        kCheckinColumns),
            {Value{station.str()}, Value{from}, Value{to}});
        if (!checked) return Propagate(checked);
        for (const auto& row : *checked) {
          auto record = CheckinFromRow(row);
          if (!record) return Propagate(record);
          snapshot.checkins.push_back(std::move(*record));
        }
        auto revocations = eticket::ReadRevocations(tx, revocations_since, 100000);
        if (!revocations) return Propagate(revocations);
        snapshot.revocations = std::move(*revocations);
        return snapshot;
      },
      {.read_only = true});
}

Result<CheckinService::JournalOutcome> CheckinService::ApplyJournal(
    const core::StationCode& station, std::span<const CheckinRecord> records) {
  if (records.size() > 10000) {
    return InvalidArgument("push at most 10,000 journal records at a time", "records");
  }
  return store_.Transact<JournalOutcome>([&](store::Transaction& tx) -> Result<JournalOutcome> {
    JournalOutcome outcome;
    for (const CheckinRecord& record : records) {
      const std::string number = record.ticket_number.str();
      auto ticket = tx.Query(
          "SELECT run_id, from_station FROM tickets WHERE ticket_number = $1 AND status = "
          "'issued'",
          {Value{number}});
      if (!ticket) return Propagate(ticket);
      if (ticket->empty()) {
        outcome.rejected.push_back("ticket " + number + ": no such issued ticket");
        continue;
      }
      if (ticket->front().Text(1) != station.str() ||
          ticket->front().Text(0) != record.run_id.str()) {
        outcome.rejected.push_back("ticket " + number + ": does not board here on run " +
                                   record.run_id.str());
        continue;
      }
      auto existing = LoadCheckin(tx, number);
      if (!existing) return Propagate(existing);
      if (*existing) {
        if (**existing == record) {
          ++outcome.duplicates;
        } else {
          outcome.conflicts.emplace_back(**existing, record);
        }
        continue;
      }
      auto inserted = tx.Execute(
          "INSERT INTO checkins (ticket_number, run_id, station, gate, operator, method, at, "
          "source) VALUES ($1, $2, $3, $4, $5, $6, $7, 'offline-journal')",
          {Value{number}, Value{record.run_id.str()}, Value{station.str()}, Value{record.gate_id},
           Value{record.operator_id}, Value{std::string(CheckinMethodName(record.method))},
           Value{record.at.unix_micros()}});
      if (!inserted) return Propagate(inserted);
      if (auto event = AppendCheckedIn(tx, record, station, "offline-journal"); !event) {
        return Propagate(event);
      }
      ++outcome.applied;
    }
    return outcome;
  });
}

}  // namespace keyun::checkin
