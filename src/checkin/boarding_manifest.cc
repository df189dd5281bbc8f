#include "checkin/boarding_manifest.h"

#include <fmt/format.h>

#include <array>
#include <cstring>

#include "checkin/internal/ticket_key.h"

namespace keyun::checkin {
namespace {

using internal::TicketKey;

constexpr std::array<std::string_view, 3> kStatusNames = {"active", "refunded", "changed"};

std::string Field(std::size_t i, std::string_view field) {
  return fmt::format("tickets[{}].{}", i, field);
}

}  // namespace

std::string_view TicketStatusName(TicketStatus status) {
  const auto i = static_cast<std::size_t>(status);
  return i < kStatusNames.size() ? kStatusNames[i] : "unknown";
}

Result<TicketStatus> ParseTicketStatus(std::string_view name) {
  for (std::size_t i = 0; i < kStatusNames.size(); ++i) {
    if (kStatusNames[i] == name) return static_cast<TicketStatus>(i);
  }
  return InvalidArgument(
      fmt::format("ticket status \"{}\" is not one of active, refunded, changed", name), "status");
}

std::size_t BoardingManifest::IdHashHasher::operator()(const eticket::IdHash& hash) const noexcept {
  // The hash is already a keyed BLAKE2b output: any 8 of its bytes are uniformly distributed.
  std::size_t h;
  std::memcpy(&h, hash.data(), sizeof h);
  return h;
}

Result<BoardingManifest> BoardingManifest::Build(core::StationCode station,
                                                 std::vector<ManifestTicket> tickets) {
  if (tickets.size() >= kNone)
    return InvalidArgument("too many tickets in one manifest", "tickets");
  BoardingManifest m(std::move(station));
  m.by_ticket_.reserve(tickets.size());
  m.adult_of_.assign(tickets.size(), kNone);
  for (std::size_t i = 0; i < tickets.size(); ++i) {
    const ManifestTicket& t = tickets[i];
    if (t.boarding_station != m.station_) {
      return InvalidArgument(
          fmt::format("ticket {} boards at station {}, not at {}", t.ticket_number.str(),
                      t.boarding_station.str(), m.station_.str()),
          Field(i, "boarding_station"));
    }
    if (t.boarding_stop < 0 || t.boarding_stop > eticket::kMaxStopIndex) {
      return InvalidArgument(
          fmt::format("ticket {}: boarding stop {} is out of 0..{}", t.ticket_number.str(),
                      t.boarding_stop, eticket::kMaxStopIndex),
          Field(i, "boarding_stop"));
    }
    const bool free_child = t.fare_type == eticket::FareType::kFreeChild;
    if (t.seat < 0 || t.seat > eticket::kMaxSeat || free_child != (t.seat == 0)) {
      return InvalidArgument(
          fmt::format("ticket {}: seat {} does not fit fare type {}", t.ticket_number.str(), t.seat,
                      eticket::FareTypeName(t.fare_type)),
          Field(i, "seat"));
    }
    if (!m.by_ticket_.emplace(TicketKey(t.ticket_number), static_cast<std::uint32_t>(i)).second) {
      return InvalidArgument(
          fmt::format("ticket {} appears twice in the manifest", t.ticket_number.str()),
          Field(i, "ticket_number"));
    }
    if (t.id_hash) m.by_id_hash_[*t.id_hash].push_back(static_cast<std::uint32_t>(i));
    if (!m.runs_.contains(t.run_id.str())) m.runs_.insert(t.run_id.str());
  }
  // Free children, once every ticket is indexed.
  for (std::size_t i = 0; i < tickets.size(); ++i) {
    const ManifestTicket& adult = tickets[i];
    if (!adult.free_children.empty() && adult.fare_type == eticket::FareType::kFreeChild) {
      return InvalidArgument(fmt::format("free child {} cannot have free children of its own",
                                         adult.ticket_number.str()),
                             Field(i, "free_children"));
    }
    for (const core::TicketNumber& number : adult.free_children) {
      const auto it = m.by_ticket_.find(TicketKey(number));
      const ManifestTicket* child = it == m.by_ticket_.end() ? nullptr : &tickets[it->second];
      if (child == nullptr || child->fare_type != eticket::FareType::kFreeChild ||
          child->run_id != adult.run_id || child->boarding_stop != adult.boarding_stop) {
        return InvalidArgument(
            fmt::format("ticket {} lists {} as its free child, which is not a free child's "
                        "ticket in this manifest on the same run and stop",
                        adult.ticket_number.str(), number.str()),
            Field(i, "free_children"));
      }
      if (m.adult_of_[it->second] != kNone) {
        return InvalidArgument(
            fmt::format("free child {} is attached to two tickets", number.str()),
            Field(i, "free_children"));
      }
      m.adult_of_[it->second] = static_cast<std::uint32_t>(i);
    }
  }
  m.tickets_ = std::move(tickets);
  return m;
}

const ManifestTicket* BoardingManifest::Find(const core::TicketNumber& ticket) const {
  const auto it = by_ticket_.find(TicketKey(ticket));
  return it == by_ticket_.end() ? nullptr : &tickets_[it->second];
}

bool BoardingManifest::HasRun(const core::RunId& run) const { return HasRun(run.str()); }

bool BoardingManifest::HasRun(std::string_view run_id) const {
  return runs_.find(run_id) != runs_.end();
}

const ManifestTicket* BoardingManifest::AdultOf(const core::TicketNumber& child) const {
  const auto it = by_ticket_.find(TicketKey(child));
  return it == by_ticket_.end() ? nullptr : At(adult_of_[it->second]);
}

std::vector<const ManifestTicket*> BoardingManifest::FindByIdHash(
    const eticket::IdHash& hash) const {
  std::vector<const ManifestTicket*> found;
  const auto it = by_id_hash_.find(hash);
  if (it == by_id_hash_.end()) return found;
  found.reserve(it->second.size());
  for (std::uint32_t i : it->second) found.push_back(&tickets_[i]);
  return found;
}

}  // namespace keyun::checkin
