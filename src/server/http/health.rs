use crate::server::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// 200 when the database answers, 503 otherwise.
#[utoipa::path(get, path = "/healthz", tag = "meta", security(()),
    responses(
        (status = 200, description = "The database answers", body = super::openapi::Health),
        (status = 503, description = "The database does not answer", body = super::openapi::Health),
    ))]
pub async fn healthz(State(state): State<AppState>) -> Response {
    if state.db.ping().await {
        Json(json!({ "status": "ok" })).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable" })),
        )
            .into_response()
    }
}
