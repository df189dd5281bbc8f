-- Station operations (src/checkin, DESIGN.md §3 "Station operations", docs/checkin.md): gate
-- check-ins (检票), the revocation list gates sync, the crew check-in (报班), safety check
-- (例检) and departure (发车) of each run at each station, and the face terminals of a station.
--
-- The node's database is the truth online; these constraints make the rules hold even when two
-- gates, two nodes or a replayed offline journal race:
--   checkins      PRIMARY KEY (ticket_number): a ticket checks in once; the loser of a race is
--                 refused as already checked in, with when and where the winner checked in;
--   revocations   sequence is gap-free (store::NextSequence "revocation"), so a gate asking
--                 for ?since=N misses nothing;
--   gate_device_nonces  PRIMARY KEY (device_id, nonce): a face terminal's message is used once.

-- A check-in. method is checkin::CheckinMethodName ('qr_code' = QR + the operator's look at the
-- ID, 'id_card' = ID card swipe, 'face' = face verification); source says whether the node
-- decided it ('online') or a gate decided offline and shipped its journal ('offline-journal').
-- Times are Unix microseconds, like every instant in the store.
CREATE TABLE checkins (
  ticket_number TEXT PRIMARY KEY REFERENCES tickets (ticket_number),
  run_id TEXT NOT NULL REFERENCES runs (run_id),
  station TEXT NOT NULL REFERENCES stations (code),
  gate TEXT NOT NULL CHECK (length(gate) BETWEEN 1 AND 16),
  operator TEXT NOT NULL,
  method TEXT NOT NULL CHECK (method IN ('qr_code', 'id_card', 'face')),
  at BIGINT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('online', 'offline-journal'))
);

CREATE INDEX checkins_run ON checkins (run_id, station);

-- 作废名单: vouchers that no longer admit anyone. Written by refunds and changes (issue 5);
-- one row per ticket, numbered without gaps.
CREATE TABLE revocations (
  sequence BIGINT PRIMARY KEY CHECK (sequence > 0),
  ticket_number TEXT NOT NULL UNIQUE REFERENCES tickets (ticket_number),
  reason TEXT NOT NULL CHECK (reason IN ('refunded', 'changed')),
  at BIGINT NOT NULL
);

-- A run's operations at one station (its origin, or an intermediate stop it departs from):
--   报班 crew check-in: the vehicle and driver presented, and whether their documents are in
--        order (licence, road transport permit, qualification certificate);
--   例检 safety check: passed or not, by which inspector, when;
--   发车 departure: when, with which vehicle and driver, and who closed it. Once departed_at is
--        set the manifest is frozen (frozen_manifests) and no check-in is accepted here.
CREATE TABLE run_operations (
  run_id TEXT NOT NULL REFERENCES runs (run_id),
  station TEXT NOT NULL REFERENCES stations (code),
  vehicle_plate TEXT REFERENCES vehicles (plate),
  driver_name TEXT,
  driver_licence TEXT,
  documents_ok INTEGER CHECK (documents_ok IN (0, 1)),
  crew_checked_in_at BIGINT,
  crew_operator TEXT,
  safety_passed INTEGER CHECK (safety_passed IN (0, 1)),
  safety_inspector TEXT,
  safety_checked_at BIGINT,
  departed_at BIGINT,
  departed_vehicle TEXT,
  departed_driver TEXT,
  departed_operator TEXT,
  boarded INTEGER CHECK (boarded >= 0),
  no_shows INTEGER CHECK (no_shows >= 0),
  PRIMARY KEY (run_id, station)
);

-- The manifest as it stood at departure (乘车名单, frozen and reported): one row per ticket
-- boarding at the station, boarded or a no-show. Never updated.
CREATE TABLE frozen_manifests (
  run_id TEXT NOT NULL,
  station TEXT NOT NULL,
  ticket_number TEXT NOT NULL REFERENCES tickets (ticket_number),
  seat INTEGER NOT NULL,
  fare_type TEXT NOT NULL,
  passenger_name TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('boarded', 'no_show')),
  PRIMARY KEY (run_id, station, ticket_number),
  FOREIGN KEY (run_id, station) REFERENCES run_operations (run_id, station)
);

-- Face terminals (人脸核验终端) of a station: each signs its messages with its own Ed25519 key,
-- registered here by the station manager (public key as 64 hex characters).
CREATE TABLE gate_devices (
  device_id TEXT PRIMARY KEY CHECK (length(device_id) BETWEEN 1 AND 64),
  station TEXT NOT NULL REFERENCES stations (code),
  public_key TEXT NOT NULL CHECK (length(public_key) = 64),
  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  registered_at BIGINT NOT NULL,
  registered_by TEXT NOT NULL
);

-- Nonces a face terminal has used: a replayed message is refused.
CREATE TABLE gate_device_nonces (
  device_id TEXT NOT NULL REFERENCES gate_devices (device_id),
  nonce TEXT NOT NULL,
  at BIGINT NOT NULL,
  PRIMARY KEY (device_id, nonce)
);
