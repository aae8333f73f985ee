//! Work the server does on its own, beside requests: each job is a task
//! started with the server and stopped with it.

mod expiry;
mod outbox;
mod sweep;

use super::state::AppState;
use tokio::task::JoinHandle;

/// The running jobs; dropping this does not stop them, `stop` does.
pub struct Jobs(Vec<JoinHandle<()>>);

impl Jobs {
    pub fn start(state: &AppState) -> Jobs {
        Jobs(vec![
            tokio::spawn(sweep::run(state.clone())),
            tokio::spawn(expiry::run(state.clone())),
            tokio::spawn(outbox::run(state.clone())),
        ])
    }

    pub fn stop(self) {
        for job in self.0 {
            job.abort();
        }
    }
}
