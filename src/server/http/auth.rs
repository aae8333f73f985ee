//! `/api/auth/*`: thin handlers over the accounts service.

use super::extract::{ApiJson, ClientAddr, RequireUser};
use super::middleware::{cleared_session_cookie, session_cookie};
use crate::server::error::AppError;
use crate::server::services::accounts::{self, CurrentSession, Registration};
use crate::server::state::AppState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
pub struct RegisterBody {
    email: String,
    password: String,
    full_name: String,
    role: String,
    specialty: Option<String>,
    institution: Option<String>,
    bio: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginBody {
    email: String,
    password: String,
}

pub async fn register(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(body): ApiJson<RegisterBody>,
) -> Result<Response, AppError> {
    let user = accounts::register(
        &state,
        client,
        Registration {
            email: body.email,
            password: body.password,
            full_name: body.full_name,
            role: body.role,
            specialty: body.specialty,
            institution: body.institution,
            bio: body.bio,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(json!({ "user": user }))).into_response())
}

pub async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Extension(CurrentSession(previous)): Extension<CurrentSession>,
    ApiJson(body): ApiJson<LoginBody>,
) -> Result<Response, AppError> {
    let session = accounts::login(
        &state,
        client,
        &body.email,
        &body.password,
        previous.as_ref(),
    )
    .await?;
    let cookie = session_cookie(
        &session.token,
        state.config.cookie_secure,
        state.config.session_max_secs,
    );
    Ok((
        [(header::SET_COOKIE, cookie)],
        Json(json!({ "user": session.user })),
    )
        .into_response())
}

pub async fn logout(
    State(state): State<AppState>,
    Extension(CurrentSession(current)): Extension<CurrentSession>,
) -> Result<Response, AppError> {
    if let Some(session) = current {
        accounts::logout(&state, &session).await?;
    }
    Ok((
        StatusCode::NO_CONTENT,
        [(
            header::SET_COOKIE,
            cleared_session_cookie(state.config.cookie_secure),
        )],
    )
        .into_response())
}

pub async fn me(RequireUser(session): RequireUser) -> Response {
    Json(json!({ "user": session.user })).into_response()
}
