//! The site's `pkg/` directory: the WebAssembly, its JavaScript glue and the
//! stylesheet (SPEC 14). cargo-leptos names them by content hash
//! (`hash-files`) and, for release builds with `--precompress`, writes
//! brotli and gzip copies beside them; they are sent as the browser accepts,
//! and kept by it for a year, since a new build has new names.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Response, header};
use leptos::config::LeptosOptions;
use std::sync::OnceLock;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// For content-hashed names: the content of a name never changes.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Without hashed names (development builds): ask every time.
const REVALIDATE: &str = "no-cache";

/// Serves `dir` (the site's `pkg/`), preferring precompressed copies.
pub fn pkg_router<S: Clone + Send + Sync + 'static>(dir: &str, hashed_names: bool) -> Router<S> {
    let policy = HeaderValue::from_static(if hashed_names { IMMUTABLE } else { REVALIDATE });
    Router::new()
        .fallback_service(ServeDir::new(dir).precompressed_br().precompressed_gzip())
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            move |res: &Response<Body>| res.status().is_success().then(|| policy.clone()),
        ))
        // The same name is sent in several encodings: caches must keep them apart.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::VARY,
            HeaderValue::from_static("accept-encoding"),
        ))
}

/// `/pkg/<name>.<hash>.css`, the hash read once from the file cargo-leptos
/// writes beside the server binary (where Leptos reads the JS and wasm ones).
pub fn stylesheet_href(options: &LeptosOptions) -> &'static str {
    static HREF: OnceLock<String> = OnceLock::new();
    HREF.get_or_init(|| {
        let hash = options
            .hash_files
            .then(|| {
                let exe = std::env::current_exe().ok()?;
                let text = std::fs::read_to_string(exe.parent()?.join(&*options.hash_file)).ok()?;
                text.lines()
                    .filter_map(|line| line.split_once(':'))
                    .find(|(kind, _)| kind.trim() == "css")
                    .map(|(_, hash)| hash.trim().to_string())
            })
            .flatten();
        match hash {
            Some(hash) => format!(
                "/{}/{}.{hash}.css",
                options.site_pkg_dir, options.output_name
            ),
            None => format!("/{}/{}.css", options.site_pkg_dir, options.output_name),
        }
    })
}
