//! Meeting requests: creation, the status flow, listing and the live events
//! they produce (SPEC sections 5 and 7). Input arrives parsed (`domain`);
//! this module decides what needs the database: who the parties are, whether
//! a move is allowed now, and who hears of it.

use crate::domain::request::MESSAGE_TIME_FORMAT;
use crate::domain::status::{self, Refusal};
use crate::domain::time::{LONGEST_DURATION, meeting_end};
use crate::domain::{ListQuery, MeetingStatus, NewMeetingRequest, Party, Role, StatusChange};
use crate::server::calendar as ics;
use crate::server::db::{now_text, time_text};
use crate::server::error::{AppError, AppResult};
use crate::server::hub::EventTicket;
use crate::server::repo::meetings::{EventRow, Moved, RequestRow, Written};
use crate::server::repo::{self, meetings, outbox, users};
use crate::server::services::accounts::{SessionUser, require_role};
use crate::server::state::AppState;
use crate::server::zones::TzDatabase;
use crate::shared::error::{ApiError, ErrorCode};
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
        duration_minutes: row.minutes(),
        proposed_at: row.proposed_at.clone(),
        // How to join only while the meeting stands.
        details: (row.status == MeetingStatus::Accepted)
            .then(|| row.details.clone())
            .flatten(),
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

