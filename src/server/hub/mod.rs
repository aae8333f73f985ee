//! Delivery of live events to connected clients. Services publish after their
//! transaction commits; WebSocket connections subscribe by user. Services and
//! handlers only see the `EventHub` trait: `memory` serves one instance, and
//! a PostgreSQL (LISTEN/NOTIFY) hub for several instances goes beside it.

mod memory;

pub use memory::InProcessHub;

use crate::shared::model::LiveEvent;
use std::sync::Arc;
use tokio::sync::mpsc;

/// One frame, serialized once for every connection of its recipient.
#[derive(Clone, Debug)]
pub struct Frame {
    /// The event's id, for frames that carry one (not `pending_count`).
    pub event_id: Option<i64>,
    pub text: Arc<str>,
}

pub trait EventHub: Send + Sync + 'static {
    /// Sends `event` to every open connection of `user_id`.
    fn publish(&self, user_id: i64, event: &LiveEvent);
    /// Registers a connection; it receives frames until the returned
    /// subscription is dropped, or until the hub drops it (queue full,
    /// logout), which ends the receiver.
    fn subscribe(&self, user_id: i64, session_id: &str) -> Subscription;
    /// Ends every connection opened with this session (on logout).
    fn close_session(&self, session_id: &str);
    /// Open connections, for metrics and tests.
    fn connection_count(&self) -> usize;
}

pub struct Subscription {
    pub frames: mpsc::Receiver<Frame>,
    pub(crate) _guard: Box<dyn Send + Sync>,
}
