//! Builds the application from its configuration and serves it.

use super::config::Config;
use super::db::Backend;
use super::db::Database;
use super::demo;
use super::http::{self, health, middleware};
use super::hub::{self, EventHub, InProcessHub, PostgresHub};
use super::jobs::Jobs;
use super::passwords::Passwords;
use super::state::AppState;
use crate::app::{App, shell};
use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::routing::get;
use governor::{Quota, RateLimiter};
use leptos_axum::{LeptosRoutes, generate_route_list};
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

/// Per-connection queue of live frames; a client this far behind is dropped.
const LIVE_QUEUE: usize = 256;
/// Hard cap on any request body (server functions included).
const BODY_LIMIT: usize = 256 * 1024;

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
        let state = AppState {
            leptos_options: config.leptos.clone(),
            db,
            hub,
            passwords,
            auth_limiter: Arc::new(RateLimiter::keyed(Quota::per_minute(per_minute))),
            sessions: Arc::default(),
            config: Arc::new(config),
        };
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
        let result = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await;
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

/// The body-size cap answers 413 in plain text; give it the API's JSON shape.
async fn json_payload_too_large(response: axum::response::Response) -> axum::response::Response {
    let is_json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if response.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE && !is_json {
        return super::error::api_error_response(crate::shared::error::ApiError::new(
            crate::shared::error::ErrorCode::PayloadTooLarge,
            "The request body is too large.",
        ));
    }
    response
}

fn router(state: AppState) -> Router {
    let leptos_options = state.leptos_options.clone();
    let routes = generate_route_list(App);
    let context_state = state.clone();
    Router::new()
        .route("/healthz", get(health::healthz))
        .nest("/api", http::api_router())
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
            middleware::resolve_session,
        ))
        .layer(axum::middleware::from_fn(middleware::refuse_foreign_origin))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(axum::middleware::map_response(json_payload_too_large))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<Body>| {
                    // Path only: query strings may carry form errors or ids.
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
                })
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}
