//! Builds the application from its configuration and serves it.

use super::config::Config;
use super::db::Backend;
use super::db::Database;
use super::demo;
use super::http::{self, middleware, security};
use super::hub::{self, EventHub, InProcessHub, PostgresHub};
use super::jobs::Jobs;
use super::mail::Mailer;
use super::passwords::Passwords;
use super::serve;
use super::state::{AppState, Services};
use crate::app::{App, shell};
use axum::Router;
use axum::body::Body;
use axum::http::Request;
use governor::{Quota, RateLimiter};
use leptos_axum::{LeptosRoutes, generate_route_list};
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

/// Per-connection queue of live frames; a client this far behind is dropped.
const LIVE_QUEUE: usize = 256;
/// Hard cap on any request body (server functions included).
const BODY_LIMIT: usize = 256 * 1024;
/// Time limit on answering any request (a WebSocket's life is not one: its
/// request ends with the upgrade).
pub const REQUEST_TIME_LIMIT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Database(#[from] super::db::DbSetupError),
    #[error("could not listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("{0}")]
    Setup(String),
}

pub struct Application {
    listener: tokio::net::TcpListener,
    router: Router,
    pub state: AppState,
    /// With several instances (PostgreSQL): the task that follows the event log.
    log_follower: Option<tokio::task::JoinHandle<()>>,
}

impl Application {
    /// Connects to the database, applies migrations, seeds the demo accounts
    /// when asked, and binds the listener (port 0 picks a free port).
    pub async fn build(config: Config) -> Result<Application, StartError> {
        let db = Database::connect(&config.database_url).await?;
        let passwords = Passwords::new(2).map_err(|e| StartError::Setup(e.to_string()))?;
        let per_minute = NonZeroU32::new(config.auth_rate_per_minute).unwrap_or(NonZeroU32::MIN);
        // PostgreSQL may be shared by several instances: live events then
        // come from the event log through LISTEN/NOTIFY.
        let pg_hub = (db.backend == Backend::Postgres)
            .then(|| Arc::new(PostgresHub::new(LIVE_QUEUE, db.pool.clone())));
        let hub: Arc<dyn EventHub> = match &pg_hub {
            Some(hub) => hub.clone(),
            None => Arc::new(InProcessHub::new(LIVE_QUEUE)),
        };
        let mailer = match &config.mail {
            Some(settings) => Some(Arc::new(
                Mailer::new(settings, &config.public_url)
                    .map_err(|e| StartError::Setup(format!("APP_SMTP_URL: {e}")))?,
            )),
            None => None,
        };
        let state = AppState::new(Services {
            mailer,
            leptos_options: config.leptos.clone(),
            db,
            hub,
            passwords,
            auth_limiter: Arc::new(RateLimiter::keyed(Quota::per_minute(per_minute))),
            sessions: Arc::default(),
            researchers: Arc::default(),
            recent: Arc::default(),
            sockets: Arc::new(tokio::sync::Semaphore::new(config.max_sockets)),
            config: Arc::new(config),
        });
        if state.config.demo {
            let created = demo::seed(&state)
                .await
                .map_err(|e| StartError::Setup(format!("seeding demo accounts: {e}")))?;
            tracing::info!(created, "demo mode: demo accounts are present");
        }
        let addr = state.leptos_options.site_addr;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| StartError::Bind { addr, source })?;
        let router = router(state.clone());
        let log_follower = pg_hub.map(|hub| {
            tokio::spawn(hub::postgres::listen(
                state.clone(),
                hub,
                state.config.database_url.clone(),
            ))
        });
        Ok(Application {
            listener,
            router,
            state,
            log_follower,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until SIGINT or SIGTERM, then finishes the requests in flight.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let jobs = Jobs::start(&self.state);
        let result = serve::serve(self.listener, self.router, shutdown_signal()).await;
        jobs.stop();
        if let Some(follower) = self.log_follower {
            follower.abort();
        }
        result
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}

/// The body-size cap and the time limit answer in plain text; give them
/// the API's JSON shape.
fn json_limit_errors<B>(response: axum::http::Response<B>) -> axum::response::Response
where
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    use crate::shared::error::{ApiError, ErrorCode};
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    let is_json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json {
        return response.into_response();
    }
    let error = match response.status() {
        StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(ErrorCode::PayloadTooLarge, "The request body is too large.")
        }
        StatusCode::SERVICE_UNAVAILABLE => {
            tracing::warn!(
                refusal = "request_time_limit",
                "a request took too long and was cut"
            );
            ApiError::new(
                ErrorCode::Unavailable,
                "The server took too long to answer. Please try again.",
            )
        }
        _ => return response.into_response(),
    };
    super::error::api_error_response(error)
}

