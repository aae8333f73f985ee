//! What server functions need from the request they run in: the app state,
//! the session, the client address, and a way to set response headers. They
//! stay thin: each takes what it needs here and calls a service.

use super::error::{AppError, status_of};
use super::http::middleware;
use super::services::accounts::{CurrentSession, SessionUser};
use super::state::AppState;
use crate::shared::error::ApiError;
use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;
use std::net::{IpAddr, SocketAddr};

pub fn state() -> Result<AppState, ApiError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("server function without app state");
        ApiError::internal()
    })
}

pub fn session() -> Option<SessionUser> {
    use_context::<Parts>()
        .and_then(|parts| parts.extensions.get::<CurrentSession>().cloned())
        .and_then(|current| current.0)
}

pub fn require_session() -> Result<SessionUser, ApiError> {
    session().ok_or_else(ApiError::unauthorized)
}

pub fn client_ip(state: &AppState) -> Option<IpAddr> {
    let parts = use_context::<Parts>()?;
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>();
    middleware::client_ip(&parts.headers, peer, state.config.trust_proxy)
}

/// Whether this call is a plain HTML form post (no WebAssembly yet): such
/// calls answer with a redirect instead of data.
pub fn is_plain_form_post() -> bool {
    use_context::<Parts>()
        .and_then(|parts| {
            parts
                .headers
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.contains("text/html"))
        })
        .unwrap_or(false)
}

/// Sends a plain form post on to `path` (a 302). Calls from the WebAssembly
/// client get their data instead and move on by themselves.
pub fn redirect_plain_form_post(path: &str) {
    if is_plain_form_post() {
        leptos_axum::redirect(path);
    }
}

pub fn append_header(name: header::HeaderName, value: HeaderValue) {
    if let Some(response) = use_context::<ResponseOptions>() {
        response.append_header(name, value);
    }
}

/// Maps a service result to what the client sees, with the right status for
/// calls from the WebAssembly client (plain form posts keep their redirect).
pub fn finish<T, E: Into<AppError>>(result: Result<T, E>) -> Result<T, ApiError> {
    result.map_err(|err| {
        let api = err.into().into_api();
        if !is_plain_form_post()
            && let Some(response) = use_context::<ResponseOptions>()
        {
            response.set_status(status_of(api.code));
        }
        api
    })
}

pub fn set_session_cookie(state: &AppState, token: &str) {
    append_header(
        header::SET_COOKIE,
        middleware::session_cookie(
            token,
            state.config.cookie_secure,
            state.config.session_max_secs,
        ),
    );
}

pub fn clear_session_cookie(state: &AppState) {
    append_header(
        header::SET_COOKIE,
        middleware::cleared_session_cookie(state.config.cookie_secure),
    );
}
