-- A researcher's requests by id, without their status: a status move (the
-- hot path: every answer) no longer rewrites this index, and the list,
-- newest first, is a range of it instead of every row of the researcher
-- sorted. Pending ones, which the pending count and the pending list ask
-- for, have a small index of their own.
DROP INDEX meeting_requests_expert_status;
CREATE INDEX meeting_requests_expert ON meeting_requests (expert_id, id);
CREATE INDEX meeting_requests_expert_pending ON meeting_requests (expert_id, id)
    WHERE status = 'pending';
