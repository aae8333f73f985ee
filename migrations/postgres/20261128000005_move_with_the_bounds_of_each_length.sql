-- `move_meeting_request` again, with the overlap rule given by the server
-- instead of written a second time here. The first version computed each
-- other meeting's end with timestamptz arithmetic; the rule itself lives in
-- `domain::time::overlap_bounds`, which the SQLite guard uses too: another
-- meeting of d minutes overlaps the one being accepted if, and only if, it
-- starts before that one's end (p_guard_end) and after the start less d.
-- The server passes those earliest starts as a JSON object from each length
-- in minutes to its bound (p_guard_bounds); p_guard_after is the earliest
-- of them, a plain bound that keeps the search a short range of the index
-- of accepted meetings by time. A meeting of a length the object does not
-- name (there is none: the column's check names the same lengths) never
-- counts, as with SQLite's guard.
--
-- Everything else is as before: the event log's lock, the conditional
-- update in a fresh snapshot, its event and the announcement at commit.
-- Returns the event's id, or NULL when nothing moved.
DROP FUNCTION move_meeting_request(
    BIGINT, BIGINT, BIGINT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT,
    TEXT, TEXT, TEXT, TEXT);

CREATE FUNCTION move_meeting_request(
    p_id BIGINT,
    p_expert BIGINT,
    p_actor BIGINT,
    p_from TEXT,
    p_to TEXT,
    p_reason TEXT,
    p_at TEXT,
    p_preferred TEXT,
    p_proposed TEXT,
    p_details TEXT,
    p_seen_preferred TEXT,
    p_seen_proposed TEXT,
    p_guard_end TEXT,
    p_guard_after TEXT,
    p_guard_bounds JSONB,
    p_channel TEXT
) RETURNS BIGINT
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    new_event BIGINT;
BEGIN
    -- Makes event ids commit in order (see `EVENT_LOG_LOCK` in
    -- src/server/repo/meetings.rs): the same lock as every write of the log.
    PERFORM pg_advisory_xact_lock(7223);
    UPDATE meeting_requests SET
        status = p_to,
        updated_at = p_at,
        decision_reason = p_reason,
        preferred_at = COALESCE(p_preferred, preferred_at),
        proposed_at = COALESCE(p_proposed, proposed_at),
        details = p_details
    WHERE id = p_id AND status = p_from AND expert_id = p_expert
        AND preferred_at = p_seen_preferred
        AND COALESCE(proposed_at, '') = COALESCE(p_seen_proposed, '')
        AND (p_guard_end IS NULL OR NOT EXISTS (
            SELECT 1 FROM meeting_requests o
            WHERE o.expert_id = p_expert AND o.status = 'accepted' AND o.id <> p_id
                AND o.preferred_at < p_guard_end AND o.preferred_at > p_guard_after
                AND o.preferred_at >
                    p_guard_bounds ->> o.duration_minutes::text));
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    INSERT INTO meeting_request_events
        (request_id, actor_id, from_status, to_status, reason, created_at)
        VALUES (p_id, p_actor, p_from, p_to, p_reason, p_at)
        RETURNING id INTO new_event;
    PERFORM pg_notify(p_channel, new_event::text);
    RETURN new_event;
END;
$$;
