-- Ticket numbers come from one node-wide serial (store::NextSerial "ticket") instead of a
-- counter row per day, which every sale of the day locked in turn. On SQLite the serial is a
-- row of `sequences`; it starts after the highest number any day's counter gave out, so a
-- number issued today can never repeat one issued earlier today. A fresh store gets no row
-- (NextSequence creates it on first use).
INSERT INTO sequences (name, value)
SELECT 'serial-ticket', MAX(value) FROM sequences WHERE name LIKE 'ticket-%' HAVING COUNT(*) > 0;
