-- 0016: the audit of staff logins (登录审计, issue 13 item 8), written by network::StaffLogin
-- (src/network/staff_login.h): one row per attempt that reached the password check, and one
-- per lock the throttle put on an account or address (not one per refused retry, so an
-- attacker hammering a locked account cannot fill the disk). Never a password.
--   outcome: 'success', 'wrong_password', 'unknown_user', 'disabled' (a disabled account's
--   right password), 'throttled' (refused while locked, the password not looked at).
-- At start the node replays the recent failures and successes through its throttle, so a
-- restart does not lift an attack's lockout. Instants are BIGINT unix microseconds.
-- PostgreSQL's variant of 0016_login_audit.sql: the id is an identity column (SQLite's is
-- its rowid).
CREATE TABLE login_audit (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at BIGINT NOT NULL,
  username TEXT NOT NULL CHECK (length(username) <= 200),
  client_address TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('success', 'wrong_password', 'unknown_user',
    'disabled', 'throttled'))
);

CREATE INDEX login_audit_at ON login_audit (at);
CREATE INDEX login_audit_username ON login_audit (username, at);
