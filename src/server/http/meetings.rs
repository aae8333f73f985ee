//! `/api/experts` and `/api/meetings/*`: thin handlers. Each reads its input
//! into domain types and calls a service.

use super::extract::{JsonBody, RequireUser};
use super::openapi::{ApiErrors, NewRequestBody, StatusBody};
use crate::domain::{
    ListQuery, NewMeetingRequest, NewMeetingRequestInput, StatusChange, StatusChangeInput,
    TimeInput,
};
use crate::server::error::AppError;
use crate::server::services::{accounts, meetings};
use crate::server::state::AppState;
use crate::server::zones::TzDatabase;
use crate::shared::error::ApiError;
use crate::shared::model::{ExpertView, MeetingRequestView};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// The researchers a patient can ask for a meeting.
#[utoipa::path(get, path = "/experts", tag = "meetings",
    responses((status = 200, description = "Every researcher", body = Vec<ExpertView>), ApiErrors))]
pub async fn experts(
    State(state): State<AppState>,
    RequireUser(_): RequireUser,
) -> Result<Response, AppError> {
    Ok(Json(accounts::experts(&state).await?).into_response())
}

/// `?status=&limit=&before=`, as text: `ListQuery::parse` names the field
/// of any mistake.
#[derive(Deserialize)]
pub struct ListParams {
    status: Option<String>,
    limit: Option<String>,
    before: Option<String>,
}

/// The caller's requests, newest first, a page at a time (SPEC 10).
#[utoipa::path(get, path = "/meetings/", tag = "meetings",
    params(
        ("status" = Option<String>, Query, description = "Only requests with this status, such as `pending`"),
        ("limit" = Option<i64>, Query, description = "At most this many (default 100, at most 500)"),
        ("before" = Option<i64>, Query, description = "Only requests with a smaller id (the next page)"),
    ),
    responses((status = 200, description = "The requests as the caller sees them", body = Vec<MeetingRequestView>), ApiErrors))]
pub async fn list(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    // A query string that is not even key=value pairs asks for the defaults.
    let query = match params {
        Ok(Query(p)) => {
            ListQuery::parse(p.status.as_deref(), p.limit.as_deref(), p.before.as_deref())?
        }
        Err(_) => ListQuery::default(),
    };
    Ok(Json(meetings::list(&state, &user, query).await?).into_response())
}

/// A patient asks a researcher for a meeting.
#[utoipa::path(post, path = "/meetings/", tag = "meetings",
    request_body = NewRequestBody,
    responses((status = 201, description = "Sent; the item as the patient sees it", body = MeetingRequestView), ApiErrors))]
pub async fn create(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    body: JsonBody,
) -> Result<Response, AppError> {
    let input = NewMeetingRequestInput {
        expert_id: body.integer("expert_id")?,
        note: body.text("message")?,
        preferred_at: TimeInput::Rfc3339(body.text("preferred_at")?),
        meeting_type: body.text("meeting_type")?,
        time_zone: body.text("time_zone")?,
        duration_minutes: body.optional_integer("duration_minutes")?,
    };
    let request = NewMeetingRequest::parse(&input, &TzDatabase, chrono::Utc::now())?;
    let item = meetings::create(&state, &user, request).await?;
    Ok((StatusCode::CREATED, Json(item)).into_response())
}

/// Accept, decline or propose another time (the researcher); accept or
/// decline a proposed time, or cancel (the patient); cancel an accepted
/// meeting (either).
#[utoipa::path(put, path = "/meetings/{id}/status", tag = "meetings",
    params(("id" = i64, Path, description = "The request's id")),
    request_body = StatusBody,
    responses((status = 200, description = "The updated item", body = MeetingRequestView), ApiErrors))]
pub async fn change_status(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Response, AppError> {
    let id = request_id(&id)?;
    let input = StatusChangeInput {
        status: body.text("status")?,
        reason: body.optional_text("reason")?,
        details: body.optional_text("details")?,
        proposed_at: body.optional_text("proposed_at")?.map(TimeInput::Rfc3339),
        time_zone: None,
    };
    let change = StatusChange::parse(&input, &TzDatabase, chrono::Utc::now())?;
    let item = meetings::change_status(&state, &user, id, change).await?;
    Ok(Json(item).into_response())
}

/// An id that is not a number names no request: 404, like any unknown id.
fn request_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::not_found("No such meeting request."))
}

/// An accepted meeting as a calendar file (RFC 5545), for either party.
#[utoipa::path(get, path = "/meetings/{id}/calendar.ics", tag = "meetings",
    params(("id" = i64, Path, description = "The request's id")),
    responses((status = 200, description = "One `VEVENT`", content_type = "text/calendar", body = String), ApiErrors))]
pub async fn calendar(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = request_id(&id)?;
    let ics = meetings::calendar(&state, &user, id).await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"meeting-{id}.ics\""),
            ),
        ],
        ics,
    )
        .into_response())
}
