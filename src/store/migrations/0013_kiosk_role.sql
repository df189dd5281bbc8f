-- 0013: self-service machines (自助售取票机) get their own role, 'kiosk' (network::Role::kKiosk).
--
-- A machine was a clerk's account before, so the node could not tell a machine from a window:
-- it could not require the passenger's own proof (the ID card it reads, or the order number)
-- for a refund, change or print at a machine, and a print without a session was taken as any
-- station's machine. A kiosk account belongs to one station and acts only on channel kiosk
-- (src/http/sales_api.cc, src/sales/internal/after_sale_access.h, docs/after-sale.md).
--
-- The role CHECK cannot be altered in place on SQLite, so the table is rebuilt, the same way
-- on both engines: no table references staff. Existing accounts keep their roles; a machine
-- that ran on a clerk's account is given a kiosk account by its station's administrator.
CREATE TABLE staff_next (
  username TEXT PRIMARY KEY CHECK (length(username) BETWEEN 3 AND 32),
  display_name TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 40),
  role TEXT NOT NULL CHECK (role IN ('province_admin', 'station_manager', 'clerk', 'kiosk',
    'gate_operator', 'carrier_dispatcher', 'auditor')),
  station_code TEXT REFERENCES stations (code),
  carrier_code TEXT REFERENCES carriers (credit_code),
  password_hash TEXT NOT NULL CHECK (length(password_hash) > 0),
  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  CHECK (role NOT IN ('station_manager', 'clerk', 'kiosk', 'gate_operator') OR
         station_code IS NOT NULL),
  CHECK (role NOT IN ('province_admin', 'auditor') OR
         (station_code IS NULL AND carrier_code IS NULL)),
  CHECK (role <> 'carrier_dispatcher' OR carrier_code IS NOT NULL)
);

INSERT INTO staff_next (username, display_name, role, station_code, carrier_code,
                        password_hash, active)
SELECT username, display_name, role, station_code, carrier_code, password_hash, active
FROM staff;

DROP TABLE staff;

ALTER TABLE staff_next RENAME TO staff;
