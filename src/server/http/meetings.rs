//! `/api/experts` and `/api/meetings/*`: thin handlers. Each reads its input
//! into domain types and calls a service.

use super::extract::{JsonBody, RequireUser};
use crate::domain::{
    ListQuery, NewMeetingRequest, NewMeetingRequestInput, StatusChange, TimeInput,
};
use crate::server::error::AppError;
use crate::server::services::{accounts, meetings};
use crate::server::state::AppState;
use crate::server::zones::TzDatabase;
use crate::shared::error::ApiError;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

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
    };
    let request = NewMeetingRequest::parse(&input, &TzDatabase, chrono::Utc::now())?;
    let item = meetings::create(&state, &user, request).await?;
    Ok((StatusCode::CREATED, Json(item)).into_response())
}

pub async fn change_status(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Response, AppError> {
    // An id that is not a number names no request: 404, like any unknown id.
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::not_found("No such meeting request."))?;
    let change = StatusChange::parse(
        &body.text("status")?,
        body.optional_text("reason")?.as_deref(),
    )?;
    let item = meetings::change_status(&state, &user, id, change).await?;
    Ok(Json(item).into_response())
}
