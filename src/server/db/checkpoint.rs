//! Checkpoints ahead of the writer (SQLite).
//!
//! The WAL can start over only once a checkpoint has copied all of it into
//! the database file (and synced that file). SQLite's own checkpoints run
//! inside the commit that takes the WAL past its interval: under load that
//! held the connection 3-6 ms, about ten times a second at 50 pairs, and
//! the batch that committed waited for it as well as every write queued
//! behind: the slowest hundredth of the writes were those.
//!
//! This thread, on a connection of its own, copies the WAL's new frames
//! every `NUDGE_COMMANDS` commands, beside the writer (a passive checkpoint
//! takes no lock that a writer or a reader waits for). It cannot finish
//! the WAL by itself while the writer appends to it, so when a pass finds
//! the WAL at its restart size it tells the writer (`take_restart`), which
//! checkpoints the last frames itself once it has answered the batch at
//! hand (`writer.rs`): the callers of that batch no longer wait for it,
//! and it finds most frames copied already.

use super::sqlite::{self, WriteConnection};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// Commands committed between two passes: about 20 ms at 50 pairs, 120 ms
/// at 1 pair. Each pass costs a sync of the database file; 128 and 768 did
/// no better (BENCHMARKS.md).
pub const NUDGE_COMMANDS: u64 = 256;

/// The writer's handle on the checkpoint thread.
#[derive(Debug)]
pub struct Checkpointer {
    nudge: SyncSender<()>,
    /// Commands since the last nudge.
    since: AtomicU64,
    /// Set by the thread when a pass found the WAL at its restart size;
    /// taken by the writer.
    restart: Arc<AtomicBool>,
}

impl Checkpointer {
    /// Starts the thread on `conn`, a read-write connection of the
    /// writer's database; the WAL is to start over once it holds
    /// `restart_frames` frames.
    pub fn start(conn: WriteConnection, restart_frames: i64) -> std::io::Result<Checkpointer> {
        // One nudge waits at most: a pass copies whatever is new by then.
        let (nudge, nudged) = sync_channel(1);
        let restart = Arc::new(AtomicBool::new(false));
        let due = restart.clone();
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || run(&conn, &nudged, &due, restart_frames))?;
        Ok(Checkpointer {
            nudge,
            since: AtomicU64::new(0),
            restart,
        })
    }

    /// Whether the WAL is due to start over: true once for each pass that
    /// found it at its restart size. If the writer's checkpoint then cannot
    /// finish it (a reader still reads old frames), the next pass tells
    /// again.
    pub fn take_restart(&self) -> bool {
        self.restart.load(Ordering::Relaxed) && self.restart.swap(false, Ordering::Relaxed)
    }

    /// Makes the WAL due to start over, as a pass that found it full would.
    #[cfg(test)]
    pub(super) fn make_restart_due(&self) {
        self.restart.store(true, Ordering::Relaxed);
    }

    /// Counts `commands` just committed; wakes the thread every
    /// `NUDGE_COMMANDS`. Called by the holder of the write connection.
    pub fn committed(&self, commands: usize) {
        let since = self.since.load(Ordering::Relaxed) + commands as u64;
        if since < NUDGE_COMMANDS {
            self.since.store(since, Ordering::Relaxed);
            return;
        }
        self.since.store(0, Ordering::Relaxed);
        // Full: a pass is due already. Disconnected: the thread is gone (only
        // a panic ends it), and SQLite's own checkpoints on the writer's
        // connection, at a longer interval (`db/mod.rs`), bound the WAL.
        let _ = self.nudge.try_send(());
    }
}

/// A passive checkpoint of the WAL on `conn`: returns the frames the WAL
/// holds. A checkpoint running on another connection at the same moment is
/// not an error: this one reports itself busy, and the other copies the
/// frames.
pub fn pass(conn: &WriteConnection) -> Result<i64, sqlx::Error> {
    let rows = sqlite::rows::<(i64, i64, i64)>(conn, "PRAGMA wal_checkpoint(PASSIVE)", [])?;
    Ok(rows.first().map_or(0, |&(_busy, frames, _copied)| frames))
}

fn run(conn: &WriteConnection, nudged: &Receiver<()>, restart: &AtomicBool, restart_frames: i64) {
    // Ends when the writer's handle is dropped.
    while nudged.recv().is_ok() {
        match pass(conn) {
            Ok(frames) if frames >= restart_frames => restart.store(true, Ordering::Relaxed),
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "a background checkpoint failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;
    use std::time::{Duration, Instant};

    /// Every `NUDGE_COMMANDS` commands the thread copies the WAL's frames
    /// into the database file, while the writer goes on.
    #[test]
    fn a_nudge_copies_the_wal_beside_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let writer = Connection::open(&path).unwrap();
        writer
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; \
                 CREATE TABLE t (x INTEGER); CREATE INDEX t_x ON t (x)",
            )
            .unwrap();
        let checkpointer = Checkpointer::start(
            std::sync::Mutex::new(Connection::open(&path).unwrap()),
            1_000_000,
        )
        .unwrap();
        for x in 0..10 {
            writer.execute("INSERT INTO t VALUES (?1)", [x]).unwrap();
        }
        checkpointer.committed(NUDGE_COMMANDS as usize - 1);
        assert_eq!(
            checkpointer.since.load(Ordering::Relaxed),
            NUDGE_COMMANDS - 1
        );
        // The database file holds only its header page so far: the rest is
        // in the WAL.
        let file = || std::fs::metadata(&path).map_or(0, |m| m.len());
        let (pages, size): (u64, u64) = writer
            .query_row(
                "SELECT * FROM pragma_page_count, pragma_page_size",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert!(pages >= 3 && file() < pages * size, "{pages} pages");
        checkpointer.committed(1);
        assert_eq!(checkpointer.since.load(Ordering::Relaxed), 0);
        let deadline = Instant::now() + Duration::from_secs(10);
        while file() < pages * size {
            assert!(Instant::now() < deadline, "not copied: {} bytes", file());
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}
