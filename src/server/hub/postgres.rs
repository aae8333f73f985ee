//! Several instances on one PostgreSQL database (SPEC 10). PostgreSQL itself
//! is the fan-out: the transaction that appends an event also calls
//! `pg_notify('meeting_events', id)`, which is delivered at commit. Each
//! instance holds one `LISTEN` connection; on a notification it reads the new
//! rows of `meeting_request_events` after the last id it has seen and hands
//! their frames to its own sockets. Since the table is read, not the payload
//! trusted, a listener that reconnects catches up from its last id and loses
//! nothing. A logout on one instance closes that session's sockets on every
//! instance through `session_ended`.

use super::{EventHub, InProcessHub, Subscription};
use crate::server::repo::meetings::EVENTS_CHANNEL;
use crate::server::services::meetings;
use crate::server::state::AppState;
use crate::shared::model::LiveEvent;
use sqlx::AnyPool;
use sqlx::postgres::PgListener;
use std::sync::Arc;
use std::time::Duration;

const SESSIONS_CHANNEL: &str = "session_ended";
/// A catch-up even without a notification, in case one was lost.
const SAFETY_POLL: Duration = Duration::from_secs(2);

/// This instance's sockets, fed from the event log.
pub struct PostgresHub {
    local: InProcessHub,
    pool: AnyPool,
}

impl PostgresHub {
    pub fn new(queue_capacity: usize, pool: AnyPool) -> PostgresHub {
        PostgresHub {
            local: InProcessHub::new(queue_capacity),
            pool,
        }
    }
}

impl EventHub for PostgresHub {
    fn publish(&self, user_id: i64, event: &LiveEvent) {
        self.local.publish(user_id, event);
    }

    fn reads_log(&self) -> bool {
        true
    }

    fn subscribe(&self, user_id: i64, session_id: &str) -> Subscription {
        self.local.subscribe(user_id, session_id)
    }

    fn close_session(&self, session_id: &str) {
        self.local.close_session(session_id);
        let (pool, id) = (self.pool.clone(), session_id.to_string());
        tokio::spawn(async move {
            let sent = sqlx::query("SELECT pg_notify($1, $2)")
                .bind(SESSIONS_CHANNEL)
                .bind(&id)
                .execute(&pool)
                .await;
            if let Err(err) = sent {
                tracing::warn!(error = %err, "could not tell other instances of a logout");
            }
        });
    }

    fn connection_count(&self) -> usize {
        self.local.connection_count()
    }
}

/// Follows the event log for as long as the server runs, reconnecting when
/// the listening connection is lost.
pub async fn listen(state: AppState, hub: Arc<PostgresHub>, url: String) {
    // Frames are for events from now on: a socket that opens later replays
    // what it missed with `since`.
    let mut last = loop {
        match meetings::last_event_id(&state).await {
            Ok(id) => break id,
            Err(err) => {
                err.log();
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    };
    loop {
        match PgListener::connect(&url).await {
            Ok(mut listener) => {
                match listener
                    .listen_all([EVENTS_CHANNEL, SESSIONS_CHANNEL])
                    .await
                {
                    Ok(()) => follow(&state, &hub, &mut listener, &mut last).await,
                    Err(err) => tracing::warn!(error = %err, "LISTEN failed"),
                }
            }
            Err(err) => tracing::warn!(error = %err, "could not open the LISTEN connection"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn follow(state: &AppState, hub: &PostgresHub, listener: &mut PgListener, last: &mut i64) {
    tracing::info!("following the event log through LISTEN");
    // Whatever was committed while the listener was away.
    catch_up(state, hub, last).await;
    let mut poll = tokio::time::interval(SAFETY_POLL);
    loop {
        tokio::select! {
            note = listener.try_recv() => match note {
                Ok(Some(note)) if note.channel() == SESSIONS_CHANNEL => {
                    state.sessions.forget(note.payload());
                    hub.local.close_session(note.payload());
                }
                // An event already delivered (read with an earlier one).
                Ok(Some(note)) if note.payload().parse::<i64>().is_ok_and(|id| id <= *last) => {}
                // A new event, or `None`: the connection was lost and is back.
                Ok(_) => catch_up(state, hub, last).await,
                Err(err) => {
                    tracing::warn!(error = %err, "the LISTEN connection failed");
                    return;
                }
            },
            _ = poll.tick() => catch_up(state, hub, last).await,
        }
    }
}

/// Reads the events after `last` and delivers their frames to this
/// instance's sockets.
async fn catch_up(state: &AppState, hub: &PostgresHub, last: &mut i64) {
    loop {
        match meetings::frames_after(state, *last).await {
            Ok(batch) => {
                for (user_id, frame) in &batch.frames {
                    hub.local.publish(*user_id, frame);
                }
                *last = batch.last_event_id;
                if !batch.more {
                    return;
                }
            }
            Err(err) => {
                err.log();
                return;
            }
        }
    }
}