/// Who made a move, from the actor of its event.
fn mover(row: &RequestRow, actor_id: Option<i64>) -> Party {
    match actor_id {
        None => Party::Server,
        Some(id) if id == row.requester_id => Party::Requester,
        Some(_) => Party::Expert,
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
    let expert_name = researcher_name(state, request.expert_id).await?;
    let preferred = &request.preferred;
    let local = TzDatabase.local_text(&preferred.zone, preferred.at, MESSAGE_TIME_FORMAT);
    let new = meetings::NewRequest {
        requester_id: actor.user.id,
        expert_id: request.expert_id,
        message: request.message(&local),
        created_at: now_text(),
        preferred_at: time_text(preferred.at),
        meeting_type: request.meeting_type,
        time_zone: preferred.zone.as_str().to_string(),
        duration_minutes: request.duration_minutes,
    };
    let limit = state.config.requests_per_pair_per_day;
    let mail = state.mailer.is_some();
    let day_ago = time_text(chrono::Utc::now() - chrono::Duration::days(1));
    // The count and the insert share the transaction, so a burst cannot
    // slip past the limit.
    let hub = state.hub.clone();
    let written = state
        .db
        .write(move |mut tx| {
            Box::pin(async move {
                if limit > 0 {
                    let mut c = tx.conn().await?;
                    let (sent, oldest) =
                        meetings::sent_since(&mut c, new.requester_id, new.expert_id, &day_ago)
                            .await?;
                    if sent >= i64::from(limit) {
                        return Ok(Err(oldest));
                    }
                }
                let (id, written) = meetings::insert(&mut tx, &new, !mail).await?;
                let ticket = hub.ticket(written.event_id, [new.expert_id, new.requester_id]);
                if mail {
                    let mut c = tx.conn().await?;
                    outbox::enqueue(&mut c, written.event_id, &[new.expert_id], &new.created_at)
                        .await?;
                }
                Ok(Ok((id, written, ticket, new)))
            })
        })
        .await
        .map_err(pending_already)?;
    let (id, written, ticket, new) = written.map_err(|oldest| pair_limit_reached(actor, oldest))?;
    tracing::info!(
        request_id = id,
        event_id = written.event_id,
        "meeting request created"
    );
    // The row as stored, without reading it back.
    let row = new.into_row(id, actor.user.full_name.clone(), expert_name.to_string());
    state.recent.put(&row);
    publish(state, &row, written, ticket, None).await;
    Ok(view_for(&row, actor.user.id))
}

/// The name of researcher `id`: 404 for no account, 400 for one that is not
/// a researcher's.
async fn researcher_name(state: &AppState, id: i64) -> AppResult<std::sync::Arc<str>> {
    if let Some(name) = state.researchers.get(id) {
        return Ok(name);
    }
    let user = users::find_by_id(&state.db.pool, id)
        .await?
        .ok_or_else(|| ApiError::not_found("No such researcher."))?;
    if user.role != Role::Researcher {
        return Err(ApiError::invalid(
            "expert_id",
            "Meeting requests can only be sent to researchers.",
        )
        .into());
    }
    Ok(state.researchers.put(id, &user.full_name))
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
    // The row this instance last wrote, if it has it: no read first. A move
    // refused on it (or that found the stored row moved on) is decided
    // again on the stored row (`server/recent.rs`).
    if let Some(row) = state.recent.get(id) {
        match move_row(state, actor, row, &change).await {
            Err(AppError::Api(_)) => {}
            done => return done,
        }
    }
    let row = meetings::find(&state.db.pool, id)
        .await?
        .ok_or_else(not_found)?;
    move_row(state, actor, row, &change).await
}

/// `change_status` on `row`, the request as it stands (or stood).
async fn move_row(
    state: &AppState,
    actor: &SessionUser,
    row: RequestRow,
    change: &StatusChange,
) -> AppResult<MeetingRequestView> {
    // Someone else's request answers exactly as one that does not exist.
    let party = party_of(&row, actor.user.id).ok_or_else(not_found)?;
    status::authorize(party, row.status, change.to).map_err(ApiError::from)?;
    let step = move_for(&row, Some(actor.user.id), change);
    if row.status == MeetingStatus::Accepted && row.preferred_at <= step.at {
        return Err(ApiError::conflict(
            "This meeting has already started: it can no longer be cancelled.",
        )
        .into());
    }
    // A time that has passed can no longer be agreed (it is about to expire).
    if let Some((start, _)) = &step.guard
        && *start <= step.at
    {
        return Err(ApiError::conflict("The time of this meeting has already passed.").into());
    }
    let row = apply(state, row, step).await?;
    Ok(view_for(&row, actor.user.id))
}

/// The move that `change` makes of `row`.
fn move_for(
    row: &RequestRow,
    actor_id: Option<i64>,
    change: &StatusChange,
) -> meetings::StatusMove {
    // Accepting a proposal takes the proposed time.
    let preferred_at = (row.status == MeetingStatus::Proposed
        && change.to == MeetingStatus::Accepted)
        .then(|| row.proposed_at.clone())
        .flatten();
    let start = preferred_at
        .clone()
        .unwrap_or_else(|| row.preferred_at.clone());
    meetings::StatusMove {
        id: row.id,
        expert_id: row.expert_id,
        actor_id,
        from: row.status,
        to: change.to,
        reason: change.reason.as_ref().map(|r| r.to_string()),
        at: now_text(),
        preferred_at,
        proposed_at: change.proposed_at.map(time_text),
        seen: (row.preferred_at.clone(), row.proposed_at.clone()),
        details: change.details.as_ref().map(|d| d.to_string()),
        guard: (change.to == MeetingStatus::Accepted).then_some((start, row.minutes())),
    }
}

/// The conditional update and its event, then the news to both parties. Of
/// two racing moves one wins; the other learns where the request went.
/// Returns the row as it now stands (without reading it back).
async fn apply(
    state: &AppState,
    row: RequestRow,
    step: meetings::StatusMove,
) -> AppResult<RequestRow> {
    // Emailed in the same transaction as the event (SPEC 12).
    let emailed = if state.mailer.is_some() {
        told_by_email(&row, step.actor_id)
    } else {
        Vec::new()
    };
    let hub = state.hub.clone();
    let requester_id = row.requester_id;
    let moved = state
        .db
        .write(move |mut tx| {
            Box::pin(async move {
                let written = match meetings::apply_move(&mut tx, &step, emailed.is_empty()).await?
                {
                    Moved::Done(written) => written,
                    not_moved => return Ok(Err(not_moved)),
                };
                let ticket = hub.ticket(written.event_id, [step.expert_id, requester_id]);
                let mut c = tx.conn().await?;
                outbox::enqueue(&mut c, written.event_id, &emailed, &step.at).await?;
                Ok(Ok((written, ticket, step)))
            })
        })
        .await?;
    match moved {
        Ok((written, ticket, step)) => {
            tracing::info!(
                request_id = row.id,
                event_id = written.event_id,
                to = step.to.as_str(),
                "meeting request status changed"
            );
            let row = RequestRow {
                status: step.to,
                updated_at: Some(step.at),
                decision_reason: step.reason,
                preferred_at: step.preferred_at.unwrap_or(row.preferred_at),
                proposed_at: step.proposed_at.or(row.proposed_at),
                details: step.details,
                ..row
            };
            state.recent.put(&row);
            publish(state, &row, written, ticket, step.actor_id).await;
            Ok(row)
        }
        Err(Moved::Overlap(other)) => Err(overlap(&other).into()),
        Err(_) => {
            let now = load(state, row.id).await?.status;
            Err(ApiError::from(Refusal::AlreadyMoved { now }).into())
        }
    }
}

/// Who is emailed about a move: the other party, or both when the server
/// made it. Nobody is emailed about their own action.
fn told_by_email(row: &RequestRow, actor_id: Option<i64>) -> Vec<i64> {
    match mover(row, actor_id) {
        Party::Server => vec![row.expert_id, row.requester_id],
        Party::Requester => vec![row.expert_id],
        Party::Expert => vec![row.requester_id],
    }
}

/// 409 `overlap`, naming the other meeting's time (in UTC: the expert's
/// zone is not known to the server).
fn overlap(other_start: &str) -> ApiError {
    let when = chrono::DateTime::parse_from_rfc3339(other_start)
        .map(|t| format!("{} UTC", t.format(MESSAGE_TIME_FORMAT)))
        .unwrap_or_else(|_| other_start.to_string());
    ApiError {
        code: ErrorCode::Overlap,
        ..ApiError::conflict(format!(
            "This meeting would overlap another accepted meeting, on {when}."
        ))
    }
}

/// Expires the open requests whose time has passed (SPEC 11). Safe on every
/// instance at once: each expiry is a conditional update, so a request
/// expires once, with one event. Returns how many this call expired.
pub async fn expire_due(state: &AppState) -> AppResult<usize> {
    const BATCH: i64 = 200;
    let mut expired = 0;
    loop {
        let due = meetings::due_to_expire(&state.db.pool, &now_text(), BATCH).await?;
        let full = due.len() as i64 == BATCH;
        let mut moved_any = false;
        for row in due {
            let change = StatusChange::simple(MeetingStatus::Expired, None);
            let step = move_for(&row, None, &change);
            match apply(state, row, step).await {
                Ok(_) => {
                    expired += 1;
                    moved_any = true;
                }
                // Another instance (or the other party) was first.
                Err(AppError::Api(e)) if e.code == ErrorCode::Conflict => {}
                Err(e) => return Err(e),
            }
        }
        if !full || !moved_any {
            return Ok(expired);
        }
    }
}

/// The caller's accepted meetings that have not ended, soonest first.
pub async fn upcoming(state: &AppState, actor: &SessionUser) -> AppResult<Vec<MeetingRequestView>> {
    const AT_MOST: i64 = 100;
    let now = chrono::Utc::now();
    // A meeting that started less than the longest length ago may still run.
    let longest = chrono::Duration::minutes(i64::from(LONGEST_DURATION));
    let rows = meetings::accepted_from(
        &state.db.pool,
        actor.user.id,
        actor.user.role == Role::Researcher,
        &time_text(now - longest),
        AT_MOST,
    )
    .await?;
    let now = now.naive_utc();
    Ok(rows
        .iter()
        .filter(|r| meeting_end(&r.preferred_at, r.minutes()).is_some_and(|end| end > now))
        .map(|r| view_for(r, actor.user.id))
        .collect())
}

/// The calendar file of an accepted meeting, for either party (404
/// otherwise, as for a request that does not exist).
pub async fn calendar(state: &AppState, actor: &SessionUser, id: i64) -> AppResult<String> {
    let row = meetings::find(&state.db.pool, id)
        .await?
        .filter(|r| party_of(r, actor.user.id).is_some())
        .filter(|r| r.status == MeetingStatus::Accepted)
        .ok_or_else(|| ApiError::not_found("No such accepted meeting."))?;
    let start = chrono::DateTime::parse_from_rfc3339(&row.preferred_at)
        .map_err(|_| AppError::internal(format!("request {id} has an unreadable time")))?
        .with_timezone(&chrono::Utc);
    let stamp = row.updated_at.as_deref().unwrap_or(&row.created_at);
    let stamp = chrono::DateTime::parse_from_rfc3339(stamp)
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or(start);
    Ok(ics::Event {
        uid: format!("meeting-request-{}@meeting-requests", row.id),
        stamp,
        start,
        minutes: row.minutes(),
        summary: format!(
            "{} with {} and {}",
            row.meeting_type.label(),
            row.expert_name,
            row.requester_name
        ),
        description: row.details.clone().unwrap_or_default(),
    }
    .to_ics())
}

/// Tells both parties after commit (the actor's other tabs too), and the
/// expert their pending count as the event left it. A hub that reads the
/// event log (several instances) learns of it there.
///
/// Then yields once, so that the socket tasks it woke write their frames
/// before the caller's answer is written: the waiting party's frame is the
/// step that moves the exchange on, and the answer goes to someone who
/// acted and already knows. One pass through the runtime's queue
/// (BENCHMARKS.md).
async fn publish(
    state: &AppState,
    row: &RequestRow,
    written: Written,
    ticket: EventTicket,
    actor_id: Option<i64>,
) {
    if state.hub.reads_log() {
        return;
    }
    let created = row.status == MeetingStatus::Pending && row.updated_at.is_none();
    // The party that did not act is told last: the socket task woken last is
    // the one the runtime runs next on this thread (its LIFO slot), while
    // one woken earlier waits in the queue.
    let waiting = if created || actor_id == Some(row.requester_id) {
        row.expert_id
    } else {
        row.requester_id
    };
    let count = written
        .pending
        .map(|count| (row.expert_id, LiveEvent::PendingCount { count }));
    let mut frames: Vec<(i64, LiveEvent)> = frames_for(row, written.event_id, created, actor_id)
        .into_iter()
        .chain(count)
        .collect();
    frames.sort_by_key(|(to, _)| *to == waiting);
    state.hub.publish_event(ticket, &frames);
    tokio::task::yield_now().await;
}

/// The frames of an event about `row` (as it stood right after the event):
/// one for each party, with the request as that party sees it.
fn frames_for(
    row: &RequestRow,
    event_id: i64,
    created: bool,
    actor_id: Option<i64>,
) -> [(i64, LiveEvent); 2] {
    let by = mover(row, actor_id);
    [row.expert_id, row.requester_id].map(|to| {
        let request = view_for(row, to);
        let frame = if created {
            LiveEvent::Created { event_id, request }
        } else {
            LiveEvent::StatusChanged {
                event_id,
                request,
                by,
            }
        };
        (to, frame)
    })
}

/// An event of the log as frames for both parties, with the request as it
/// was right after that event.
fn event_frames(e: EventRow) -> [(i64, LiveEvent); 2] {
    let created = e.from_status.is_none();
    let row = RequestRow {
        status: e.to_status,
        decision_reason: e.reason,
        updated_at: (!created).then_some(e.event_at),
        ..e.request
    };
    frames_for(&row, e.event_id, created, e.actor_id)
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
            out.extend(
                event_frames(e)
                    .into_iter()
                    .filter(|(to, _)| *to == user_id)
                    .map(|(_, frame)| frame),
            );
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
    // Each expert's count, as read with the batch, after its events.
    let mut counts: Vec<(i64, i64)> = Vec::new();
    let mut frames = Vec::with_capacity(rows.len() * 2);
    for logged in rows {
        let e = logged.event;
        last_event_id = e.event_id;
        let expert_id = e.request.expert_id;
        if !counts.iter().any(|&(id, _)| id == expert_id) {
            counts.push((expert_id, logged.expert_pending));
        }
        // The row as stored now: an answer on this instance needs no read.
        state.recent.put(&e.request);
        frames.extend(event_frames(e));
    }
    frames.extend(
        counts
            .into_iter()
            .map(|(expert_id, count)| (expert_id, LiveEvent::PendingCount { count })),
    );
    Ok(FrameBatch {
        frames,
        last_event_id,
        more,
    })
}

pub async fn last_event_id(state: &AppState) -> AppResult<i64> {
    Ok(meetings::last_event_id(&state.db.pool).await?)
}
