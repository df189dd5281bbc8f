// The HTTP handlers of gate check-in and station operations (checkin/). Bodies and examples:
// docs/api.md, "Check-in (检票)".
#pragma once

#include <array>
#include <cstdint>

#include "checkin/checkin_service.h"
#include "eticket/issuer_keys.h"
#include "http/server.h"
#include "http/sessions.h"

namespace keyun::http {

// Gate staff only: a session of a gate_operator or station_manager, acting at their station.
//   POST /api/v1/checkins                   {gate, method, voucher? | id_type?, id_number? | face?}
//                                           → 200 admitted, or 409 refused with a reason code
//   GET  /api/v1/runs/{run_id}/manifest     booked, checked in, no-shows at the staff's station
//   GET  /api/v1/runs/{run_id}/operations  the crew, safety check and departure recorded here
//   POST /api/v1/runs/{run_id}/crew         报班 {vehicle_plate, driver_name, driver_licence,
//                                           documents_ok}
//   POST /api/v1/runs/{run_id}/safety-check 例检 {passed, inspector}
//   POST /api/v1/runs/{run_id}/depart       发车 → the operations record, or 409 with the rule
//   GET  /api/v1/revocations?since=N        revocations after sequence N
//   POST /api/v1/gate-devices               station manager only: {device_id, public_key}
void AddCheckinApi(Router& router, checkin::CheckinService& checkins, Sessions& sessions);

// GET / PUT /api/v1/stations/{code}/checkin-window: the station's check-in window (检票时间);
// staff of the station read it, its manager sets it (docs/api.md).
void AddStationSettingsApi(Router& router, checkin::CheckinService& checkins, Sessions& sessions);

// What offline-capable gates (`keyun gate`) sync, gate staff only (http/gate_feed.h):
//   GET  /api/v1/gate-feed?station=&hours=6&revocations_since=N
//   POST /api/v1/checkins/journal   {records: [...]} → applied, duplicates, conflicts, rejected
// The feed carries `id_hash_key`, the node's key for hashing ID numbers, so that a gate can
// match swiped ID cards offline: personal-data key material, for authenticated gates only.
void AddGateFeedApi(Router& router, checkin::CheckinService& checkins, Sessions& sessions,
                    const eticket::IssuerKeyStore& keys,
                    const std::array<std::uint8_t, 32>& id_hash_key);

}  // namespace keyun::http
