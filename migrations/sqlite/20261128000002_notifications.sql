-- SPEC 12: who wants email, and the outbox of emails to send. A row is
-- written in the same transaction as its event; the sender marks it sent
-- once the mail server accepted it (or failed, when the server refused the
-- recipient for good).
ALTER TABLE users ADD COLUMN email_notifications INTEGER NOT NULL DEFAULT 1;

CREATE TABLE email_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id        INTEGER NOT NULL REFERENCES meeting_request_events (id),
    recipient_id    INTEGER NOT NULL REFERENCES users (id),
    created_at      TEXT    NOT NULL,
    next_attempt_at TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    sent_at         TEXT,
    failed_at       TEXT,
    last_error      TEXT,
    UNIQUE (event_id, recipient_id)
);
CREATE INDEX email_outbox_due ON email_outbox (next_attempt_at)
    WHERE sent_at IS NULL AND failed_at IS NULL;
