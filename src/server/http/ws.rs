//! `GET /api/ws`: the live event stream (SPEC section 7) as plain JSON text
//! frames over a WebSocket.

use super::middleware::origin_is_foreign;
use crate::server::db::unix_now;
use crate::server::error::{AppError, api_error_response};
use crate::server::hub::{Closed, Frame, FrameKey, Frames};
use crate::server::services::accounts::{self, CurrentSession, SessionUser};
use crate::server::services::meetings;
use crate::server::state::AppState;
use crate::shared::error::{ApiError, ErrorCode};
use crate::shared::model::{LiveEvent, Role};
use axum::Extension;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use futures::stream::SplitSink;
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use std::time::Duration;
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::{Instant, interval, sleep_until, timeout};

const PING_EVERY: Duration = Duration::from_secs(25);
/// A client that has not answered pings for this long is gone.
const DEAD_AFTER: Duration = Duration::from_secs(60);
/// A write that takes longer means the client stopped reading.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Frames queued for a socket are written together up to this many bytes,
const WRITE_BATCH: usize = 16 * 1024;
/// and at most this many frames, so that a stream that never pauses is
/// still flushed, each write within `WRITE_TIMEOUT`.
const FRAMES_PER_WRITE: usize = 32;

/// The close frame that tells the client why the hub ended its connection.
fn close_frame(why: Closed) -> CloseFrame {
    CloseFrame {
        code: why as u16,
        reason: match why {
            Closed::FellBehind => "resync",
            Closed::Replaced => "too many connections",
            Closed::SessionEnded => "session ended",
        }
        .into(),
    }
}

/// When to look at the session again: at its deadline, and never sooner
/// than a second from now.
fn check_at(ends_at: i64) -> Instant {
    Instant::now() + Duration::from_secs((ends_at - unix_now()).max(1) as u64)
}

#[derive(Deserialize)]
pub struct WsQuery {
    since: Option<String>,
}

/// The live stream: upgrades to a WebSocket of JSON text frames (SPEC 7).
#[utoipa::path(get, path = "/ws", tag = "live",
    params(("since" = Option<i64>, Query, description = "Replay the events after this id first")),
    responses((status = 101, description = "Switching to the WebSocket protocol"), super::openapi::ApiErrors))]
pub async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(CurrentSession(session)): Extension<CurrentSession>,
    Query(query): Query<WsQuery>,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    if origin_is_foreign(&headers) {
        return api_error_response(ApiError::forbidden(
            "Live updates are only available to this site's own pages.",
        ));
    }
    let Some(session) = session else {
        return api_error_response(ApiError::unauthorized());
    };
    let since = match query.since.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => match raw.parse::<i64>() {
            Ok(n) if n >= 0 => Some(n),
            _ => {
                return api_error_response(ApiError::invalid(
                    "since",
                    "since must be the id of the last event received (a whole number).",
                ));
            }
        },
    };
    let ws = match ws {
        Ok(ws) => ws,
        // Not a WebSocket handshake: say so in the API's shape.
        Err(rejection) => {
            return api_error_response(ApiError::new(
                ErrorCode::ValidationError,
                format!("This endpoint speaks WebSocket only: {rejection}"),
            ));
        }
    };
    // The server-wide cap: the permit lives as long as the socket.
    let Ok(permit) = state.sockets.clone().try_acquire_owned() else {
        tracing::warn!(
            refusal = "socket_cap_server",
            max = state.config.max_sockets,
            "live connection refused: the server has as many as it allows"
        );
        return api_error_response(ApiError::new(
            ErrorCode::Unavailable,
            "The server has too many live connections. Please try again shortly.",
        ));
    };
    // Small buffers: an idle socket should cost a few KiB. Clients send
    // only pongs and tiny text; a bigger frame is simply read in steps
    // (512 B instead of 4 KiB: 9.5 -> 6.0 KiB per idle socket).
    // Frames are written when flushed (`send`, `send_queued`), so that the
    // frames of one event reach the socket in one write; the buffer grows
    // only to what one flush holds.
    ws.read_buffer_size(512)
        .write_buffer_size(WRITE_BATCH)
        .max_message_size(8 * 1024)
        .max_frame_size(8 * 1024)
        .on_upgrade(move |socket| serve(state, session, since, socket, permit))
}

/// Sends one message within `WRITE_TIMEOUT`. Boxed, like the other futures
/// that only run now and then: an idle socket's future stays small.
async fn send(sink: &mut SplitSink<WebSocket, Message>, message: Message) -> bool {
    matches!(
        Box::pin(timeout(WRITE_TIMEOUT, sink.send(message))).await,
        Ok(Ok(()))
    )
}

/// Which live frames a connection still sends: none it already replayed,
/// and no count equal to the last one sent.
struct Unsent {
    replayed_up_to: i64,
    last_count: Option<i64>,
}

