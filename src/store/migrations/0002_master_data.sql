-- Master data of one provincial node (业务管理, src/network, docs/master-data.md).
--
-- The service validates every value before it gets here and names the field at fault, these
-- constraints are the second line: they keep the invariants true whoever writes the tables.
-- Portable subset (SQLite 3.40 and PostgreSQL 15): INTEGER/BIGINT/TEXT, booleans as INTEGER
-- 0/1, money as BIGINT fen, dates as TEXT YYYY-MM-DD, instants as BIGINT unix microseconds.

-- 客运站. code = GB/T 2260 county code (6) + sequence (3), grade 一级 (1) to 五级 (5).
CREATE TABLE stations (
  code TEXT PRIMARY KEY CHECK (length(code) = 9),
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 40),
  grade INTEGER NOT NULL CHECK (grade BETWEEN 1 AND 5),
  county_code TEXT NOT NULL CHECK (length(county_code) = 6 AND county_code = substr(code, 1, 6)),
  address TEXT NOT NULL DEFAULT '',
  pinyin TEXT NOT NULL DEFAULT '',
  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);

CREATE INDEX stations_county ON stations (county_code);

-- 承运人: a transport operator, identified by its unified social credit code.
CREATE TABLE carriers (
  credit_code TEXT PRIMARY KEY CHECK (length(credit_code) = 18),
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
  licence_no TEXT NOT NULL CHECK (length(licence_no) BETWEEN 1 AND 30),
  home_station TEXT REFERENCES stations (code)
);

-- 营运客车. plate like 鲁A12345 (7 characters) or 鲁AD12345 (new energy, 8).
CREATE TABLE vehicles (
  plate TEXT PRIMARY KEY CHECK (length(plate) BETWEEN 7 AND 8),
  carrier_code TEXT NOT NULL REFERENCES carriers (credit_code),
  seats INTEGER NOT NULL CHECK (seats BETWEEN 5 AND 70),
  layout TEXT NOT NULL CHECK (length(layout) BETWEEN 1 AND 20),
  vehicle_class TEXT NOT NULL CHECK (vehicle_class IN ('large_high3', 'large_high2',
    'large_high1', 'large_medium', 'medium_high2', 'medium_high1', 'medium_medium',
    'small_high1', 'small_medium', 'sleeper_high2', 'sleeper_high1')),
  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);

CREATE INDEX vehicles_carrier ON vehicles (carrier_code);

-- 班线. origin_code and destination_code repeat the first and last stop for cheap joins.
CREATE TABLE routes (
  code TEXT PRIMARY KEY CHECK (length(code) BETWEEN 2 AND 24),
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
  route_class INTEGER NOT NULL CHECK (route_class BETWEEN 1 AND 4),
  real_name_required INTEGER NOT NULL CHECK (real_name_required IN (0, 1)),
  origin_code TEXT NOT NULL REFERENCES stations (code),
  destination_code TEXT NOT NULL REFERENCES stations (code),
  total_km INTEGER NOT NULL CHECK (total_km > 0),
  CHECK (origin_code <> destination_code),
  CHECK (route_class > 2 OR real_name_required = 1)
);

-- Stops 0..k of a route, km cumulative from the origin. Strictly increasing km is checked by
-- the service (a CHECK cannot compare rows).
CREATE TABLE route_stops (
  route_code TEXT NOT NULL REFERENCES routes (code),
  stop_index INTEGER NOT NULL CHECK (stop_index BETWEEN 0 AND 63),
  station_code TEXT NOT NULL REFERENCES stations (code),
  km INTEGER NOT NULL CHECK (km >= 0 AND km <= 5000 AND (stop_index > 0 OR km = 0)),
  PRIMARY KEY (route_code, stop_index),
  UNIQUE (route_code, station_code)
);

CREATE INDEX route_stops_station ON route_stops (station_code);

