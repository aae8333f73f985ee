-- The seed's table, with its columns and names kept, plus what the rules need.
CREATE TABLE meeting_requests (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    requester_id    INTEGER NOT NULL REFERENCES users (id),
    expert_id       INTEGER NOT NULL REFERENCES users (id),
    message         TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'accepted', 'rejected', 'cancelled')),
    created_at      TEXT    NOT NULL,
    updated_at      TEXT,
    preferred_at    TEXT    NOT NULL,
    meeting_type    TEXT    NOT NULL CHECK (meeting_type IN ('Video Call', 'Phone Call', 'In Person')),
    time_zone       TEXT    NOT NULL,
    decision_reason TEXT,
    CHECK (requester_id <> expert_id)
);
CREATE INDEX meeting_requests_expert_status ON meeting_requests (expert_id, status, id);
CREATE INDEX meeting_requests_requester ON meeting_requests (requester_id, id);
-- One pending request per patient and expert.
CREATE UNIQUE INDEX meeting_requests_one_pending
    ON meeting_requests (requester_id, expert_id) WHERE status = 'pending';

-- Every transition, append-only. `id` orders the live event stream.
CREATE TABLE meeting_request_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id  INTEGER NOT NULL REFERENCES meeting_requests (id),
    actor_id    INTEGER NOT NULL REFERENCES users (id),
    from_status TEXT,
    to_status   TEXT    NOT NULL,
    reason      TEXT,
    created_at  TEXT    NOT NULL
);
CREATE INDEX meeting_request_events_request ON meeting_request_events (request_id);

CREATE TRIGGER meeting_request_events_no_update BEFORE UPDATE ON meeting_request_events
BEGIN
    SELECT RAISE(ABORT, 'meeting_request_events is append-only');
END;
CREATE TRIGGER meeting_request_events_no_delete BEFORE DELETE ON meeting_request_events
BEGIN
    SELECT RAISE(ABORT, 'meeting_request_events is append-only');
END;
