//! The single-instance hub: a map from user to bounded per-connection queues.

use super::{Closed, EventHub, Frame, FrameKey, SOCKETS_PER_USER, Subscription, frame_queue};
use crate::shared::model::LiveEvent;
use futures::channel::mpsc;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

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
    shared: Arc<Shared>,
}

type Connections = HashMap<i64, Vec<Connection>>;

/// What the hub, its subscriptions' guards and its tickets share.
pub(crate) struct Shared {
    connections: Mutex<Connections>,
    /// By user, with entries only while events of theirs are on their way.
    order: Mutex<HashMap<i64, Waiting>>,
}

/// The order in which each user's connections get events: by id. Writes
/// commit in id order, but their callers publish as they get to it, on any
/// worker thread; a user's frame waits only for that user's earlier events.
#[derive(Default)]
struct Waiting {
    /// Events written for this user and not yet published, oldest first
    /// (a few at most: those of one batch).
    written: Vec<i64>,
    /// Frames of events published before an earlier one of this user,
    /// oldest first.
    held: Vec<(i64, Frame)>,
}

impl Waiting {
    /// Whether an event of this user before `event_id` is on its way.
    fn earlier_than(&self, event_id: i64) -> bool {
        self.written.first().is_some_and(|w| *w < event_id)
    }
}

