// The gate feed (检票数据同步): what an offline-capable gate (`keyun gate`) syncs from its
// station's node, and the journal it pushes back. Shared by the node's handlers
// (checkin_api) and the gate's client (GateClient); gate_feed_json.h turns them into the JSON
// both speak.
//
//   GET  /api/v1/gate-feed?station=S&hours=H&revocations_since=N   (gate staff session)
//     → {"station", "generated_at", "id_hash_key", "keys": [{key_id, public_key}],
//        "tickets": [ManifestTicket…], "revocations": [{sequence, ticket_number, reason}],
//        "checkins": [CheckinRecord…]}
//   POST /api/v1/checkins/journal  {"records": [CheckinRecord…]}
//     → {"applied": n, "duplicates": n, "conflicts": [{ticket_number, first, this}]}
//
// id_hash_key is the node's key for hashing ID numbers: with it a gate matches a swiped ID
// card to a ticket without the network. It is personal-data key material: only an
// authenticated gate gets it, and it lives in the gate process's memory only.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "checkin/boarding_manifest.h"
#include "checkin/gate_decision.h"
#include "checkin/gate_verifier.h"
#include "checkin/revocation_list.h"
#include "core/result.h"

namespace keyun::http {

struct GateFeed {
  std::string station;
  std::string generated_at;
  std::array<std::uint8_t, 32> id_hash_key{};
  bool id_hash_key_known = true;  // false for a feed read back from disk (SaveGateFeed)
  checkin::CheckinWindow window = {};  // the station's check-in window
  std::vector<std::pair<std::string, std::string>> keys;  // key id, public key (hex)
  std::vector<checkin::ManifestTicket> tickets;
  std::vector<checkin::Revocation> revocations;
  std::vector<checkin::CheckinRecord> checkins;  // made at other gates or online
};

// A ticket admitted twice: at one gate first, then (offline) at another.
struct JournalConflict {
  checkin::CheckinRecord first;
  checkin::CheckinRecord again;
};

struct JournalPushResult {
  int applied = 0;     // new check-ins recorded
  int duplicates = 0;  // the same check-in pushed before (a retried push)
  std::vector<JournalConflict> conflicts;
};

// Keeps the last feed on the gate's disk, so that a gate restarted while its node is out of
// reach still has the keys, manifests and check-ins of its last sync. The ID hash key is left
// out (personal-data key material stays in memory only): after such a restart vouchers are
// checked, ID cards only after the next sync. Written atomically (temporary file, fsync,
// rename). kUnavailable on a disk error, naming the file.
[[nodiscard]] Result<void> SaveGateFeed(const GateFeed& feed, const std::string& path);
// The saved feed (id_hash_key_known false), or nullopt if there is none. kInternal, naming the
// file, if it is damaged.
[[nodiscard]] Result<std::optional<GateFeed>> LoadGateFeed(const std::string& path);

}  // namespace keyun::http
