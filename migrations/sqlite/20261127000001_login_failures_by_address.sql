-- Failed logins are counted per account and client address (SPEC 13), so a
-- flood from one address never locks the owner out from another.
ALTER TABLE login_failures ADD COLUMN address TEXT NOT NULL DEFAULT '';
DROP INDEX login_failures_email;
CREATE INDEX login_failures_email_address ON login_failures (email, address, created_at);