-- 票价表: one row per stop pair i < j. Amounts in fen, the station fee (旅客站务费) is a separate
-- line on the ticket, the cap fare (上限票价) bounds the adult fare charged (执行票价).
CREATE TABLE fares (
  route_code TEXT NOT NULL REFERENCES routes (code),
  from_index INTEGER NOT NULL CHECK (from_index >= 0),
  to_index INTEGER NOT NULL,
  adult_fen BIGINT NOT NULL CHECK (adult_fen > 0),
  child_fen BIGINT NOT NULL CHECK (child_fen >= 0),
  discount_fen BIGINT NOT NULL CHECK (discount_fen >= 0),
  station_fee_fen BIGINT NOT NULL CHECK (station_fee_fen >= 0),
  cap_fen BIGINT NOT NULL,
  PRIMARY KEY (route_code, from_index, to_index),
  CHECK (from_index < to_index),
  CHECK (child_fen <= adult_fen AND discount_fen <= adult_fen),
  CHECK (cap_fen >= adult_fen)
);

-- 班次, scoped to its origin station. days_mask: bit 0 = Monday … bit 6 = Sunday.
CREATE TABLE schedules (
  station_code TEXT NOT NULL REFERENCES stations (code),
  code TEXT NOT NULL CHECK (length(code) BETWEEN 1 AND 12),
  route_code TEXT NOT NULL REFERENCES routes (code),
  departure_minute INTEGER NOT NULL CHECK (departure_minute BETWEEN 0 AND 1439),
  days_mask INTEGER NOT NULL CHECK (days_mask BETWEEN 1 AND 127),
  valid_from TEXT NOT NULL CHECK (length(valid_from) = 10),
  valid_to TEXT CHECK (valid_to IS NULL OR (length(valid_to) = 10 AND valid_to >= valid_from)),
  carrier_code TEXT NOT NULL REFERENCES carriers (credit_code),
  vehicle_class TEXT NOT NULL CHECK (vehicle_class IN ('large_high3', 'large_high2',
    'large_high1', 'large_medium', 'medium_high2', 'medium_high1', 'medium_medium',
    'small_high1', 'small_medium', 'sleeper_high2', 'sleeper_high1')),
  seats INTEGER NOT NULL CHECK (seats BETWEEN 5 AND 70),
  vehicle_plate TEXT REFERENCES vehicles (plate),
  kind TEXT NOT NULL CHECK (kind IN ('regular', 'extra')),
  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  PRIMARY KEY (station_code, code)
);

CREATE INDEX schedules_route ON schedules (route_code);

-- Staff accounts. Station roles carry a station, a carrier dispatcher carries a carrier.
CREATE TABLE staff (
  username TEXT PRIMARY KEY CHECK (length(username) BETWEEN 3 AND 32),
  display_name TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 40),
  role TEXT NOT NULL CHECK (role IN ('province_admin', 'station_manager', 'clerk',
    'gate_operator', 'carrier_dispatcher', 'auditor')),
  station_code TEXT REFERENCES stations (code),
  carrier_code TEXT REFERENCES carriers (credit_code),
  password_hash TEXT NOT NULL CHECK (length(password_hash) > 0),
  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  CHECK (role NOT IN ('station_manager', 'clerk', 'gate_operator') OR station_code IS NOT NULL),
  CHECK (role NOT IN ('province_admin', 'auditor') OR
         (station_code IS NULL AND carrier_code IS NULL)),
  CHECK (role <> 'carrier_dispatcher' OR carrier_code IS NOT NULL)
);

-- A run (班次 on a date). run_id = {station}-{yyyymmdd}-{schedule}. The route, carrier, kind
-- and seats are copied from the schedule when the run is generated, so later schedule edits
-- do not move runs already on sale.
CREATE TABLE runs (
  run_id TEXT PRIMARY KEY,
  station_code TEXT NOT NULL,
  schedule_code TEXT NOT NULL,
  run_date TEXT NOT NULL CHECK (length(run_date) = 10),
  route_code TEXT NOT NULL REFERENCES routes (code),
  departs_at BIGINT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'stopped', 'stopped_sold', 'departed')),
  kind TEXT NOT NULL CHECK (kind IN ('regular', 'extra')),
  seats INTEGER NOT NULL CHECK (seats BETWEEN 5 AND 70),
  carrier_code TEXT NOT NULL REFERENCES carriers (credit_code),
  vehicle_class TEXT NOT NULL,
  UNIQUE (station_code, run_date, schedule_code),
  FOREIGN KEY (station_code, schedule_code) REFERENCES schedules (station_code, code)
);

CREATE INDEX runs_date ON runs (run_date, station_code);
