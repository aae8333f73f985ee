//! One error type for the service layer, mapped to HTTP in one place.

use crate::shared::error::{ApiError, ErrorCode};
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// An answer meant for the client: bad input, a conflict, a refusal.
    #[error("{0}")]
    Api(#[from] ApiError),
    /// Anything unexpected. Logged with its source chain; the client only
    /// learns that something failed.
    #[error("internal error: {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        AppError::Internal(Box::new(err))
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(err: tokio::task::JoinError) -> Self {
        AppError::Internal(Box::new(err))
    }
}

impl AppError {
    pub fn internal(message: impl Into<String>) -> Self {
        AppError::Internal(message.into().into())
    }

    /// Logs an error nobody will be answered with (a background job, a
    /// socket that already closed).
    pub fn log(self) {
        match self {
            AppError::Api(err) => tracing::warn!(code = ?err.code, "{}", err.message),
            internal => {
                internal.into_api();
            }
        }
    }

    /// What the client may see. Internal errors are logged here, once.
    pub fn into_api(self) -> ApiError {
        match self {
            AppError::Api(err) => err,
            AppError::Internal(source) => {
                let mut chain = source.to_string();
                let mut cause = source.source();
                while let Some(c) = cause {
                    chain.push_str(": ");
                    chain.push_str(&c.to_string());
                    cause = c.source();
                }
                tracing::error!(error = %chain, "internal error");
                ApiError::internal()
            }
        }
    }
}

pub fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::ValidationError => StatusCode::BAD_REQUEST,
        ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::Conflict | ErrorCode::Overlap => StatusCode::CONFLICT,
        ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// `{"error": {"code": ..., "message": ..., "field": ...}}` with its status
/// and, for 429, `Retry-After`.
pub fn api_error_response(err: ApiError) -> Response {
    let status = status_of(err.code);
    let retry_after = err.retry_after;
    let mut response = (status, Json(serde_json::json!({ "error": err }))).into_response();
    if let Some(seconds) = retry_after
        && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        api_error_response(self.into_api())
    }
}

pub type AppResult<T> = Result<T, AppError>;
