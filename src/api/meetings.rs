use crate::shared::error::ApiError;
use crate::shared::model::{ExpertView, MeetingRequestView, RequestPage};
use leptos::prelude::*;

#[server(prefix = "/fn", endpoint = "experts")]
pub async fn list_experts() -> Result<Vec<ExpertView>, ApiError> {
    use crate::server::{fns, services::accounts};
    fns::require_session()?;
    let state = fns::state()?;
    fns::finish(accounts::experts(&state).await)
}

/// How many requests a dashboard shows at a time.
pub const DASHBOARD_PAGE: usize = 20;

/// A page of the caller's requests, newest first, optionally of one status
/// and older than `before`.
#[server(prefix = "/fn", endpoint = "my_requests")]
pub async fn my_requests(
    #[server(default)] status: Option<String>,
    #[server(default)] before: Option<i64>,
) -> Result<RequestPage, ApiError> {
    use crate::domain::{ListQuery, status::parse_filter};
    use crate::server::{fns, services::meetings};
    let session = fns::require_session()?;
    let state = fns::state()?;
    // One more than a page tells whether older ones remain.
    let query = ListQuery {
        status: fns::finish(parse_filter(status.as_deref()))?,
        limit: DASHBOARD_PAGE as i64 + 1,
        before,
    };
    let mut items = fns::finish(meetings::list(&state, &session, query).await)?;
    let more = items.len() > DASHBOARD_PAGE;
    items.truncate(DASHBOARD_PAGE);
    Ok(RequestPage { items, more })
}

/// The request dialog's form. `preferred_at` is the wall-clock value of the
/// `datetime-local` input, read in `time_zone`.
#[server(prefix = "/fn", endpoint = "send_request")]
pub async fn send_request(
    expert_id: i64,
    message: String,
    preferred_at: String,
    meeting_type: String,
    time_zone: String,
    #[server(default)] duration_minutes: Option<String>,
) -> Result<MeetingRequestView, ApiError> {
    use crate::domain::{NewMeetingRequest, NewMeetingRequestInput, TimeInput};
    use crate::server::{fns, services::meetings, zones::TzDatabase};
    let session = fns::require_session()?;
    let state = fns::state()?;
    let duration_minutes = match duration_minutes.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(n) => Some(n.parse::<i64>().unwrap_or(0)),
    };
    let input = NewMeetingRequestInput {
        expert_id,
        note: message,
        preferred_at: TimeInput::Local(preferred_at),
        meeting_type,
        time_zone,
        duration_minutes,
    };
    let request = fns::finish(NewMeetingRequest::parse(
        &input,
        &TzDatabase,
        chrono::Utc::now(),
    ))?;
    let item = fns::finish(meetings::create(&state, &session, request).await)?;
    fns::redirect_plain_form_post(&format!("/experts?sent={}", item.id));
    Ok(item)
}

/// Every move of a request from a dashboard: accept (with how to join),
/// decline or propose another time (researcher); accept or decline a
/// proposed time, or cancel (patient); cancel an accepted meeting (either).
/// `proposed_at` is the wall-clock value of a `datetime-local` input, read in
/// `time_zone`.
#[server(prefix = "/fn", endpoint = "answer_request")]
pub async fn answer_request(
    id: i64,
    status: String,
    #[server(default)] reason: Option<String>,
    #[server(default)] details: Option<String>,
    #[server(default)] proposed_at: Option<String>,
    #[server(default)] time_zone: Option<String>,
) -> Result<MeetingRequestView, ApiError> {
    use crate::domain::{StatusChange, StatusChangeInput, TimeInput};
    use crate::server::{fns, services::meetings, zones::TzDatabase};
    let session = fns::require_session()?;
    let state = fns::state()?;
    let input = StatusChangeInput {
        status,
        reason,
        details,
        proposed_at: proposed_at.map(TimeInput::Local),
        time_zone,
    };
    let change = fns::finish(StatusChange::parse(&input, &TzDatabase, chrono::Utc::now()))?;
    let item = fns::finish(meetings::change_status(&state, &session, id, change).await)?;
    fns::redirect_plain_form_post(&format!(
        "{}?done={}",
        session.user.role.dashboard_path(),
        item.status.as_str()
    ));
    Ok(item)
}

/// The caller's accepted meetings that have not ended, soonest first (as a
/// page, the type the dashboards already load, so the client carries one).
#[server(prefix = "/fn", endpoint = "upcoming_meetings")]
pub async fn upcoming_meetings() -> Result<RequestPage, ApiError> {
    use crate::server::{fns, services::meetings};
    let session = fns::require_session()?;
    let state = fns::state()?;
    let items = fns::finish(meetings::upcoming(&state, &session).await)?;
    Ok(RequestPage { items, more: false })
}
