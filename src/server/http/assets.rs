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
use tower::ServiceBuilder;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// For content-hashed names: the content of a name never changes.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Without hashed names (development builds): ask every time.
const REVALIDATE: &str = "no-cache";

/// Serves `dir` (the site's `pkg/`), preferring precompressed copies.
pub fn pkg_router<S: Clone + Send + Sync + 'static>(dir: &str, hashed_names: bool) -> Router<S> {
    let policy = HeaderValue::from_static(if hashed_names { IMMUTABLE } else { REVALIDATE });
    // One stack, one `Router::layer`: each call boxes the route again.
    Router::new()
        .fallback_service(ServeDir::new(dir).precompressed_br().precompressed_gzip())
        .layer(
            ServiceBuilder::new()
                // The same name is sent in several encodings: caches must keep them apart.
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::VARY,
                    HeaderValue::from_static("accept-encoding"),
                ))
                .layer(SetResponseHeaderLayer::overriding(
                    header::CACHE_CONTROL,
                    move |res: &Response<Body>| res.status().is_success().then(|| policy.clone()),
                )),
        )
}

/// The site's file names, with their content hashes when the build hashes
/// names: read once from the file cargo-leptos writes beside the server
/// binary.
struct Names {
    css: String,
    js: String,
    wasm: String,
}

fn names(options: &LeptosOptions) -> &'static Names {
    static NAMES: OnceLock<Names> = OnceLock::new();
    NAMES.get_or_init(|| {
        let hashes = options
            .hash_files
            .then(|| {
                let exe = std::env::current_exe().ok()?;
                std::fs::read_to_string(exe.parent()?.join(&*options.hash_file)).ok()
            })
            .flatten()
            .unwrap_or_default();
        let name = |kind: &str| {
            let hash = hashes
                .lines()
                .filter_map(|line| line.split_once(':'))
                .find(|(k, _)| k.trim() == kind)
                .map(|(_, hash)| hash.trim());
            let (dir, stem) = (&options.site_pkg_dir, &options.output_name);
            match hash {
                Some(hash) => format!("/{dir}/{stem}.{hash}.{kind}"),
                None => format!("/{dir}/{stem}.{kind}"),
            }
        };
        Names {
            css: name("css"),
            js: name("js"),
            wasm: name("wasm"),
        }
    })
}

/// The stylesheet's URL.
pub fn stylesheet_href(options: &LeptosOptions) -> &'static str {
    &names(options).css
}

/// The module script that loads the WebAssembly and hydrates the page, once
/// the browser is idle. Unlike Leptos' `HydrationScripts` it adds no preload
/// hints: the WebAssembly is fetched after the page has painted, so it never
/// delays the largest paint (the forms and links work before hydration).
pub fn hydration_script(options: &LeptosOptions) -> String {
    let Names { js, wasm, .. } = names(options);
    format!(
        "const hydrate = () => import({js:?}).then(m => m.default({{module_or_path: {wasm:?}}}).then(() => m.hydrate()));\
         if (\"requestIdleCallback\" in window) {{ requestIdleCallback(hydrate, {{timeout: 2000}}); }} else {{ hydrate(); }}"
    )
}