impl Unsent {
    fn admits(&mut self, key: FrameKey) -> bool {
        match key {
            FrameKey::Event(id) => id > self.replayed_up_to,
            FrameKey::PendingCount(n) if self.last_count == Some(n) => false,
            FrameKey::PendingCount(n) => {
                self.last_count = Some(n);
                true
            }
            FrameKey::Resync => true,
        }
    }
}

/// Sends `first` and the frames already queued behind it (the frames of
/// one event come together: a request and the new pending count), up to
/// `FRAMES_PER_WRITE`, in one write, within `WRITE_TIMEOUT`.
async fn send_queued(
    sink: &mut SplitSink<WebSocket, Message>,
    frames: &mut Frames,
    unsent: &mut Unsent,
    first: Frame,
) -> bool {
    let write = async {
        let mut next = Some(first);
        let mut fed = 0;
        while let Some(Frame { key, text }) = next {
            if unsent.admits(key) {
                sink.feed(Message::Text((&*text).into())).await?;
            }
            fed += 1;
            next = if fed < FRAMES_PER_WRITE {
                frames.try_recv()
            } else {
                None
            };
        }
        sink.flush().await
    };
    matches!(Box::pin(timeout(WRITE_TIMEOUT, write)).await, Ok(Ok(())))
}

/// What a new connection is sent first: with `since`, every event it missed
/// (oldest first); then, for a researcher, the pending count.
async fn opening_frames(
    state: &AppState,
    session: &SessionUser,
    since: Option<i64>,
) -> Result<Vec<LiveEvent>, AppError> {
    let user_id = session.user.id;
    let mut frames = match since {
        Some(since) => meetings::events_since(state, user_id, since).await?,
        None => Vec::new(),
    };
    if session.user.role == Role::Researcher {
        let count = meetings::pending_count(state, user_id).await?;
        frames.push(LiveEvent::PendingCount { count });
    }
    Ok(frames)
}

async fn serve(
    state: AppState,
    session: SessionUser,
    since: Option<i64>,
    socket: WebSocket,
    _permit: OwnedSemaphorePermit,
) {
    // Subscribe before reading the backlog, so nothing falls between the two;
    // live frames already replayed are skipped by their event id.
    let mut subscription = state.hub.subscribe(session.user.id, &session.session_id);
    let (mut sink, mut stream) = socket.split();

    // Futures that read the database are boxed: they live only while they
    // run, instead of sizing this future (an idle socket's memory) for good.
    let frames = match Box::pin(opening_frames(&state, &session, since)).await {
        Ok(frames) => frames,
        Err(err) => {
            err.log();
            return;
        }
    };
    // Live frames already replayed are skipped by event id, and a count
    // equal to the last one sent says nothing new.
    let mut unsent = Unsent {
        replayed_up_to: 0,
        last_count: None,
    };
    for frame in &frames {
        match FrameKey::of(frame) {
            FrameKey::Event(id) => unsent.replayed_up_to = unsent.replayed_up_to.max(id),
            FrameKey::PendingCount(n) => unsent.last_count = Some(n),
            // The client reloads its lists, which hold every event until
            // now: older frames still on their way (a hub catching up with
            // the log) would only repeat them.
            FrameKey::Resync => {
                unsent.replayed_up_to =
                    Box::pin(meetings::last_event_id(&state)).await.unwrap_or(0);
            }
        }
        let Ok(text) = serde_json::to_string(frame) else {
            continue;
        };
        if !send(&mut sink, Message::Text(text.into())).await {
            return;
        }
    }

    let mut ping = interval(PING_EVERY);
    ping.tick().await;
    let mut last_heard = Instant::now();
    // The socket closes within seconds of its session's end (SPEC 13).
    let session_check = sleep_until(check_at(session.ends_at));
    tokio::pin!(session_check);
    loop {
        tokio::select! {
            frame = subscription.frames.recv() => match frame {
                Some(frame) => {
                    if !send_queued(&mut sink, &mut subscription.frames, &mut unsent, frame).await {
                        break;
                    }
                }
                None => {
                    // Dropped by the hub: fell behind, replaced, or the session ended.
                    let close = close_frame(subscription.closed());
                    send(&mut sink, Message::Close(Some(close))).await;
                    break;
                }
            },
            _ = &mut session_check => match Box::pin(accounts::alive_until(&state, &session.session_id)).await {
                Ok(Some(ends_at)) => session_check.as_mut().reset(check_at(ends_at)),
                // Ended: `alive_until` closed the session's sockets, this one
                // included; its end arrives through the subscription.
                Ok(None) => session_check.as_mut().reset(Instant::now() + Duration::from_secs(3600)),
                Err(err) => {
                    err.log();
                    session_check.as_mut().reset(Instant::now() + Duration::from_secs(1));
                }
            },
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                // Any frame shows the client is alive; text frames carry no commands.
                Some(Ok(_)) => last_heard = Instant::now(),
            },
            _ = ping.tick() => {
                if last_heard.elapsed() > DEAD_AFTER {
                    break;
                }
                if !send(&mut sink, Message::Ping(Default::default())).await {
                    break;
                }
            }
        }
    }
}
