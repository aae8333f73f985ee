//! Requests this instance wrote lately (or, with several instances, read
//! from the event log), kept as stored, so that answering one needs no read
//! of the database first.
//!
//! A kept row may be out of date (another instance moved the request, or a
//! later write's row has not been put yet), and it is safe anyway: every
//! move raises a request's stage or ends it (the test below), so a request
//! is at each status once, and a row whose status is the stored one is the
//! stored row. A move decided on a kept row updates only if the stored
//! status is still the row's (`repo::meetings::apply_move`), and a move
//! refused on a kept row is decided again on the stored row
//! (`services::meetings::change_status`).

use crate::server::repo::meetings::RequestRow;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

/// Past this many rows the map starts afresh (a bound on memory).
const MAX_ROWS: usize = 20_000;

#[derive(Default)]
pub struct RecentRequests {
    rows: Mutex<HashMap<i64, RequestRow>>,
}

impl RecentRequests {
    fn lock(&self) -> MutexGuard<'_, HashMap<i64, RequestRow>> {
        // Every change is a single insert, remove or clear: a poisoned map
        // is usable.
        self.rows.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Request `id` as this instance last wrote it, if it still can move.
    pub fn get(&self, id: i64) -> Option<RequestRow> {
        self.lock().get(&id).cloned()
    }

    /// Keeps `row` as just written; a request that can no longer move is
    /// dropped.
    pub fn put(&self, row: &RequestRow) {
        let mut rows = self.lock();
        if row.status.is_final() {
            rows.remove(&row.id);
            return;
        }
        if rows.len() >= MAX_ROWS && !rows.contains_key(&row.id) {
            rows.clear();
        }
        rows.insert(row.id, row.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::status::TRANSITIONS;
    use crate::domain::{MeetingStatus, MeetingType};
    use crate::server::repo::meetings::NewRequest;

    /// What makes a kept row safe: no move returns a request to a status it
    /// had (each raises the stage), so one status is one version of a row.
    #[test]
    fn every_move_raises_the_stage() {
        for t in TRANSITIONS {
            assert!(t.to.stage() > t.from.stage(), "{:?} -> {:?}", t.from, t.to);
        }
    }

    fn row(id: i64, status: MeetingStatus) -> RequestRow {
        let new = NewRequest {
            requester_id: 1,
            expert_id: 2,
            message: "m".into(),
            created_at: "2026-11-27T10:00:00Z".into(),
            preferred_at: "2026-12-01T10:00:00Z".into(),
            meeting_type: MeetingType::VideoCall,
            time_zone: "UTC".into(),
            duration_minutes: 30,
        };
        RequestRow {
            status,
            ..new.into_row(id, "P".into(), "R".into())
        }
    }

    #[test]
    fn keeps_open_requests_only_and_stays_bounded() {
        let recent = RecentRequests::default();
        recent.put(&row(1, MeetingStatus::Pending));
        assert_eq!(
            recent.get(1).map(|r| r.status),
            Some(MeetingStatus::Pending)
        );
        recent.put(&row(1, MeetingStatus::Accepted));
        assert_eq!(
            recent.get(1).map(|r| r.status),
            Some(MeetingStatus::Accepted)
        );
        recent.put(&row(1, MeetingStatus::Cancelled));
        assert!(recent.get(1).is_none());
        for id in 0..MAX_ROWS as i64 + 1 {
            recent.put(&row(id + 10, MeetingStatus::Pending));
        }
        assert!(recent.lock().len() <= MAX_ROWS);
    }
}
