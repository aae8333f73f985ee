//! Meeting requests: creation, the status flow, listing and the live events
//! they produce (SPEC sections 5 and 7). Input arrives parsed (`domain`);
//! this module decides what needs the database: who the parties are, whether
//! a move is allowed now, and who hears of it.

use crate::domain::request::MESSAGE_TIME_FORMAT;
use crate::domain::status::{self, Refusal};
use crate::domain::{ListQuery, NewMeetingRequest, Party, Role, StatusChange};
use crate::server::db::{now_text, time_text};
use crate::server::error::{AppError, AppResult};
use crate::server::repo::meetings::{EventRow, RequestRow};
use crate::server::repo::{self, meetings, users};
use crate::server::services::accounts::{SessionUser, require_role};
use crate::server::state::AppState;
use crate::server::zones::TzDatabase;
use crate::shared::error::ApiError;
use crate::shared::model::{Direction, LiveEvent, MeetingRequestView, PartyView};

/// The request as `viewer_id` sees it: the other party, and whether they sent
/// or received it.
pub fn view_for(row: &RequestRow, viewer_id: i64) -> MeetingRequestView {
    let as_expert = row.expert_id == viewer_id;
    let party = |id, name: &str, role| PartyView {
        id,
        full_name: name.to_string(),
        role,
    };
    MeetingRequestView {
        id: row.id,
        requester: as_expert.then(|| party(row.requester_id, &row.requester_name, Role::Patient)),
        expert: (!as_expert).then(|| party(row.expert_id, &row.expert_name, Role::Researcher)),
        message: row.message.clone(),
        status: row.status,
        created_at: row.created_at.clone(),
        updated_at: row.updated_at.clone(),
        preferred_at: row.preferred_at.clone(),
        meeting_type: row.meeting_type,
        time_zone: row.time_zone.clone(),
        decision_reason: row.decision_reason.clone(),
        direction: if as_expert {
            Direction::Received
        } else {
            Direction::Sent
        },
    }
}

fn not_found() -> ApiError {
    ApiError::not_found("No such meeting request.")
}

/// Which side of `row` the user is on, if any.
fn party_of(row: &RequestRow, user_id: i64) -> Option<Party> {
    if row.requester_id == user_id {
        Some(Party::Requester)
    } else if row.expert_id == user_id {
        Some(Party::Expert)
    } else {
        None
    }
}

/// Who hears of an event: a creation goes to the expert, a change of status
/// to the party who did not make it.
fn recipient_of(row: &RequestRow, created: bool, actor_id: i64) -> i64 {
    if created || actor_id == row.requester_id {
        row.expert_id
    } else {
        row.requester_id
    }
}

async fn load(state: &AppState, id: i64) -> AppResult<RequestRow> {
    meetings::find(&state.db.pool, id)
        .await?
        .ok_or_else(|| AppError::internal(format!("request {id} vanished")))
}

pub async fn create(
    state: &AppState,
    actor: &SessionUser,
    request: NewMeetingRequest,
) -> AppResult<MeetingRequestView> {
    require_role(actor, Role::Patient)?;
    if request.expert_id == actor.user.id {
        return Err(ApiError::invalid(
            "expert_id",
            "You cannot send a meeting request to yourself.",
        )
        .into());
    }
    let expert = users::find_by_id(&state.db.pool, request.expert_id)
        .await?
        .ok_or_else(|| ApiError::not_found("No such researcher."))?;
    if expert.role != Role::Researcher {
        return Err(ApiError::invalid(
            "expert_id",
            "Meeting requests can only be sent to researchers.",
        )
        .into());
    }
    let preferred = &request.preferred;
    let local = TzDatabase.local_text(&preferred.zone, preferred.at, MESSAGE_TIME_FORMAT);
    let new = meetings::NewRequest {
        requester_id: actor.user.id,
        expert_id: expert.id,
        message: request.message(&local),
        created_at: now_text(),
        preferred_at: time_text(preferred.at),
        meeting_type: request.meeting_type,
        time_zone: preferred.zone.as_str().to_string(),
    };
    let limit = state.config.requests_per_pair_per_day;
    let day_ago = time_text(chrono::Utc::now() - chrono::Duration::days(1));
    // The count and the insert share the transaction, so a burst cannot
    // slip past the limit.
    let written = state
        .db
        .write(move |c| {
            Box::pin(async move {
                if limit > 0 {
                    let (sent, oldest) =
                        meetings::sent_since(c, new.requester_id, new.expert_id, &day_ago).await?;
                    if sent >= i64::from(limit) {
                        return Ok(Err(oldest));
                    }
                }
                let (id, event_id) = meetings::insert(c, &new).await?;
                Ok(Ok((id, event_id, new)))
            })
        })
        .await
        .map_err(pending_already)?;
    let (id, event_id, new) = written.map_err(|oldest| pair_limit_reached(actor, oldest))?;
    tracing::info!(request_id = id, event_id, "meeting request created");
    // The row as stored, without reading it back.
    let row = new.into_row(id, actor.user.full_name.clone(), expert.full_name);
    publish(state, &row, event_id, true, actor.user.id).await?;
    Ok(view_for(&row, actor.user.id))
}

