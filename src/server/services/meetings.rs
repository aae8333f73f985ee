//! Meeting requests: creation, the status flow, listing and the live events
//! they produce (SPEC sections 5 and 7).

use crate::server::db::{now_text, time_text};
use crate::server::error::{AppError, AppResult};
use crate::server::repo::{self, meetings, meetings::RequestRow, users};
use crate::server::services::accounts::{SessionUser, require_role};
use crate::server::state::AppState;
use crate::shared::error::ApiError;
use crate::shared::model::{
    Direction, LiveEvent, MeetingRequestView, MeetingType, PartyView, RequestStatus, Role,
};
use crate::shared::rules;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// How the preferred time arrives: RFC 3339 with an offset (JSON API), or
/// the wall-clock value of a `datetime-local` input in the patient's zone
/// (the page's form).
pub enum PreferredAt {
    Rfc3339(String),
    Local(String),
}

pub struct NewRequestInput {
    pub expert_id: i64,
    pub note: String,
    pub preferred_at: PreferredAt,
    pub meeting_type: String,
    pub time_zone: String,
}

fn parse_zone(raw: &str) -> Result<Tz, ApiError> {
    raw.trim().parse::<Tz>().map_err(|_| {
        ApiError::invalid(
            "time_zone",
            "Unknown time zone: use an IANA name such as Europe/Paris.",
        )
    })
}

fn resolve_time(raw: &PreferredAt, zone: Tz) -> Result<DateTime<Utc>, ApiError> {
    match raw {
        PreferredAt::Rfc3339(text) => DateTime::parse_from_rfc3339(text.trim())
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| {
                ApiError::invalid(
                    "preferred_at",
                    "Give the preferred time as an RFC 3339 date-time with an offset, e.g. 2025-11-05T14:00:00+01:00.",
                )
            }),
        PreferredAt::Local(text) => {
            let text = text.trim();
            if text.is_empty() {
                return Err(ApiError::invalid("preferred_at", "Choose a preferred date and time."));
            }
            let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
                .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
                .map_err(|_| ApiError::invalid("preferred_at", "Choose a valid date and time."))?;
            zone.from_local_datetime(&naive)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
                .ok_or_else(|| {
                    ApiError::invalid(
                        "preferred_at",
                        "That time does not exist in your time zone (the clocks change). Choose another.",
                    )
                })
        }
    }
}

fn party(id: i64, name: &str, role: Role) -> PartyView {
    PartyView {
        id,
        full_name: name.to_string(),
        role,
    }
}

/// The request as `viewer_id` sees it: the other party, and whether they sent
/// or received it.
pub fn view_for(row: &RequestRow, viewer_id: i64) -> AppResult<MeetingRequestView> {
    let status = RequestStatus::parse(&row.status)
        .ok_or_else(|| AppError::internal(format!("request {} has an unknown status", row.id)))?;
    let meeting_type = MeetingType::parse(&row.meeting_type).ok_or_else(|| {
        AppError::internal(format!("request {} has an unknown meeting type", row.id))
    })?;
    let as_expert = row.expert_id == viewer_id;
    Ok(MeetingRequestView {
        id: row.id,
        requester: as_expert.then(|| party(row.requester_id, &row.requester_name, Role::Patient)),
        expert: (!as_expert).then(|| party(row.expert_id, &row.expert_name, Role::Researcher)),
        message: row.message.clone(),
        status,
        created_at: row.created_at.clone(),
        updated_at: row.updated_at.clone(),
        preferred_at: row.preferred_at.clone(),
        meeting_type,
        time_zone: row.time_zone.clone(),
        decision_reason: row.decision_reason.clone(),
        direction: if as_expert {
            Direction::Received
        } else {
            Direction::Sent
        },
    })
}

fn not_found() -> ApiError {
    ApiError::not_found("No such meeting request.")
}

async fn publish_pending_count(state: &AppState, expert_id: i64) -> AppResult<()> {
    let count = meetings::pending_count(&state.db.pool, expert_id).await?;
    state
        .hub
        .publish(expert_id, &LiveEvent::PendingCount { count });
    Ok(())
}

