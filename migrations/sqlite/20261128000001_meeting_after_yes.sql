-- SPEC 11: proposals, expiry, durations, details. SQLite cannot change a
-- CHECK constraint or a NOT NULL column in place, so both tables are built
-- again and their rows copied (ids kept). The new event table refers to the
-- new request table, and renaming that one carries the reference along, so
-- no row ever points at a dropped table.

CREATE TABLE meeting_requests_new (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    requester_id     INTEGER NOT NULL REFERENCES users (id),
    expert_id        INTEGER NOT NULL REFERENCES users (id),
    message          TEXT    NOT NULL,
    status           TEXT    NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'proposed', 'accepted', 'rejected', 'cancelled', 'expired')),
    created_at       TEXT    NOT NULL,
    updated_at       TEXT,
    preferred_at     TEXT    NOT NULL,
    meeting_type     TEXT    NOT NULL CHECK (meeting_type IN ('Video Call', 'Phone Call', 'In Person')),
    time_zone        TEXT    NOT NULL,
    decision_reason  TEXT,
    duration_minutes INTEGER NOT NULL DEFAULT 30 CHECK (duration_minutes IN (15, 30, 45, 60)),
    proposed_at      TEXT,
    details          TEXT,
    CHECK (requester_id <> expert_id),
    -- How to join is kept only while the meeting stands.
    CHECK (details IS NULL OR status = 'accepted')
);
INSERT INTO meeting_requests_new
    (id, requester_id, expert_id, message, status, created_at, updated_at, preferred_at,
     meeting_type, time_zone, decision_reason)
SELECT id, requester_id, expert_id, message, status, created_at, updated_at, preferred_at,
       meeting_type, time_zone, decision_reason
FROM meeting_requests;

-- The server is the actor of an expiry: `actor_id` becomes optional.
CREATE TABLE meeting_request_events_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id  INTEGER NOT NULL REFERENCES meeting_requests_new (id),
    actor_id    INTEGER REFERENCES users (id),
    from_status TEXT,
    to_status   TEXT    NOT NULL,
    reason      TEXT,
    created_at  TEXT    NOT NULL
);
INSERT INTO meeting_request_events_new (id, request_id, actor_id, from_status, to_status, reason, created_at)
SELECT id, request_id, actor_id, from_status, to_status, reason, created_at
FROM meeting_request_events;

DROP TABLE meeting_request_events;
DROP TABLE meeting_requests;
ALTER TABLE meeting_requests_new RENAME TO meeting_requests;
ALTER TABLE meeting_request_events_new RENAME TO meeting_request_events;

CREATE INDEX meeting_requests_expert_status ON meeting_requests (expert_id, status, id);
CREATE INDEX meeting_requests_requester ON meeting_requests (requester_id, id);
CREATE UNIQUE INDEX meeting_requests_one_pending
    ON meeting_requests (requester_id, expert_id) WHERE status = 'pending';
-- The expiry sweep looks for open requests whose time has passed.
CREATE INDEX meeting_requests_open_by_time ON meeting_requests (status, preferred_at)
    WHERE status IN ('pending', 'proposed');
-- Upcoming meetings and the overlap guard: accepted meetings by time.
CREATE INDEX meeting_requests_accepted_expert ON meeting_requests (expert_id, preferred_at)
    WHERE status = 'accepted';
CREATE INDEX meeting_requests_accepted_requester ON meeting_requests (requester_id, preferred_at)
    WHERE status = 'accepted';
CREATE INDEX meeting_request_events_request ON meeting_request_events (request_id);

CREATE TRIGGER meeting_request_events_no_update BEFORE UPDATE ON meeting_request_events
BEGIN
    SELECT RAISE(ABORT, 'meeting_request_events is append-only');
END;
CREATE TRIGGER meeting_request_events_no_delete BEFORE DELETE ON meeting_request_events
BEGIN
    SELECT RAISE(ABORT, 'meeting_request_events is append-only');
END;
