use super::config::Config;
use super::db::Database;
use super::directory::Researchers;
use super::hub::EventHub;
use super::passwords::Passwords;
use super::recent::RecentRequests;
use super::session_cache::SessionCache;
use axum::extract::FromRef;
use governor::DefaultKeyedRateLimiter;
use leptos::config::LeptosOptions;
use std::net::IpAddr;
use std::sync::Arc;

/// Everything a handler or server function needs, cloned cheaply per request
/// (one shared `Services`: a clone is one reference count). Server functions
/// receive it as context (`expect_context::<AppState>()`).
#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl AppState {
    pub fn new(services: Services) -> Self {
        AppState(Arc::new(services))
    }
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

pub struct Services {
    pub leptos_options: LeptosOptions,
    pub db: Database,
    pub hub: Arc<dyn EventHub>,
    pub passwords: Passwords,
    pub config: Arc<Config>,
    /// Logins and registrations per client address.
    pub auth_limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    pub sessions: Arc<SessionCache>,
    /// Researchers' names, read once.
    pub researchers: Arc<Researchers>,
    /// Requests as this instance last wrote them, so that an answer needs
    /// no read first.
    pub recent: Arc<RecentRequests>,
    /// One permit per open WebSocket (`APP_MAX_SOCKETS`).
    pub sockets: Arc<tokio::sync::Semaphore>,
    /// Sends the outbox's emails; `None` without `APP_SMTP_URL` (then the
    /// outbox is not filled).
    pub mailer: Option<Arc<super::mail::Mailer>>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