pub async fn create(
    state: &AppState,
    actor: &SessionUser,
    input: NewRequestInput,
) -> AppResult<MeetingRequestView> {
    require_role(actor, Role::Patient)?;
    let note = rules::parse_note(&input.note)?;
    let zone = parse_zone(&input.time_zone)?;
    let preferred =
        rules::check_preferred_time(resolve_time(&input.preferred_at, zone)?, Utc::now())?;
    let meeting_type = rules::parse_meeting_type(&input.meeting_type)?;
    if input.expert_id == actor.user.id {
        return Err(ApiError::invalid(
            "expert_id",
            "You cannot send a meeting request to yourself.",
        )
        .into());
    }
    let expert = users::find_by_id(&state.db.pool, input.expert_id)
        .await?
        .ok_or_else(|| ApiError::not_found("No such researcher."))?;
    if expert.role != Role::Researcher.as_str() {
        return Err(ApiError::invalid(
            "expert_id",
            "Meeting requests can only be sent to researchers.",
        )
        .into());
    }
    let local = preferred
        .with_timezone(&zone)
        .format(rules::MESSAGE_TIME_FORMAT)
        .to_string();
    let message = rules::compose_message(&note, &local, zone.name(), meeting_type);
    let created_at = now_text();
    let (id, event_id) = meetings::insert(
        &state.db.pool,
        &meetings::NewRequest {
            requester_id: actor.user.id,
            expert_id: expert.id,
            message: &message,
            created_at: &created_at,
            preferred_at: &time_text(preferred),
            meeting_type: meeting_type.label(),
            time_zone: zone.name(),
        },
    )
    .await
    .map_err(|e| -> AppError {
        if repo::is_unique_violation(&e) {
            ApiError::conflict("You already have a pending request with this researcher. Wait for their answer or cancel it first.").into()
        } else {
            e.into()
        }
    })?;
    tracing::info!(request_id = id, event_id, "meeting request created");
    let row = meetings::find(&state.db.pool, id)
        .await?
        .ok_or_else(|| AppError::internal("a new request vanished"))?;
    state.hub.publish(
        row.expert_id,
        &LiveEvent::Created {
            event_id,
            request: view_for(&row, row.expert_id)?,
        },
    );
    publish_pending_count(state, row.expert_id).await?;
    view_for(&row, actor.user.id)
}

fn parse_status_filter(raw: Option<&str>) -> Result<Option<RequestStatus>, ApiError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => RequestStatus::parse(s).map(Some).ok_or_else(|| {
            ApiError::invalid(
                "status",
                "Status must be pending, accepted, rejected or cancelled.",
            )
        }),
    }
}

/// The caller's requests, newest first: received ones for a researcher, sent
/// ones for a patient.
pub async fn list(
    state: &AppState,
    actor: &SessionUser,
    status: Option<&str>,
) -> AppResult<Vec<MeetingRequestView>> {
    let status = parse_status_filter(status)?;
    let rows = meetings::list_for(
        &state.db.pool,
        actor.user.id,
        actor.user.role == Role::Researcher,
        status.map(RequestStatus::as_str),
    )
    .await?;
    rows.iter().map(|r| view_for(r, actor.user.id)).collect()
}

pub async fn pending_count(state: &AppState, expert_id: i64) -> AppResult<i64> {
    Ok(meetings::pending_count(&state.db.pool, expert_id).await?)
}

