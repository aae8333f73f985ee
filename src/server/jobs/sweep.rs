//! Forgets what has expired: sessions past their idle or absolute end, old
//! failed logins, and idle entries of the per-address throttle.

use crate::server::services::accounts;
use crate::server::state::AppState;
use std::time::Duration;

const EVERY: Duration = Duration::from_secs(300);

pub async fn run(state: AppState) {
    let mut every = tokio::time::interval(EVERY);
    loop {
        every.tick().await;
        if let Err(err) = accounts::sweep(&state).await {
            err.log();
        }
        state.auth_limiter.retain_recent();
        if let Some((batches, commands)) = state.db.write_stats() {
            tracing::info!(batches, commands, "SQLite writes so far");
        }
    }
}
