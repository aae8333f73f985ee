//! Checkpoints ahead of the writer (SQLite).
//!
//! A commit of the writer that takes the WAL past its checkpoint interval
//! also checkpoints: it copies every page written since the last one into
//! the database file and syncs that file, and only then can the WAL start
//! over. Under load that held the connection 3-6 ms, about ten times a
//! second at 50 pairs, and every write waiting behind it took that much
//! longer: the slowest hundredth of the writes were those.
//!
//! This thread, on a connection of its own, copies the WAL's new frames
//! every `NUDGE_COMMANDS` commands, beside the writer (a passive checkpoint
//! takes no lock that a writer or a reader waits for). The writer's own
//! checkpoint stays where it was, so the WAL still starts over as promptly,
//! but it now finds most frames copied and holds the connection only to
//! copy the last few and sync.

use super::sqlite::{self, WriteConnection};
use std::sync::atomic::{AtomicU64, Ordering};
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
}

impl Checkpointer {
    /// Starts the thread on `conn`, a read-write connection of the
    /// writer's database.
    pub fn start(conn: WriteConnection) -> std::io::Result<Checkpointer> {
        // One nudge waits at most: a pass copies whatever is new by then.
        let (nudge, nudged) = sync_channel(1);
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || run(&conn, &nudged))?;
        Ok(Checkpointer {
            nudge,
            since: AtomicU64::new(0),
        })
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
        // a panic ends it), and the writer's own checkpoints go on alone.
        let _ = self.nudge.try_send(());
    }
}

fn run(conn: &WriteConnection, nudged: &Receiver<()>) {
    // Ends when the writer's handle is dropped.
    while nudged.recv().is_ok() {
        // A checkpoint of the writer's running at the same moment is not an
        // error: the pass reports itself busy, and the writer's copies the
        // frames.
        let pass = sqlite::rows::<(i64, i64, i64)>(conn, "PRAGMA wal_checkpoint(PASSIVE)", []);
        if let Err(err) = pass {
            tracing::warn!(error = %err, "a background checkpoint failed");
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
        let checkpointer =
            Checkpointer::start(std::sync::Mutex::new(Connection::open(&path).unwrap())).unwrap();
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