/// A lock whose holder panicked: the map and the order change in single
/// steps (a push, a retain, an insert), so a poisoned lock is usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl InProcessHub {
    pub fn new(queue_capacity: usize) -> Self {
        InProcessHub {
            queue_capacity: queue_capacity.max(1),
            next_id: AtomicU64::new(1),
            shared: Arc::new(Shared {
                connections: Mutex::new(HashMap::new()),
                order: Mutex::new(HashMap::new()),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Connections> {
        lock(&self.shared.connections)
    }
}

impl Shared {
    /// Hands `frame` to every connection of `user_id`.
    fn deliver(connections: &mut Connections, user_id: i64, frame: &Frame) {
        if let Some(list) = connections.get_mut(&user_id) {
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

    /// Hands each (user, frame) of `frames` to that user's connections.
    fn deliver_all(connections: &mut Connections, frames: &[(i64, Frame)]) {
        for (user_id, frame) in frames {
            Self::deliver(connections, *user_id, frame);
        }
    }

    /// Event `event_id`, written for `recipients`, is done, with `frames`
    /// (none when its place was given up): each frame goes out unless an
    /// earlier event of its user is still on its way, and the frames that
    /// waited for this event follow.
    fn settle(&self, event_id: i64, recipients: &[i64], frames: Vec<(i64, Frame)>) {
        let mut order = lock(&self.order);
        for user_id in recipients {
            if let Some(waiting) = order.get_mut(user_id) {
                waiting.written.retain(|w| *w != event_id);
            }
        }
        let mut ready = Vec::with_capacity(frames.len());
        for (user_id, frame) in frames {
            match order.get_mut(&user_id) {
                Some(waiting) if waiting.earlier_than(event_id) => {
                    let at = waiting.held.partition_point(|(id, _)| *id <= event_id);
                    waiting.held.insert(at, (event_id, frame));
                }
                _ => ready.push((user_id, frame)),
            }
        }
        // What waited for this event, and users left with nothing on its way.
        for user_id in recipients {
            let Some(waiting) = order.get_mut(user_id) else {
                continue;
            };
            let free = waiting
                .held
                .iter()
                .take_while(|(id, _)| !waiting.earlier_than(*id))
                .count();
            ready.extend(
                waiting
                    .held
                    .drain(..free)
                    .map(|(_, frame)| (*user_id, frame)),
            );
            if waiting.written.is_empty() && waiting.held.is_empty() {
                order.remove(user_id);
            }
        }
        if ready.is_empty() {
            return;
        }
        // Delivered in order of settling: the connections' lock is taken
        // before the order's is let go, and the writer, which takes the
        // order's lock for every event, never waits for the deliveries.
        let mut connections = lock(&self.connections);
        drop(order);
        Self::deliver_all(&mut connections, &ready);
    }
}

/// An event's place in the order of delivery (`EventHub::ticket`). Taken
/// inside the write that appends the event, and given back with its frames
/// by `EventHub::publish_event`. A ticket dropped unused (its caller went
/// away after the commit, or the write failed) gives its place up, so that
/// later events are not held for it.
pub struct EventTicket {
    event_id: i64,
    /// Whose connections get the event.
    recipients: [i64; 2],
    place: Option<Arc<Shared>>,
}

impl EventTicket {
    /// A ticket of a hub that delivers in the order it is given.
    pub fn unordered(event_id: i64) -> Self {
        EventTicket {
            event_id,
            recipients: [0; 2],
            place: None,
        }
    }
}

impl Drop for EventTicket {
    fn drop(&mut self) {
        if let Some(shared) = self.place.take() {
            shared.settle(self.event_id, &self.recipients, Vec::new());
        }
    }
}

/// The frame of `event`, serialized once for all its connections.
fn frame_of(event: &LiveEvent) -> Option<Frame> {
    match serde_json::to_string(event) {
        Ok(text) => Some(Frame {
            key: FrameKey::of(event),
            text: text.into(),
        }),
        Err(err) => {
            tracing::error!(error = %err, "could not serialize a live event");
            None
        }
    }
}

struct Unregister {
    shared: Arc<Shared>,
    user_id: i64,
    id: u64,
}

impl Drop for Unregister {
    fn drop(&mut self) {
        let mut map = lock(&self.shared.connections);
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
        if let Some(frame) = frame_of(event) {
            Shared::deliver(&mut self.lock(), user_id, &frame);
        }
    }

    fn ticket(&self, event_id: i64, recipients: [i64; 2]) -> EventTicket {
        let mut order = lock(&self.shared.order);
        for user_id in recipients {
            order.entry(user_id).or_default().written.push(event_id);
        }
        EventTicket {
            event_id,
            recipients,
            place: Some(self.shared.clone()),
        }
    }

    fn publish_event(&self, mut ticket: EventTicket, frames: &[(i64, LiveEvent)]) {
        let frames = frames
            .iter()
            .filter_map(|(user_id, event)| Some((*user_id, frame_of(event)?)))
            .collect();
        match ticket.place.take() {
            Some(shared) => shared.settle(ticket.event_id, &ticket.recipients, frames),
            None => Shared::deliver_all(&mut self.lock(), &frames),
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
                shared: self.shared.clone(),
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

    /// The event ids a connection received, in order.
    fn received(sub: &mut Subscription) -> Vec<i64> {
        std::iter::from_fn(|| sub.frames.try_recv())
            .filter_map(|f| match f.key {
                FrameKey::PendingCount(n) => Some(n),
                _ => None,
            })
            .collect()
    }

    /// Events published out of order reach a user's connections in id
    /// order: each once the user's earlier events are out. Another user's
    /// events do not wait for them. (The frames here are counts that carry
    /// the event's id, to read the order back.)
    #[tokio::test]
    async fn events_reach_each_user_in_id_order() {
        let hub = InProcessHub::new(16);
        let mut sub = hub.subscribe(1, "s");
        let mut other = hub.subscribe(3, "t");
        let [t11, t12, t13, t14] = [11, 12, 13, 14].map(|id| hub.ticket(id, [1, 2]));
        let t15 = hub.ticket(15, [3, 4]);
        hub.publish_event(t13, &[(1, count(13))]);
        hub.publish_event(t12, &[(1, count(12))]);
        assert!(received(&mut sub).is_empty(), "held for 11");
        hub.publish_event(t15, &[(3, count(15))]);
        assert_eq!(received(&mut other), [15], "not held for user 1's events");
        hub.publish_event(t11, &[(1, count(11)), (2, count(0))]);
        assert_eq!(received(&mut sub), [11, 12, 13]);
        hub.publish_event(t14, &[(1, count(14))]);
        assert_eq!(received(&mut sub), [14]);
        assert!(lock(&hub.shared.order).is_empty(), "nothing left waiting");
    }

    /// A ticket dropped unused (its caller went away) gives its place up:
    /// the events behind it go out; an id given up and then written again
    /// (after a failed write) still goes out.
    #[tokio::test]
    async fn a_dropped_ticket_holds_nothing_back() {
        let hub = InProcessHub::new(16);
        let mut sub = hub.subscribe(1, "s");
        let [t1, t2, t3] = [1, 2, 3].map(|id| hub.ticket(id, [1, 2]));
        hub.publish_event(t3, &[(1, count(3))]);
        drop(t2);
        assert!(received(&mut sub).is_empty());
        drop(t1);
        assert_eq!(received(&mut sub), [3]);
        // 5 given up before 4 is out, then written again.
        let [t4, t5] = [4, 5].map(|id| hub.ticket(id, [1, 2]));
        drop(t5);
        let again = hub.ticket(5, [1, 2]);
        hub.publish_event(again, &[(1, count(5))]);
        hub.publish_event(t4, &[(1, count(4))]);
        assert_eq!(received(&mut sub), [4, 5]);
        assert!(lock(&hub.shared.order).is_empty(), "nothing left waiting");
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
