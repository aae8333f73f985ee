//! The single-instance hub: a map from user to bounded per-connection queues.

use super::{Closed, EventHub, Frame, FrameKey, SOCKETS_PER_USER, Subscription, frame_queue};
use crate::shared::model::LiveEvent;
use futures::channel::mpsc;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

struct Connection {
    id: u64,
    session_id: String,
    tx: mpsc::Sender<Frame>,
    reason: Arc<AtomicU16>,
}

impl Connection {
    /// Ends the connection: its sender is dropped with the connection.
    fn close(self, why: Closed) {
        self.reason.store(why as u16, Ordering::Release);
    }
}

pub struct InProcessHub {
    queue_capacity: usize,
    next_id: AtomicU64,
    connections: Arc<Mutex<HashMap<i64, Vec<Connection>>>>,
}

impl InProcessHub {
    pub fn new(queue_capacity: usize) -> Self {
        InProcessHub {
            queue_capacity: queue_capacity.max(1),
            next_id: AtomicU64::new(1),
            connections: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Vec<Connection>>> {
        // A panic while holding the lock leaves the map consistent (every
        // change is a single push or retain), so a poisoned lock is usable.
        self.connections.lock().unwrap_or_else(|p| p.into_inner())
    }
}

struct Unregister {
    connections: Arc<Mutex<HashMap<i64, Vec<Connection>>>>,
    user_id: i64,
    id: u64,
}

impl Drop for Unregister {
    fn drop(&mut self) {
        let mut map = self.connections.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(list) = map.get_mut(&self.user_id) {
            list.retain(|c| c.id != self.id);
            if list.is_empty() {
                map.remove(&self.user_id);
            }
        }
    }
}

impl EventHub for InProcessHub {
    fn publish(&self, user_id: i64, event: &LiveEvent) {
        let frame = match serde_json::to_string(event) {
            Ok(text) => Frame {
                key: FrameKey::of(event),
                text: text.into(),
            },
            Err(err) => {
                tracing::error!(error = %err, "could not serialize a live event");
                return;
            }
        };
        let mut map = self.lock();
        if let Some(list) = map.get_mut(&user_id) {
            // A connection whose queue is full cannot keep up: drop it rather
            // than wait. Its client reconnects and resyncs with `since`.
            list.retain_mut(|c| match c.tx.try_send(frame.clone()) {
                Ok(()) => true,
                Err(e) if e.is_full() => {
                    tracing::warn!(
                        connection = c.id,
                        "dropping a live connection that fell behind"
                    );
                    false
                }
                Err(_) => false,
            });
        }
    }

    fn subscribe(&self, user_id: i64, session_id: &str) -> Subscription {
        let (tx, rx) = frame_queue(self.queue_capacity);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let reason = Arc::new(AtomicU16::new(0));
        {
            let mut map = self.lock();
            let list = map.entry(user_id).or_default();
            // Ids grow, so the oldest connections come first.
            while list.len() >= SOCKETS_PER_USER {
                list.remove(0).close(Closed::Replaced);
                tracing::info!(
                    refusal = "socket_cap_user",
                    user_id,
                    "closed a user's oldest live connection: too many open"
                );
            }
            list.push(Connection {
                id,
                session_id: session_id.to_string(),
                tx,
                reason: reason.clone(),
            });
        }
        Subscription {
            frames: rx,
            reason,
            _guard: Box::new(Unregister {
                connections: self.connections.clone(),
                user_id,
                id,
            }),
        }
    }

    fn close_session(&self, session_id: &str) {
        let mut map = self.lock();
        for list in map.values_mut() {
            for c in list.extract_if(.., |c| c.session_id == session_id) {
                c.close(Closed::SessionEnded);
            }
        }
        map.retain(|_, list| !list.is_empty());
    }

    fn connection_count(&self) -> usize {
        self.lock().values().map(Vec::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(n: i64) -> LiveEvent {
        LiveEvent::PendingCount { count: n }
    }

    #[tokio::test]
    async fn delivers_only_to_the_named_user_and_all_their_tabs() {
        let hub = InProcessHub::new(8);
        let mut a1 = hub.subscribe(1, "s1");
        let mut a2 = hub.subscribe(1, "s2");
        let mut b = hub.subscribe(2, "s3");
        hub.publish(1, &count(4));
        assert_eq!(
            &*a1.frames.recv().await.unwrap().text,
            r#"{"type":"pending_count","count":4}"#
        );
        assert!(a2.frames.recv().await.is_some());
        assert!(b.frames.try_recv().is_none());
    }

    #[tokio::test]
    async fn a_full_queue_drops_that_connection_only() {
        let hub = InProcessHub::new(2);
        let mut slow = hub.subscribe(1, "slow");
        let mut fast = hub.subscribe(1, "fast");
        for n in 0..3 {
            hub.publish(1, &count(n));
            fast.frames.recv().await.unwrap();
        }
        assert_eq!(hub.connection_count(), 1);
        // The slow one gets what was queued, then the end of its stream.
        assert!(slow.frames.recv().await.is_some());
        assert!(slow.frames.recv().await.is_some());
        assert!(slow.frames.recv().await.is_none());
        assert_eq!(slow.closed(), Closed::FellBehind);
    }

    #[tokio::test]
    async fn an_eleventh_socket_closes_the_oldest() {
        let hub = InProcessHub::new(4);
        let mut subs: Vec<_> = (0..SOCKETS_PER_USER)
            .map(|_| hub.subscribe(1, "s"))
            .collect();
        let other = hub.subscribe(2, "t");
        let newest = hub.subscribe(1, "s");
        assert_eq!(hub.connection_count(), SOCKETS_PER_USER + 1);
        assert!(subs[0].frames.recv().await.is_none());
        assert_eq!(subs[0].closed(), Closed::Replaced);
        hub.publish(1, &count(1));
        assert!(subs[1].frames.recv().await.is_some());
        drop((newest, other));
    }

    #[tokio::test]
    async fn closing_a_session_ends_its_connections_and_drop_unregisters() {
        let hub = InProcessHub::new(4);
        let mut gone = hub.subscribe(1, "logout");
        let kept = hub.subscribe(1, "other");
        hub.close_session("logout");
        assert!(gone.frames.recv().await.is_none());
        assert_eq!(gone.closed(), Closed::SessionEnded);
        assert_eq!(hub.connection_count(), 1);
        drop(kept);
        assert_eq!(hub.connection_count(), 0);
    }
}
