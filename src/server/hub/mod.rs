//! Delivery of live events to connected clients. Services publish after their
//! transaction commits; WebSocket connections subscribe by user. Services and
//! handlers only see the `EventHub` trait: `memory` serves one instance, and
//! a PostgreSQL (LISTEN/NOTIFY) hub for several instances goes beside it.

mod memory;
pub mod postgres;

pub use memory::{EventTicket, InProcessHub};
pub use postgres::PostgresHub;

use crate::shared::model::{LiveEvent, close_code};
use futures::StreamExt;
use futures::channel::mpsc;
use std::sync::Arc;

/// One frame, serialized once for every connection of its recipient.
#[derive(Clone, Debug)]
pub struct Frame {
    pub key: FrameKey,
    pub text: Arc<str>,
}

/// What a connection needs to know of a frame to skip it: an event already
/// replayed, or a count it already sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameKey {
    Event(i64),
    PendingCount(i64),
    Resync,
}

impl FrameKey {
    pub fn of(event: &LiveEvent) -> FrameKey {
        match event {
            LiveEvent::Created { event_id, .. } | LiveEvent::StatusChanged { event_id, .. } => {
                FrameKey::Event(*event_id)
            }
            LiveEvent::PendingCount { count } => FrameKey::PendingCount(*count),
            LiveEvent::Resync => FrameKey::Resync,
        }
    }
}

pub trait EventHub: Send + Sync + 'static {
    /// Sends `event` to every open connection of `user_id` on this instance.
    fn publish(&self, user_id: i64, event: &LiveEvent);
    /// Takes the place of event `event_id`, for the connections of
    /// `recipients`, in the order of delivery: done inside the write that
    /// appends the event (see `EventTicket`).
    fn ticket(&self, event_id: i64, _recipients: [i64; 2]) -> EventTicket {
        EventTicket::unordered(event_id)
    }
    /// Sends the frames of the event of `ticket` (recipient, frame), each
    /// once every earlier event of its recipient has been sent or given up,
    /// so that every connection sees event ids grow (SPEC 7).
    fn publish_event(&self, ticket: EventTicket, frames: &[(i64, LiveEvent)]) {
        drop(ticket);
        for (user_id, event) in frames {
            self.publish(*user_id, event);
        }
    }
    /// Whether this hub learns of new events by reading the event log itself
    /// (several instances): then services do not publish after commit.
    fn reads_log(&self) -> bool {
        false
    }
    /// Registers a connection; it receives frames until the returned
    /// subscription is dropped, or until the hub drops it (queue full,
    /// logout, more than `SOCKETS_PER_USER`), which ends the receiver.
    fn subscribe(&self, user_id: i64, session_id: &str) -> Subscription;
    /// Ends every connection opened with this session (on logout), on every
    /// instance.
    fn close_session(&self, session_id: &str);
    /// Open connections, for metrics and tests.
    fn connection_count(&self) -> usize;
}

/// Why the hub ended a connection, as the WebSocket close code tells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u16)]
pub enum Closed {
    /// It fell behind: reconnect and resume with `since`.
    FellBehind = close_code::FELL_BEHIND,
    /// The user opened more sockets than allowed; this was the oldest.
    Replaced = close_code::REPLACED,
    /// Its session ended (logout, idle time, lifetime).
    SessionEnded = close_code::SESSION_ENDED,
}

/// Open sockets allowed per user (per instance); an extra one closes the oldest.
pub const SOCKETS_PER_USER: usize = 10;

/// The frames on their way to one connection, in order: a bounded queue
/// that allocates per queued frame rather than up front, so an idle
/// socket's queue costs a few hundred bytes.
pub struct Frames(mpsc::Receiver<Frame>);

impl Frames {
    /// The next frame; `None` once the hub has dropped the connection.
    pub async fn recv(&mut self) -> Option<Frame> {
        self.0.next().await
    }

    /// A frame already queued, if any.
    pub fn try_recv(&mut self) -> Option<Frame> {
        self.0.try_recv().ok()
    }
}

/// A queue of `capacity` frames and its receiving end.
pub(crate) fn frame_queue(capacity: usize) -> (mpsc::Sender<Frame>, Frames) {
    // The queue holds `buffer` frames plus one per sender (one here).
    let (tx, rx) = mpsc::channel(capacity.saturating_sub(1));
    (tx, Frames(rx))
}

pub struct Subscription {
    pub frames: Frames,
    pub(crate) reason: Arc<std::sync::atomic::AtomicU16>,
    pub(crate) _guard: Box<dyn Send + Sync>,
}

impl Subscription {
    /// Why the hub ended this connection, once `frames` has ended.
    pub fn closed(&self) -> Closed {
        match self.reason.load(std::sync::atomic::Ordering::Acquire) {
            close_code::REPLACED => Closed::Replaced,
            close_code::SESSION_ENDED => Closed::SessionEnded,
            _ => Closed::FellBehind,
        }
    }
}