/// 429 until the oldest request of the last 24 hours leaves the window.
fn pair_limit_reached(actor: &SessionUser, oldest: Option<String>) -> AppError {
    let now = chrono::Utc::now();
    let retry = oldest
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| (t.with_timezone(&chrono::Utc) + chrono::Duration::days(1) - now).num_seconds())
        .unwrap_or(24 * 3600)
        .max(1);
    tracing::warn!(
        refusal = "pair_limit",
        user_id = actor.user.id,
        "meeting request refused: too many to one researcher in 24 hours"
    );
    ApiError {
        message: "You have sent this researcher as many requests as allowed in 24 hours. \
                  Please try again later."
            .into(),
        ..ApiError::rate_limited(retry as u64)
    }
    .into()
}

/// A second pending request for the same pair fails on the unique index.
fn pending_already(err: sqlx::Error) -> AppError {
    if repo::is_unique_violation(&err) {
        ApiError::conflict(
            "You already have a pending request with this researcher. \
             Wait for their answer or cancel it first.",
        )
        .into()
    } else {
        err.into()
    }
}

/// A page of the caller's requests, newest first: received ones for a
/// researcher, sent ones for a patient.
pub async fn list(
    state: &AppState,
    actor: &SessionUser,
    query: ListQuery,
) -> AppResult<Vec<MeetingRequestView>> {
    let rows = meetings::list_for(
        &state.db.pool,
        actor.user.id,
        actor.user.role == Role::Researcher,
        &query,
    )
    .await?;
    Ok(rows.iter().map(|r| view_for(r, actor.user.id)).collect())
}

pub async fn pending_count(state: &AppState, expert_id: i64) -> AppResult<i64> {
    Ok(meetings::pending_count(&state.db.pool, expert_id).await?)
}

/// Moves a request along the flow of `domain::status`: authorize, apply,
/// publish.
pub async fn change_status(
    state: &AppState,
    actor: &SessionUser,
    id: i64,
    change: StatusChange,
) -> AppResult<MeetingRequestView> {
    let row = meetings::find(&state.db.pool, id)
        .await?
        .ok_or_else(not_found)?;
    // Someone else's request answers exactly as one that does not exist.
    let party = party_of(&row, actor.user.id).ok_or_else(not_found)?;
    status::authorize(party, row.status, change.to).map_err(ApiError::from)?;
    let (event_id, at) = apply(state, &row, actor, &change).await?;
    // The row as it now stands, without reading it back.
    let row = RequestRow {
        status: change.to,
        updated_at: Some(at),
        decision_reason: change.reason.map(|r| r.into_inner()),
        ..row
    };
    publish(state, &row, event_id, false, actor.user.id).await?;
    Ok(view_for(&row, actor.user.id))
}

/// The conditional update and its event. Of two racing moves one wins; the
/// other learns where the request went. Returns the event id and the time
/// of the move.
async fn apply(
    state: &AppState,
    row: &RequestRow,
    actor: &SessionUser,
    change: &StatusChange,
) -> AppResult<(i64, String)> {
    let at = now_text();
    let step = meetings::StatusMove {
        id: row.id,
        actor_id: actor.user.id,
        from: row.status,
        to: change.to,
        reason: change.reason.as_ref().map(|r| r.to_string()),
        at: at.clone(),
    };
    let moved = state
        .db
        .write(move |c| Box::pin(async move { meetings::apply_move(c, &step).await }))
        .await?;
    match moved {
        Some(event_id) => {
            tracing::info!(
                request_id = row.id,
                event_id,
                to = change.to.as_str(),
                "meeting request status changed"
            );
            Ok((event_id, at))
        }
        None => {
            let now = load(state, row.id).await?.status;
            Err(ApiError::from(Refusal::AlreadyMoved { now }).into())
        }
    }
}

