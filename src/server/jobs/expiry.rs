//! Expires pending and proposed requests whose time passed unanswered
//! (SPEC 11), every `APP_EXPIRY_SWEEP_SECS`. Every instance runs it: each
//! expiry is a conditional update, so a request expires once.

use crate::server::services::meetings;
use crate::server::state::AppState;
use std::time::Duration;

pub async fn run(state: AppState) {
    let secs = u64::try_from(state.config.expiry_sweep_secs).unwrap_or(30);
    let mut every = tokio::time::interval(Duration::from_secs(secs.max(1)));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match meetings::expire_due(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(expired = n, "meeting requests expired"),
            Err(err) => err.log(),
        }
    }
}
