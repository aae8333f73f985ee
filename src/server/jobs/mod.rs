//! Work the server does on its own, beside requests: each job is a task
//! started with the server and stopped with it.

mod expiry;
mod outbox;
mod sweep;

use super::state::AppState;
use tokio::task::JoinHandle;

/// The running jobs. Dropping this stops them, as `stop` does: a server
/// task that is aborted takes its jobs with it, as a killed process would.
pub struct Jobs(Vec<JoinHandle<()>>);

impl Drop for Jobs {
    fn drop(&mut self) {
        for job in &self.0 {
            job.abort();
        }
    }
}

impl Jobs {
    pub fn start(state: &AppState) -> Jobs {
        Jobs(vec![
            tokio::spawn(sweep::run(state.clone())),
            tokio::spawn(expiry::run(state.clone())),
            tokio::spawn(outbox::run(state.clone())),
        ])
    }

    pub fn stop(self) {
        drop(self);
    }
}