/// Tells the other party (and the expert's pending count) after commit. A
/// hub that reads the event log (several instances) learns of it there.
async fn publish(
    state: &AppState,
    row: &RequestRow,
    event_id: i64,
    created: bool,
    actor_id: i64,
) -> AppResult<()> {
    if state.hub.reads_log() {
        return Ok(());
    }
    let (to, event) = frame_for(row, event_id, created, actor_id);
    state.hub.publish(to, &event);
    let count = pending_count(state, row.expert_id).await?;
    state
        .hub
        .publish(row.expert_id, &LiveEvent::PendingCount { count });
    Ok(())
}

/// The frame of an event about `row` (as it stood right after the event),
/// and who it is for.
fn frame_for(row: &RequestRow, event_id: i64, created: bool, actor_id: i64) -> (i64, LiveEvent) {
    let to = recipient_of(row, created, actor_id);
    let request = view_for(row, to);
    let frame = if created {
        LiveEvent::Created { event_id, request }
    } else {
        LiveEvent::StatusChanged { event_id, request }
    };
    (to, frame)
}

/// An event of the log as a frame for its recipient, with the request as it
/// was right after that event.
fn event_frame(e: EventRow) -> (i64, LiveEvent) {
    let created = e.from_status.is_none();
    let row = RequestRow {
        status: e.to_status,
        decision_reason: e.reason,
        updated_at: (!created).then_some(e.event_at),
        ..e.request
    };
    frame_for(&row, e.event_id, created, e.actor_id)
}

/// Events read from the log at a time.
const EVENT_BATCH: i64 = 500;

/// Every event after `since` meant for `user_id`, oldest first.
/// Events a reconnecting socket may replay; past it, it is told to resync.
pub const MAX_REPLAY: usize = 1000;

/// What `user_id` missed after event `since`, oldest first; or, when that is
/// more than `MAX_REPLAY` events, a single `resync`.
pub async fn events_since(state: &AppState, user_id: i64, since: i64) -> AppResult<Vec<LiveEvent>> {
    let mut out = Vec::new();
    let mut cursor = since.max(0);
    loop {
        let rows = meetings::events_since(&state.db.pool, user_id, cursor, EVENT_BATCH).await?;
        let done = (rows.len() as i64) < EVENT_BATCH;
        for e in rows {
            cursor = e.event_id;
            let (to, frame) = event_frame(e);
            if to == user_id {
                out.push(frame);
            }
        }
        if out.len() > MAX_REPLAY {
            return Ok(vec![LiveEvent::Resync]);
        }
        if done {
            return Ok(out);
        }
    }
}

/// The frames of a stretch of the event log, for every user.
pub struct FrameBatch {
    /// (recipient, frame), in event order, then each concerned expert's
    /// pending count.
    pub frames: Vec<(i64, LiveEvent)>,
    pub last_event_id: i64,
    /// Whether more events follow.
    pub more: bool,
}

/// The frames of the events after `since` (a hub that reads the log).
pub async fn frames_after(state: &AppState, since: i64) -> AppResult<FrameBatch> {
    let rows = meetings::events_after(&state.db.pool, since, EVENT_BATCH).await?;
    let more = rows.len() as i64 == EVENT_BATCH;
    let mut last_event_id = since;
    let mut experts = Vec::new();
    let mut frames = Vec::with_capacity(rows.len() * 2);
    for e in rows {
        last_event_id = e.event_id;
        if !experts.contains(&e.request.expert_id) {
            experts.push(e.request.expert_id);
        }
        frames.push(event_frame(e));
    }
    for expert_id in experts {
        let count = pending_count(state, expert_id).await?;
        frames.push((expert_id, LiveEvent::PendingCount { count }));
    }
    Ok(FrameBatch {
        frames,
        last_event_id,
        more,
    })
}

pub async fn last_event_id(state: &AppState) -> AppResult<i64> {
    Ok(meetings::last_event_id(&state.db.pool).await?)
}
