//! Extractors that turn bad requests into the API's JSON errors.

use super::middleware::client_ip;
use crate::server::error::api_error_response;
use crate::server::services::accounts::{CurrentSession, SessionUser};
use crate::server::state::AppState;
use crate::shared::error::{ApiError, ErrorCode};
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use serde::de::DeserializeOwned;
use std::net::SocketAddr;

/// `Json<T>` whose rejections are the API's errors: 415 for a body that is
/// not JSON, 413 for one too large, 400 naming the field otherwise.
pub struct ApiJson<T>(pub T);

/// The field a serde error names: `missing field `email`` or a path prefix
/// such as `expert_id: invalid type`.
fn field_in(message: &str) -> Option<String> {
    if let Some(start) = message.find('`') {
        let len = message[start + 1..].find('`')?;
        return Some(message[start + 1..start + 1 + len].to_string());
    }
    let (path, _) = message.split_once(": ")?;
    let valid = !path.is_empty()
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.[]".contains(c));
    valid.then(|| path.to_string())
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(ErrorCode::PayloadTooLarge, "The request body is too large.")
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "Send the body as JSON, with Content-Type: application/json.",
        ),
        _ => {
            let detail = rejection.body_text();
            // Drop axum's preamble ("Failed to deserialize the JSON body into
            // the target type: ") and keep serde's own words.
            let message = detail
                .split_once("target type: ")
                .map(|(_, rest)| rest)
                .unwrap_or(&detail)
                .to_string();
            let field = match &rejection {
                JsonRejection::JsonDataError(_) => field_in(&message),
                _ => None,
            };
            ApiError {
                field,
                ..ApiError::new(
                    ErrorCode::ValidationError,
                    format!("Invalid JSON body: {message}"),
                )
            }
        }
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(api_error_response(json_rejection(rejection))),
        }
    }
}

/// The logged-in user, or 401.
pub struct RequireUser(pub SessionUser);

impl<S: Send + Sync> FromRequestParts<S> for RequireUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<CurrentSession>() {
            Some(CurrentSession(Some(user))) => Ok(RequireUser(user.clone())),
            _ => Err(api_error_response(ApiError::unauthorized())),
        }
    }
}

/// The client's address (for throttling), as `middleware::client_ip` reads it.
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>();
        Ok(ClientAddr(client_ip(
            &parts.headers,
            peer,
            state.config.trust_proxy,
        )))
    }
}

pub async fn api_not_found() -> Response {
    api_error_response(ApiError::not_found("No such API endpoint."))
}

#[cfg(test)]
mod tests {
    use super::field_in;

    #[test]
    fn finds_the_named_field() {
        assert_eq!(
            field_in("missing field `email` at line 1 column 2").as_deref(),
            Some("email")
        );
        assert_eq!(field_in("expected value at line 1"), None);
        assert_eq!(
            field_in("expert_id: invalid type: string \"two\", expected i64 at line 1 column 17")
                .as_deref(),
            Some("expert_id")
        );
    }
}
