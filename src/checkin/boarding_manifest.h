// The boarding manifest (乘车名单) a gate checks against: every ticket boarding at its station
// on the runs it serves, as the station's node publishes it (GET /runs/{run_id}/manifest).
//
//   Result<BoardingManifest> manifest = BoardingManifest::Build(
//       *core::StationCode::Parse("370102001"),
//       {ManifestTicket{.ticket_number = adult, .run_id = run, .boarding_stop = 0,
//                       .boarding_station = here, .seat = 12,
//                       .fare_type = eticket::FareType::kAdult,
//                       .passenger_name_masked = "欧**娜", .id_hash = hash,
//                       .departs_at = departs, .free_children = {child}},
//        ManifestTicket{.ticket_number = child, …, .seat = 0,
//                       .fare_type = eticket::FareType::kFreeChild, …}});
//   (*manifest).Find(adult);          // the adult's entry
//   (*manifest).AdultOf(child);       // the adult's entry again
//   (*manifest).FindByIdHash(hash);   // every ticket of that passenger boarding here
//
// Build checks the manifest is consistent and indexes it by ticket number and by ID hash, so a
// lookup is one hash of a 64-bit number. It does not look at time: which runs are boarding now
// is the gate's question (gate_verifier.h).
//
// Thread-safety: an immutable value once built; copies are independent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/ids.h"
#include "core/result.h"
#include "core/time.h"
#include "eticket/voucher.h"

namespace keyun::checkin {

// A ticket's state as the node last knew it. The wire value is the enumerator's value.
enum class TicketStatus : std::uint8_t {
  kActive = 0,
  kRefunded = 1,  // 已退票
  kChanged = 2,   // 已改签: moved to another run under a new ticket number
};
// "active", "refunded", "changed".
[[nodiscard]] std::string_view TicketStatusName(TicketStatus status);
// The inverse of TicketStatusName; InvalidArgument (field "status") otherwise.
[[nodiscard]] Result<TicketStatus> ParseTicketStatus(std::string_view name);

// One ticket boarding at the manifest's station.
struct ManifestTicket {
  core::TicketNumber ticket_number;
  core::RunId run_id;
  // The stop index on the run (0 = its departure station) and the station there, which is
  // the manifest's station.
  int boarding_stop = 0;
  core::StationCode boarding_station;
  // 1..eticket::kMaxSeat; 0 only for a free child (携童), who has no seat.
  int seat = 0;
  eticket::FareType fare_type = eticket::FareType::kAdult;
  std::string passenger_name_masked = {};  // core::MaskName; empty when not real-name
  // Keyed hash of the passenger's ID document (core::KeyedHasher; the manifest travels it as
  // 64 hex characters, eticket::ParseIdHashHex); absent when the ticket is not real-name.
  std::optional<eticket::IdHash> id_hash = {};
  // When the run leaves the boarding stop: the check-in window is counted back from it.
  core::Instant departs_at = {};
  TicketStatus status = TicketStatus::kActive;
  // The free children's tickets (携童, each its own real-name ticket) attached to this one;
  // they check in with it. Each must be in the manifest, a free child, on the same run and
  // boarding stop, and attached to no other ticket.
  std::vector<core::TicketNumber> free_children = {};

  bool operator==(const ManifestTicket&) const = default;
};

class BoardingManifest final {
 public:
  // An empty manifest of `station`: every voucher is refused as of an unknown run.
  explicit BoardingManifest(core::StationCode station) : station_(std::move(station)) {}

  // Checks and indexes `tickets`. InvalidArgument with field "tickets[i].<field>" if a ticket
  // boards at another station, appears twice, has a stop out of 0..eticket::kMaxStopIndex, a
  // seat inconsistent with its fare type (0 exactly for a free child), or lists a free child
  // that breaks the rules above. A node publishes consistent manifests, so an error here
  // means a bug or a corrupted sync: keep the previous manifest.
  [[nodiscard]] static Result<BoardingManifest> Build(core::StationCode station,
                                                      std::vector<ManifestTicket> tickets);

  [[nodiscard]] const core::StationCode& station() const { return station_; }
  [[nodiscard]] std::span<const ManifestTicket> tickets() const { return tickets_; }
  [[nodiscard]] std::size_t size() const { return tickets_.size(); }

  // The ticket's entry, or nullptr if it is not on the manifest. The pointer lives as long as
  // this manifest is neither moved nor destroyed.
  [[nodiscard]] const ManifestTicket* Find(const core::TicketNumber& ticket) const;
  // Whether any ticket of `run` boards here: tells "not on the manifest" from "unknown run".
  [[nodiscard]] bool HasRun(const core::RunId& run) const;
  [[nodiscard]] bool HasRun(std::string_view run_id) const;
  // The adult's entry for a free child's ticket, or nullptr if `child` is attached to none.
  [[nodiscard]] const ManifestTicket* AdultOf(const core::TicketNumber& child) const;
  // Every ticket of the passenger with this ID hash boarding here (any run, any status), in
  // manifest order; empty if none.
  [[nodiscard]] std::vector<const ManifestTicket*> FindByIdHash(const eticket::IdHash& hash) const;

 private:
  struct IdHashHasher {
    std::size_t operator()(const eticket::IdHash& hash) const noexcept;
  };
  struct StringHasher {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept {
      return std::hash<std::string_view>{}(text);
    }
  };
  static constexpr std::uint32_t kNone = UINT32_MAX;

  [[nodiscard]] const ManifestTicket* At(std::uint32_t index) const {
    return index == kNone ? nullptr : &tickets_[index];
  }

  core::StationCode station_;
  std::vector<ManifestTicket> tickets_;
  // Indexes into tickets_, so copies of the manifest stay valid.
  std::unordered_map<std::uint64_t, std::uint32_t> by_ticket_;  // key: TicketKey
  std::unordered_map<eticket::IdHash, std::vector<std::uint32_t>, IdHashHasher> by_id_hash_;
  std::unordered_set<std::string, StringHasher, std::equal_to<>> runs_;
  std::vector<std::uint32_t> adult_of_;  // parallel to tickets_; kNone unless a free child
};

}  // namespace keyun::checkin
