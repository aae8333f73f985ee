//! The JSON API under `/api`, the live stream at `/api/ws`, `/healthz`, and
//! the middleware every request passes through.

pub mod auth;
pub mod extract;
pub mod health;
pub mod meetings;
pub mod middleware;
pub mod security;
pub mod ws;

use super::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};

/// JSON bodies larger than this answer 413.
pub const JSON_BODY_LIMIT: usize = 64 * 1024;

pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/auth/register", post(auth::register))
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/me", get(auth::me))
        .route("/experts", get(meetings::experts))
        .route("/meetings", get(meetings::list).post(meetings::create))
        .route("/meetings/", get(meetings::list).post(meetings::create))
        .route("/meetings/{id}/status", put(meetings::change_status))
        .route("/ws", get(ws::upgrade))
        .fallback(extract::api_not_found)
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
}
