-- PostgreSQL's variant of 0018_ticket_serial.sql: the serial is a SEQUENCE, which takes no row
-- lock, so concurrent sales neither wait on it nor fail serialization over it. Its range is the
-- ticket number's 11 digits; it starts after the highest value any day's counter gave out.
CREATE SEQUENCE serial_ticket MINVALUE 1 MAXVALUE 99999999999 NO CYCLE;
SELECT setval('serial_ticket', MAX(value)) FROM sequences
WHERE name LIKE 'ticket-%' HAVING MAX(value) >= 1;
