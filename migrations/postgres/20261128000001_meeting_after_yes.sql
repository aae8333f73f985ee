-- SPEC 11: proposals, expiry, durations, details.
ALTER TABLE meeting_requests DROP CONSTRAINT meeting_requests_status_check;
ALTER TABLE meeting_requests ADD CONSTRAINT meeting_requests_status_check
    CHECK (status IN ('pending', 'proposed', 'accepted', 'rejected', 'cancelled', 'expired'));
ALTER TABLE meeting_requests
    ADD COLUMN duration_minutes INTEGER NOT NULL DEFAULT 30
        CHECK (duration_minutes IN (15, 30, 45, 60)),
    ADD COLUMN proposed_at TEXT,
    ADD COLUMN details TEXT,
    -- How to join is kept only while the meeting stands.
    ADD CONSTRAINT meeting_requests_details_accepted CHECK (details IS NULL OR status = 'accepted');

-- The expiry sweep looks for open requests whose time has passed.
CREATE INDEX meeting_requests_open_by_time ON meeting_requests (status, preferred_at)
    WHERE status IN ('pending', 'proposed');
-- Upcoming meetings and the overlap guard: accepted meetings by time.
CREATE INDEX meeting_requests_accepted_expert ON meeting_requests (expert_id, preferred_at)
    WHERE status = 'accepted';
CREATE INDEX meeting_requests_accepted_requester ON meeting_requests (requester_id, preferred_at)
    WHERE status = 'accepted';

-- The server is the actor of an expiry.
ALTER TABLE meeting_request_events ALTER COLUMN actor_id DROP NOT NULL;
