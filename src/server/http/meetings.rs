//! `/api/experts` and `/api/meetings/*`: thin handlers over the services.

use super::extract::{ApiJson, RequireUser};
use crate::server::error::AppError;
use crate::server::services::accounts;
use crate::server::services::meetings::{self, NewRequestInput, PreferredAt};
use crate::server::state::AppState;
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

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let status = query.ok().and_then(|Query(q)| q.status);
    Ok(Json(meetings::list(&state, &user, status.as_deref()).await?).into_response())
}

#[derive(Deserialize)]
pub struct CreateBody {
    expert_id: i64,
    message: String,
    preferred_at: String,
    meeting_type: String,
    time_zone: String,
}

pub async fn create(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    ApiJson(body): ApiJson<CreateBody>,
) -> Result<Response, AppError> {
    let item = meetings::create(
        &state,
        &user,
        NewRequestInput {
            expert_id: body.expert_id,
            note: body.message,
            preferred_at: PreferredAt::Rfc3339(body.preferred_at),
            meeting_type: body.meeting_type,
            time_zone: body.time_zone,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(item)).into_response())
}

#[derive(Deserialize)]
pub struct StatusBody {
    status: String,
    reason: Option<String>,
}

pub async fn change_status(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<StatusBody>,
) -> Result<Response, AppError> {
    // An id that is not a number names no request: 404, like any unknown id.
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::not_found("No such meeting request."))?;
    let item =
        meetings::change_status(&state, &user, id, &body.status, body.reason.as_deref()).await?;
    Ok(Json(item).into_response())
}
