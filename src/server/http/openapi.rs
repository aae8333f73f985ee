//! The OpenAPI 3.1 description of the JSON API, generated from the handlers'
//! `#[utoipa::path]` attributes. The router is built from the same list
//! (`utoipa_axum::routes!`), so a route cannot exist without its
//! description, nor a description without its route. Served at
//! `GET /api/openapi.json`.

use crate::shared::error::ApiError;
use crate::shared::model::{ExpertView, MeetingRequestView, UserView};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, HeaderBuilder, Ref, RefOr, ResponseBuilder, ResponsesBuilder, Type,
};
use utoipa::{Modify, OpenApi, ToSchema};

/// `POST /api/auth/register`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct RegisterBody {
    #[schema(format = "email", max_length = 254)]
    email: String,
    #[schema(min_length = 8, max_length = 128)]
    password: String,
    #[schema(max_length = 100)]
    full_name: String,
    #[schema(value_type = String, example = "patient")]
    role: crate::domain::Role,
    /// Required for researchers, ignored for patients.
    #[schema(max_length = 120)]
    specialty: Option<String>,
    /// Required for researchers, ignored for patients.
    #[schema(max_length = 120)]
    institution: Option<String>,
    #[schema(max_length = 1000)]
    bio: Option<String>,
}

/// `POST /api/auth/login`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct LoginBody {
    email: String,
    password: String,
}

/// `POST /api/meetings/`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct NewRequestBody {
    expert_id: i64,
    /// The patient's note (1 to 2,000 characters).
    #[schema(max_length = 2000)]
    message: String,
    /// RFC 3339 with an offset, in the future, at most a year ahead.
    #[schema(format = DateTime)]
    preferred_at: String,
    meeting_type: crate::domain::MeetingType,
    /// An IANA time zone name, such as `Europe/Paris`.
    time_zone: String,
    /// 15, 30, 45 or 60 (default 30).
    duration_minutes: Option<u32>,
}

/// `PUT /api/meetings/{id}/status`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct StatusBody {
    /// `accepted`, `rejected` (or `declined`), `proposed` or `cancelled`.
    status: String,
    #[schema(max_length = 500)]
    reason: Option<String>,
    /// With `accepted`: how to join (at most 500 characters).
    #[schema(max_length = 500)]
    details: Option<String>,
    /// With `proposed` (required): the other time, RFC 3339 with an offset.
    #[schema(format = DateTime)]
    proposed_at: Option<String>,
}

/// `{"user": ...}`.
#[derive(Serialize, ToSchema)]
pub struct UserEnvelope {
    pub user: UserView,
}

/// Every error of the API: `{"error": {"code", "message", "field"?, "retry_after"?}}`.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ApiError,
}

/// `GET /healthz`.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `unavailable` with 503.
    pub status: String,
}

/// The errors any API call may answer, each with the `ErrorBody` shape.
pub struct ApiErrors;

impl utoipa::IntoResponses for ApiErrors {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::response::Response>> {
        let error = || {
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build()
        };
        let statuses = [
            ("400", "Bad input; `field` names the field"),
            ("401", "Not logged in, or wrong credentials"),
            ("403", "Not allowed for this role, or from another site"),
            ("404", "No such thing, or not yours"),
            ("409", "The state changed, or a duplicate"),
            ("413", "The body is too large"),
            ("415", "The body is not JSON"),
            ("429", "Too many requests; wait `Retry-After` seconds"),
            ("503", "Busy or too slow; try again"),
        ];
        let mut responses = ResponsesBuilder::new();
        for (status, description) in statuses {
            let mut response = ResponseBuilder::new()
                .description(description)
                .content("application/json", error());
            if status == "429" {
                response = response.header(
                    "Retry-After",
                    HeaderBuilder::new()
                        .schema(Some(utoipa::openapi::schema::Object::with_type(
                            Type::Integer,
                        )))
                        .description(Some("Seconds to wait"))
                        .build(),
                );
            }
            responses = responses.response(status, response.build());
        }
        responses.build().into()
    }
}

struct SessionCookie;

impl Modify for SessionCookie {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "session",
                "The session cookie set by POST /api/auth/login",
            ))),
        );
    }
}

/// What the handlers' attributes do not say: the title, the shared schemas
/// and how a caller authenticates.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Meeting requests",
        description = "Patients ask researchers for a meeting; researchers accept or decline. \
                       JSON in and out; authenticated by the `session` cookie.",
        version = env!("CARGO_PKG_VERSION")
    ),
    components(schemas(ErrorBody, ApiError, ExpertView, MeetingRequestView, UserView)),
    modifiers(&SessionCookie),
    security(("session" = []))
)]
pub struct ApiDoc;

/// The description as served, rendered once per process: it describes the
/// code, the same for every server the process runs (tests run many).
static DESCRIPTION: OnceLock<String> = OnceLock::new();

/// Keeps the description `render` writes, unless one is kept already.
pub fn keep(render: impl FnOnce() -> String) {
    DESCRIPTION.get_or_init(render);
}

/// The OpenAPI description of this API.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "meta",
    security(()),
    responses((status = 200, description = "This description (OpenAPI 3.1)", content_type = "application/json"))
)]
pub async fn openapi_json() -> Response {
    let json: &'static str = DESCRIPTION.get().map_or("{}", String::as_str);
    ([(header::CONTENT_TYPE, "application/json")], json).into_response()
}
