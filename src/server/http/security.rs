//! Response headers that tell the browser what a page may do (SPEC 13):
//! a Content-Security-Policy whose scripts need the page's nonce, no
//! sniffing, no referrer outside the site, no caching of personal answers,
//! and HSTS when the site is served over TLS.

use axum::http::{HeaderMap, HeaderValue, Response, header};

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
fn is_personal(headers: &HeaderMap) -> bool {
    let Some(content_type) = headers.get(header::CONTENT_TYPE) else {
        return false;
    };
    [&b"text/html"[..], b"application/json", b"text/plain"]
        .iter()
        .any(|t| content_type.as_bytes().starts_with(t))
}

/// Adds the headers to an answer; every answer of the app passes here
/// (one mapping of the response, not a layer per header: each layer of a
/// router costs every request an allocation or two).
pub fn add_headers<B>(mut response: Response<B>, tls: bool) -> Response<B> {
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(OTHER_POLICY),
        );
    }
    if !headers.contains_key(header::CACHE_CONTROL) && is_personal(headers) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let fixed = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if tls {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    response
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

    fn answer(content_type: &str) -> Response<()> {
        Response::builder()
            .header(header::CONTENT_TYPE, content_type)
            .body(())
            .unwrap()
    }

    #[test]
    fn personal_answers_are_not_cached_and_files_keep_their_caching() {
        let json = add_headers(answer("application/json"), false);
        assert_eq!(json.headers()[header::CACHE_CONTROL], "no-store");
        assert_eq!(
            json.headers()[header::CONTENT_SECURITY_POLICY],
            OTHER_POLICY
        );
        assert_eq!(json.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(json.headers()[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(json.headers()[header::REFERRER_POLICY], "same-origin");
        assert!(
            !json
                .headers()
                .contains_key(header::STRICT_TRANSPORT_SECURITY)
        );
        let script = add_headers(answer("text/javascript"), true);
        assert!(!script.headers().contains_key(header::CACHE_CONTROL));
        assert_eq!(script.headers()[header::STRICT_TRANSPORT_SECURITY], HSTS);
        // A page keeps the policy and caching it set itself.
        let mut page = answer("text/html");
        page.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("x"),
        );
        page.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("private"));
        let page = add_headers(page, false);
        assert_eq!(page.headers()[header::CONTENT_SECURITY_POLICY], "x");
        assert_eq!(page.headers()[header::CACHE_CONTROL], "private");
    }
}
