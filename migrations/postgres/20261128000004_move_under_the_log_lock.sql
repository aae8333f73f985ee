-- A move of the status flow in one call (PostgreSQL only; on SQLite the one
-- writer orders every write already): the event log's lock, the
-- conditional update, its event and the announcement at commit.
--
-- It is a function so that the update reads a snapshot taken after the lock
-- was granted: a volatile function takes a fresh snapshot for each of its
-- statements, where one SQL statement keeps the snapshot it started with.
-- An acceptance's overlap guard must see every acceptance committed before
-- it; without the function it needed the lock in a statement of its own,
-- and the lock stayed held across two round trips to the server. Here it is
-- held while the function runs and the transaction commits.
--
-- The update happens only if the request is still at p_from with the times
-- it was decided on (p_seen_*) and, when p_guard_start is given, if no other
-- accepted meeting of the expert shares a minute with the one from
-- p_guard_start to p_guard_end. p_guard_after (the start less the longest
-- meeting) bounds the search to a short range of the index of accepted
-- meetings by time. Returns the event's id, or NULL when nothing moved.
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
    p_guard_start TEXT,
    p_guard_end TEXT,
    p_guard_after TEXT,
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
        AND (p_guard_start IS NULL OR NOT EXISTS (
            SELECT 1 FROM meeting_requests o
            WHERE o.expert_id = p_expert AND o.status = 'accepted' AND o.id <> p_id
                AND o.preferred_at < p_guard_end AND o.preferred_at > p_guard_after
                AND o.preferred_at::timestamptz + make_interval(mins => o.duration_minutes)
                    > p_guard_start::timestamptz));
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
