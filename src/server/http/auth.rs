//! `/api/auth/*`: thin handlers over the accounts service.

use super::extract::{ClientAddr, JsonBody, RequireUser};
use super::middleware::{cleared_session_cookie, session_cookie};
use super::openapi::{ApiErrors, LoginBody, RegisterBody, UserEnvelope};
use crate::domain::{Credentials, NewAccount, NewAccountInput};
use crate::server::error::AppError;
use crate::server::services::accounts::{self, CurrentSession};
use crate::server::state::AppState;
use crate::shared::model::Preferences;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::json;

/// Creates an account (a patient, or a researcher with a profile).
#[utoipa::path(post, path = "/auth/register", tag = "auth", security(()),
    request_body = RegisterBody,
    responses((status = 201, description = "Registered", body = UserEnvelope), ApiErrors))]
pub async fn register(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    body: JsonBody,
) -> Result<Response, AppError> {
    let permit = accounts::throttle(&state, client)?;
    let account = NewAccount::parse(&NewAccountInput {
        email: body.text("email")?,
        password: body.text("password")?,
        full_name: body.text("full_name")?,
        role: body.text("role")?,
        specialty: body.optional_text("specialty")?,
        institution: body.optional_text("institution")?,
        bio: body.optional_text("bio")?,
    })?;
    let user = accounts::register(&state, &permit, account).await?;
    Ok((StatusCode::CREATED, Json(json!({ "user": user }))).into_response())
}

/// Logs in: answers the user and sets the `session` cookie.
#[utoipa::path(post, path = "/auth/login", tag = "auth", security(()),
    request_body = LoginBody,
    responses((status = 200, description = "Logged in; `Set-Cookie` carries the session", body = UserEnvelope), ApiErrors))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Extension(CurrentSession(previous)): Extension<CurrentSession>,
    body: JsonBody,
) -> Result<Response, AppError> {
    let permit = accounts::throttle(&state, client)?;
    let credentials = Credentials::new(&body.text("email")?, &body.text("password")?);
    let session = accounts::login(&state, &permit, credentials, previous.as_ref()).await?;
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

/// Ends the session, if any, and clears the cookie.
#[utoipa::path(post, path = "/auth/logout", tag = "auth",
    responses((status = 204, description = "Logged out"), ApiErrors))]
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

/// The logged-in user.
#[utoipa::path(get, path = "/auth/me", tag = "auth",
    responses((status = 200, description = "The user of the session", body = UserEnvelope), ApiErrors))]
pub async fn me(RequireUser(session): RequireUser) -> Response {
    Json(json!({ "user": session.user })).into_response()
}

/// What the user chose to be told.
#[utoipa::path(get, path = "/me/preferences", tag = "auth",
    responses((status = 200, description = "The user's preferences", body = Preferences), ApiErrors))]
pub async fn preferences(
    State(state): State<AppState>,
    RequireUser(session): RequireUser,
) -> Result<Response, AppError> {
    Ok(Json(accounts::preferences(&state, &session).await?).into_response())
}

/// Changes what the user is told: `{"email_notifications": bool}`.
#[utoipa::path(put, path = "/me/preferences", tag = "auth",
    request_body = Preferences,
    responses((status = 200, description = "The preferences as saved", body = Preferences), ApiErrors))]
pub async fn set_preferences(
    State(state): State<AppState>,
    RequireUser(session): RequireUser,
    body: JsonBody,
) -> Result<Response, AppError> {
    let preferences = Preferences {
        email_notifications: body.boolean("email_notifications")?,
    };
    Ok(Json(accounts::set_preferences(&state, &session, preferences).await?).into_response())
}
