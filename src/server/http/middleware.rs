//! What runs around every request: the session lookup, the `Origin` check,
//! and the session cookie itself.

use crate::server::error::api_error_response;
use crate::server::services::accounts::{self, CurrentSession};
use crate::server::state::AppState;
use crate::shared::error::ApiError;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use cookie::{Cookie, SameSite};
use std::net::{IpAddr, SocketAddr};

pub const SESSION_COOKIE: &str = "session";

/// The session token of the request's cookie, if any.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == SESSION_COOKIE)
        .map(|c| c.value().to_string())
}

fn cookie_header(value: &str, secure: bool, max_age: i64) -> HeaderValue {
    let cookie = Cookie::build((SESSION_COOKIE, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(cookie::time::Duration::seconds(max_age));
    HeaderValue::from_str(&cookie.to_string())
        .unwrap_or_else(|_| HeaderValue::from_static("session=; Path=/; Max-Age=0"))
}

/// `Set-Cookie` for a new session: opaque token, HttpOnly, SameSite=Lax,
/// Secure when served over TLS, and gone at the session's absolute end.
pub fn session_cookie(token: &str, secure: bool, max_age: i64) -> HeaderValue {
    cookie_header(token, secure, max_age)
}

pub fn cleared_session_cookie(secure: bool) -> HeaderValue {
    cookie_header("", secure, 0)
}

/// Static files need no session: skip the lookup for them.
fn needs_session(path: &str) -> bool {
    !(path.starts_with("/pkg/") || path == "/favicon.ico" || path == "/healthz")
}

/// What every request goes through before its handler: a state-changing
/// request from another site is refused (`refuse_foreign_origin`); then the
/// session cookie is resolved once and the result left in the request's
/// extensions, where API handlers, server functions and pages find it. A
/// dead cookie is cleared. (One middleware rather than two: each costs
/// every request a boxed future and a clone of the service behind it.)
pub async fn around_request(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    if let Some(refusal) = refuse_foreign_origin(&req) {
        return refusal;
    }
    let token = needs_session(req.uri().path())
        .then(|| session_token(req.headers()))
        .flatten();
    let mut clear_cookie = false;
    let current = match token {
        Some(token) => match accounts::resolve_session(&state, &token).await {
            Ok(found) => {
                clear_cookie = found.is_none();
                found
            }
            Err(err) => {
                err.log();
                None
            }
        },
        None => None,
    };
    req.extensions_mut().insert(CurrentSession(current));
    let mut response = next.run(req).await;
    if clear_cookie && !response.headers().contains_key(header::SET_COOKIE) {
        response.headers_mut().append(
            header::SET_COOKIE,
            cleared_session_cookie(state.config.cookie_secure),
        );
    }
    response
}

/// Whether the `Origin` header names a site other than the one addressed by
/// `Host`. No `Origin` (curl, server-to-server) is not foreign.
pub fn origin_is_foreign(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let Ok(origin) = origin.to_str() else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let origin_host = origin
        .split_once("://")
        .map(|(_, rest)| rest.trim_end_matches('/'))
        .unwrap_or("");
    origin_host.is_empty() || !origin_host.eq_ignore_ascii_case(host)
}

/// The refusal (403) of a state-changing request sent from another site.
/// Server functions do no such check of their own.
fn refuse_foreign_origin(req: &Request) -> Option<Response> {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    (!safe && origin_is_foreign(req.headers())).then(|| {
        api_error_response(ApiError::forbidden(
            "This request came from another site and was refused.",
        ))
    })
}

/// The client's address: the peer, or, when the server is configured to sit
/// behind a proxy, the right-most `X-Forwarded-For` entry: the one our proxy
/// added. Entries left of it come from the client and can be forged.
pub fn client_ip(
    headers: &HeaderMap,
    peer: Option<&ConnectInfo<SocketAddr>>,
    trust_proxy: bool,
) -> Option<IpAddr> {
    if trust_proxy {
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok());
        if forwarded.is_some() {
            return forwarded;
        }
    }
    peer.map(|ConnectInfo(addr)| addr.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn origin_must_match_host() {
        assert!(!origin_is_foreign(&headers(&[("host", "127.0.0.1:3000")])));
        assert!(!origin_is_foreign(&headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:3000")
        ])));
        assert!(origin_is_foreign(&headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "https://evil.example")
        ])));
        assert!(origin_is_foreign(&headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "null")
        ])));
    }

    #[test]
    fn finds_the_session_cookie_among_others() {
        let h = headers(&[("cookie", "theme=dark; session=abc123; x=y")]);
        assert_eq!(session_token(&h).as_deref(), Some("abc123"));
        assert_eq!(session_token(&headers(&[("cookie", "sessionx=1")])), None);
        let cleared = cleared_session_cookie(false);
        assert!(cleared.to_str().unwrap().contains("Max-Age=0"));
    }

    #[test]
    fn the_proxy_added_address_is_the_right_most() {
        let peer = ConnectInfo(SocketAddr::from(([10, 0, 0, 1], 4000)));
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.7")]);
        let ip = |trust| client_ip(&h, Some(&peer), trust).unwrap().to_string();
        assert_eq!(ip(true), "203.0.113.7");
        assert_eq!(ip(false), "10.0.0.1");
        let two = headers(&[
            ("x-forwarded-for", "6.6.6.6"),
            ("x-forwarded-for", "198.51.100.2"),
        ]);
        assert_eq!(
            client_ip(&two, Some(&peer), true).unwrap().to_string(),
            "198.51.100.2"
        );
        let junk = headers(&[("x-forwarded-for", "1.2.3.4, not-an-ip")]);
        assert_eq!(
            client_ip(&junk, Some(&peer), true).unwrap().to_string(),
            "10.0.0.1"
        );
    }

    #[test]
    fn cookie_flags() {
        let c = session_cookie("t", true, 60);
        let c = c.to_str().unwrap();
        for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Secure", "Max-Age=60"] {
            assert!(c.contains(flag), "{c}");
        }
        assert!(
            !session_cookie("t", false, 60)
                .to_str()
                .unwrap()
                .contains("Secure")
        );
    }
}