/// The cap on body size and the time limit on every request, both
/// answering in the API's JSON shape.
///
/// Layers are stacked with one `ServiceBuilder` per `Router::layer`: the
/// router boxes each route again at every `layer` call, and every request
/// then pays an allocation for each box and a clone of each.
fn with_limits<S: Clone + Send + Sync + 'static>(
    router: Router<S>,
    time_limit: Duration,
) -> Router<S> {
    router.layer(
        ServiceBuilder::new()
            .map_response(json_limit_errors)
            .layer(tower_http::limit::RequestBodyLimitLayer::new(BODY_LIMIT))
            .layer(TimeoutLayer::with_status_code(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                time_limit,
            )),
    )
}

/// The app's routes, listed once per process. Listing them renders the app
/// with every resource held back by a flag that leptos_server keeps for the
/// whole process, so a page that another server in the same process (the
/// integration tests run many) renders meanwhile would wait forever on its
/// first resource: a 503 after the request time limit, seen in CI
/// (leptos-rs/leptos#4773).
fn routes() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

fn router(state: AppState) -> Router {
    let tls = state.config.cookie_secure;
    let leptos_options = state.leptos_options.clone();
    let routes = routes();
    let context_state = state.clone();
    let pkg_dir = format!(
        "{}/{}",
        leptos_options.site_root, leptos_options.site_pkg_dir
    );
    let pkg_path = format!("/{}", leptos_options.site_pkg_dir);
    let router = Router::new()
        .merge(http::api_routes())
        .nest(
            &pkg_path,
            http::assets::pkg_router(&pkg_dir, leptos_options.hash_files),
        )
        .leptos_routes_with_context(
            &state,
            routes,
            move || leptos::prelude::provide_context(context_state.clone()),
            {
                let leptos_options = leptos_options.clone();
                move || shell(leptos_options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::around_request,
        ));
    with_limits(router, REQUEST_TIME_LIMIT)
        .layer(
            ServiceBuilder::new()
                // Pages and JSON answers are compressed on the fly, as the
                // browser accepts; `pkg/` files come precompressed (and are
                // left alone here).
                .layer(CompressionLayer::new())
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|req: &Request<Body>| {
                            // Path only: query strings may carry form errors or ids.
                            tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
                        })
                        .on_request(())
                        .on_response(DefaultOnResponse::new().level(Level::INFO)),
                )
                .map_response(move |response| security::add_headers(response, tls)),
        )
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;
    use tower::ServiceExt;

    /// A handler that never finishes is cut at the time limit with a JSON 503.
    #[tokio::test(start_paused = true)]
    async fn a_request_that_takes_too_long_is_cut() {
        let slow = Router::new()
            .route(
                "/slow",
                axum::routing::get(|| async {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    "never"
                }),
            )
            .route("/fast", axum::routing::get(|| async { "ok" }));
        let app = with_limits(slow, REQUEST_TIME_LIMIT);
        let started = tokio::time::Instant::now();
        let request = |path| Request::builder().uri(path).body(Body::empty()).unwrap();
        let res = app.clone().oneshot(request("/slow")).await.unwrap();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(started.elapsed(), REQUEST_TIME_LIMIT);
        let body = axum::body::to_bytes(res.into_body(), 1024).await.unwrap();
        assert!(String::from_utf8_lossy(&body).contains("\"unavailable\""));
        let res = app.oneshot(request("/fast")).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
}
