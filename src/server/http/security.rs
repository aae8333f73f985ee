//! Response headers that tell the browser what a page may do (SPEC 13):
//! a Content-Security-Policy whose scripts need the page's nonce, no
//! sniffing, no referrer outside the site, no caching of personal answers,
//! and HSTS when the site is served over TLS.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Response, header};
use tower_http::set_header::SetResponseHeaderLayer;

/// The policy of an HTML page: scripts only from the site and carrying the
/// nonce Leptos put on its hydration scripts; WebAssembly may be compiled.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The policy of everything else (JSON, files): nothing runs, nothing frames it.
const OTHER_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Called while the shell renders: gives this page its nonce-bearing policy.
pub fn set_page_policy() {
    use leptos::prelude::use_context;
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&page_policy(&nonce)) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// Pages and API answers may be personal: no cache keeps them. Static
/// files (scripts, styles, images) set their own caching.
fn personal(response: &Response<Body>) -> Option<HeaderValue> {
    let content_type = response.headers().get(header::CONTENT_TYPE)?.as_bytes();
    let personal = [&b"text/html"[..], b"application/json", b"text/plain"]
        .iter()
        .any(|t| content_type.starts_with(t));
    personal.then(|| HeaderValue::from_static("no-store"))
}

fn fixed(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
}

/// Adds the headers to every answer of `router`.
pub fn with_security_headers(router: Router, tls: bool) -> Router {
    let router = router
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(OTHER_POLICY),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            personal,
        ))
        .layer(fixed(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(fixed(header::REFERRER_POLICY, "same-origin"))
        .layer(fixed(header::X_FRAME_OPTIONS, "DENY"));
    if tls {
        router.layer(fixed(header::STRICT_TRANSPORT_SECURITY, HSTS))
    } else {
        router
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_policy_needs_the_nonce_and_forbids_framing() {
        let p = page_policy("abc");
        assert!(p.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval'"));
        assert!(p.contains("frame-ancestors 'none'"));
        assert!(!p.contains("unsafe-inline"));
    }
}
