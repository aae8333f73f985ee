//! Recently resolved sessions, so that a request does not read its session
//! row every time. An entry is trusted for `TTL` at most; a logout, a new
//! login or an expiry removes it at once, on every instance (with several
//! instances the `session_ended` notification reaches the others).

use super::repo::sessions::SessionRow;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The longest a cached session is believed without reading it again.
const TTL: Duration = Duration::from_secs(10);
/// Past this many entries the cache starts afresh (a bound on memory).
const MAX_ENTRIES: usize = 100_000;

#[derive(Default)]
pub struct SessionCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    live: HashMap<String, (SessionRow, Instant)>,
    /// Sessions ended within `TTL`: a request that read one just before it
    /// ended must not put it back.
    ended: HashMap<String, Instant>,
}

impl SessionCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Every change is a single insert or remove: a poisoned map is usable.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The session `id`, if it was read within `TTL`.
    pub fn get(&self, id: &str) -> Option<SessionRow> {
        let mut inner = self.lock();
        match inner.live.get(id) {
            Some((row, at)) if at.elapsed() < TTL => Some(row.clone()),
            Some(_) => {
                inner.live.remove(id);
                None
            }
            None => None,
        }
    }

    pub fn put(&self, row: SessionRow) {
        let mut inner = self.lock();
        if inner.ended.contains_key(&row.id) {
            return;
        }
        if inner.live.len() >= MAX_ENTRIES {
            inner.live.clear();
        }
        inner.live.insert(row.id.clone(), (row, Instant::now()));
    }

    /// Records that the session was used at `now` (Unix seconds).
    pub fn touched(&self, id: &str, now: i64) {
        if let Some((row, _)) = self.lock().live.get_mut(id) {
            row.last_seen_at = now;
        }
    }

    /// The session ended: drop it, and keep it out for `TTL`.
    pub fn forget(&self, id: &str) {
        let mut inner = self.lock();
        inner.live.remove(id);
        inner.ended.retain(|_, at| at.elapsed() < TTL);
        inner.ended.insert(id.to_string(), Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;

    fn row(id: &str) -> SessionRow {
        SessionRow {
            id: id.into(),
            user_id: 1,
            created_at: 0,
            last_seen_at: 0,
            expires_at: 100,
            email: "a@b.org".into(),
            full_name: "A".into(),
            role: Role::Patient,
        }
    }

    #[test]
    fn remembers_touches_and_forgets() {
        let cache = SessionCache::default();
        assert!(cache.get("s").is_none());
        cache.put(row("s"));
        cache.touched("s", 42);
        assert_eq!(cache.get("s").map(|r| r.last_seen_at), Some(42));
        cache.forget("s");
        assert!(cache.get("s").is_none());
        // A read that raced the logout cannot bring it back.
        cache.put(row("s"));
        assert!(cache.get("s").is_none());
    }
}
