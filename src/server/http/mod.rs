//! The JSON API under `/api`, the live stream at `/api/ws`, `/healthz`, and
//! the middleware every request passes through.

pub mod assets;
pub mod auth;
pub mod extract;
pub mod health;
pub mod meetings;
pub mod middleware;
pub mod openapi;
pub mod security;
pub mod ws;

use super::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// JSON bodies larger than this answer 413.
pub const JSON_BODY_LIMIT: usize = 64 * 1024;

/// `/healthz` and the JSON API under `/api`, with the description built
/// from the same handlers and served at `/api/openapi.json`.
pub fn api_routes() -> Router<AppState> {
    let api = OpenApiRouter::new()
        .routes(routes!(auth::register))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(auth::preferences, auth::set_preferences))
        .routes(routes!(meetings::experts))
        .routes(routes!(meetings::list, meetings::create))
        .routes(routes!(meetings::change_status))
        .routes(routes!(meetings::calendar))
        .routes(routes!(ws::upgrade))
        .routes(routes!(openapi::openapi_json))
        // SPEC 6: the trailing slash of `/api/meetings/` is optional. This
        // spelling is the one route the description leaves out.
        .route("/meetings", get(meetings::list).post(meetings::create))
        .fallback(extract::api_not_found)
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT));
    let (router, description) = OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .nest("/api", api)
        .split_for_parts();
    openapi::keep(|| {
        description
            .to_json()
            .unwrap_or_else(|err| format!("{{\"error\": \"{err}\"}}"))
    });
    router
}
