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
use serde_json::{Map, Value};
use std::net::SocketAddr;

/// A JSON object body, read in two steps: first as JSON (415 for a body that
/// is not JSON, 413 for one too large, 400 for bad syntax), then field by
/// field into what the handler needs, each mistake naming its field.
pub struct JsonBody(Map<String, Value>);

fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(ErrorCode::PayloadTooLarge, "The request body is too large.")
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "Send the body as JSON, with Content-Type: application/json.",
        ),
        _ => ApiError::new(
            ErrorCode::ValidationError,
            "The request body is not valid JSON.",
        ),
    }
}

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<Value>::from_request(req, state).await {
            Ok(axum::Json(Value::Object(fields))) => Ok(JsonBody(fields)),
            Ok(_) => Err(api_error_response(ApiError::new(
                ErrorCode::ValidationError,
                "The request body must be a JSON object.",
            ))),
            Err(rejection) => Err(api_error_response(json_rejection(rejection))),
        }
    }
}

impl JsonBody {
    /// A field that must be present (and not null).
    fn required(&self, field: &'static str) -> Result<&Value, ApiError> {
        match self.0.get(field) {
            None | Some(Value::Null) => {
                Err(ApiError::invalid(field, format!("`{field}` is required.")))
            }
            Some(value) => Ok(value),
        }
    }

    /// A required string.
    pub fn text(&self, field: &'static str) -> Result<String, ApiError> {
        self.required(field)?
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| ApiError::invalid(field, format!("`{field}` must be a string.")))
    }

    /// A string that may be absent or null.
    pub fn optional_text(&self, field: &'static str) -> Result<Option<String>, ApiError> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.text(field).map(Some),
        }
    }

    /// A required true or false.
    pub fn boolean(&self, field: &'static str) -> Result<bool, ApiError> {
        self.required(field)?
            .as_bool()
            .ok_or_else(|| ApiError::invalid(field, format!("`{field}` must be true or false.")))
    }

    /// A whole number that may be absent or null.
    pub fn optional_integer(&self, field: &'static str) -> Result<Option<i64>, ApiError> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.integer(field).map(Some),
        }
    }

    /// A required whole number.
    pub fn integer(&self, field: &'static str) -> Result<i64, ApiError> {
        self.required(field)?
            .as_i64()
            .ok_or_else(|| ApiError::invalid(field, format!("`{field}` must be a whole number.")))
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
    use super::*;

    fn body(v: Value) -> JsonBody {
        match v {
            Value::Object(m) => JsonBody(m),
            _ => unreachable!(),
        }
    }

    #[test]
    fn fields_are_named_in_every_error() {
        let b = body(serde_json::json!({"a": "x", "n": 3, "z": null, "s": "3"}));
        assert_eq!(b.text("a").unwrap(), "x");
        assert_eq!(b.integer("n").unwrap(), 3);
        assert_eq!(b.optional_text("z").unwrap(), None);
        assert_eq!(b.optional_text("missing").unwrap(), None);
        for err in [
            b.text("n").unwrap_err(),
            b.text("z").unwrap_err(),
            b.integer("s").unwrap_err(),
            b.integer("missing").unwrap_err(),
            b.optional_text("n").unwrap_err(),
        ] {
            assert_eq!(err.code, ErrorCode::ValidationError);
            assert!(err.field.is_some(), "{err:?}");
        }
        assert_eq!(b.integer("s").unwrap_err().field.as_deref(), Some("s"));
    }
}