/// Answers (expert: accepted / rejected) or withdraws (requester: cancelled)
/// a pending request.
pub async fn change_status(
    state: &AppState,
    actor: &SessionUser,
    id: i64,
    status: &str,
    reason: Option<&str>,
) -> AppResult<MeetingRequestView> {
    let target = match RequestStatus::parse(status) {
        Some(
            s @ (RequestStatus::Accepted | RequestStatus::Rejected | RequestStatus::Cancelled),
        ) => s,
        _ => {
            return Err(ApiError::invalid(
                "status",
                "Status must be accepted, rejected (or declined) or cancelled.",
            )
            .into());
        }
    };
    let reason = rules::parse_reason(reason)?;
    let row = meetings::find(&state.db.pool, id)
        .await?
        .ok_or_else(not_found)?;
    let user_id = actor.user.id;
    if row.requester_id != user_id && row.expert_id != user_id {
        // Someone else's request answers exactly as one that does not exist.
        return Err(not_found().into());
    }
    match target {
        RequestStatus::Cancelled if row.requester_id != user_id => {
            return Err(
                ApiError::forbidden("Only the patient who sent a request can cancel it.").into(),
            );
        }
        RequestStatus::Accepted | RequestStatus::Rejected if row.expert_id != user_id => {
            return Err(ApiError::forbidden(
                "Only the researcher a request was sent to can answer it.",
            )
            .into());
        }
        _ => {}
    }
    let already = |current: &str| -> AppError {
        let label = RequestStatus::parse(current)
            .map(RequestStatus::label)
            .unwrap_or(current);
        ApiError::conflict(format!(
            "This request is no longer pending: it was already {}.",
            label.to_lowercase()
        ))
        .into()
    };
    if row.status != RequestStatus::Pending.as_str() {
        return Err(already(&row.status));
    }
    let at = now_text();
    let Some(event_id) = meetings::transition_from_pending(
        &state.db.pool,
        id,
        user_id,
        target.as_str(),
        reason.as_deref(),
        &at,
    )
    .await?
    else {
        // Another answer won the race.
        let current = meetings::find(&state.db.pool, id)
            .await?
            .map(|r| r.status)
            .unwrap_or_default();
        return Err(already(&current));
    };
    tracing::info!(
        request_id = id,
        event_id,
        to = target.as_str(),
        "meeting request status changed"
    );
    let row = meetings::find(&state.db.pool, id)
        .await?
        .ok_or_else(|| AppError::internal("an answered request vanished"))?;
    let other = if user_id == row.expert_id {
        row.requester_id
    } else {
        row.expert_id
    };
    state.hub.publish(
        other,
        &LiveEvent::StatusChanged {
            event_id,
            request: view_for(&row, other)?,
        },
    );
    publish_pending_count(state, row.expert_id).await?;
    view_for(&row, user_id)
}

/// Every event after `since` meant for `user_id`, oldest first, each request
/// shown as it was right after that event: a creation goes to the expert, a
/// status change to the party who did not make it.
pub async fn events_since(state: &AppState, user_id: i64, since: i64) -> AppResult<Vec<LiveEvent>> {
    const BATCH: i64 = 500;
    let mut out = Vec::new();
    let mut cursor = since.max(0);
    loop {
        let rows = meetings::events_since(&state.db.pool, user_id, cursor, BATCH).await?;
        let done = (rows.len() as i64) < BATCH;
        for e in rows {
            cursor = e.event_id;
            let created = e.from_status.is_none();
            let meant_for_user = if created {
                e.request.expert_id == user_id
            } else {
                e.actor_id != user_id
            };
            if !meant_for_user {
                continue;
            }
            let mut row = e.request;
            row.status = e.to_status;
            row.decision_reason = e.reason;
            row.updated_at = (!created).then_some(e.event_at);
            let request = view_for(&row, user_id)?;
            out.push(if created {
                LiveEvent::Created {
                    event_id: e.event_id,
                    request,
                }
            } else {
                LiveEvent::StatusChanged {
                    event_id: e.event_id,
                    request,
                }
            });
        }
        if done {
            return Ok(out);
        }
    }
}

pub async fn last_event_id(state: &AppState) -> AppResult<i64> {
    Ok(meetings::last_event_id(&state.db.pool).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_resolve_in_the_patients_zone() {
        let paris: Tz = "Europe/Paris".parse().unwrap();
        let utc = resolve_time(&PreferredAt::Local("2025-11-05T14:00".into()), paris).unwrap();
        assert_eq!(time_text(utc), "2025-11-05T13:00:00Z");
        // 02:30 on the spring-forward night does not exist in Paris.
        let gap = resolve_time(&PreferredAt::Local("2026-03-29T02:30".into()), paris).unwrap_err();
        assert_eq!(gap.field.as_deref(), Some("preferred_at"));
        assert!(resolve_time(&PreferredAt::Local("tomorrow".into()), paris).is_err());
    }

    #[test]
    fn rfc3339_needs_an_offset_and_zones_must_exist() {
        let z: Tz = "UTC".parse().unwrap();
        assert!(resolve_time(&PreferredAt::Rfc3339("2025-11-05T14:00:00+01:00".into()), z).is_ok());
        assert!(resolve_time(&PreferredAt::Rfc3339("2025-11-05T14:00:00".into()), z).is_err());
        assert_eq!(
            parse_zone("Mars/Olympus").unwrap_err().field.as_deref(),
            Some("time_zone")
        );
        assert!(parse_zone("America/New_York").is_ok());
    }
}
