//! The SQLite write path, ordered by the server (SPEC 10). One thread owns
//! the only write connection. Callers hand it write commands over a bounded
//! channel; it takes whatever is queued (up to `MAX_BATCH`), runs the batch
//! in one `BEGIN IMMEDIATE` transaction with each command in its own
//! `SAVEPOINT` (a command that fails rolls back alone), commits once, and
//! only then answers every caller. One fsync serves the whole batch, and no
//! writer ever waits in SQLite's busy handler: there is no other writer.
//!
//! The thread runs each statement in place (`sqlite.rs`), so a command
//! costs what SQLite spends on it and nothing more: no hop to a driver
//! thread per statement, no wait for a turn on the async runtime's threads.
//! A command is the same async code as on PostgreSQL; on this thread its
//! statements never wait, so it is polled once and done.

use super::sqlite::{self, WriteConnection};
use futures::future::BoxFuture;
use sqlx::{AnyConnection, Executor};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};
use tokio::sync::{mpsc, oneshot};

/// Most commands committed together.
const MAX_BATCH: usize = 256;
/// Commands waiting for the writer; senders wait when it is full.
const QUEUE: usize = 4096;

/// What a write is: work inside a transaction, done once, its result handed
/// back after commit.
pub trait WriteFn<T>:
    for<'c> FnOnce(Tx<'c>) -> BoxFuture<'c, Result<T, sqlx::Error>> + Send + 'static
{
}

impl<T, F> WriteFn<T> for F where
    F: for<'c> FnOnce(Tx<'c>) -> BoxFuture<'c, Result<T, sqlx::Error>> + Send + 'static
{
}

/// The connection a statement runs on: SQLite's write connection, driven in
/// place, or a PostgreSQL connection (`sqlx::Any`). The data-access modules
/// match on it (`repo::execute!`, `repo::fetch_all!`).
pub enum Conn<'a> {
    Sqlite(&'a WriteConnection),
    Any(&'a mut AnyConnection),
}

/// The transaction a write command runs in.
pub struct Tx<'c>(TxOn<'c>);

enum TxOn<'c> {
    /// Inside the writer's batch, in the command's savepoint.
    Sqlite(&'c WriteConnection),
    /// A write of its own on PostgreSQL, whose `BEGIN` waits for the
    /// command's first statement that needs it.
    Postgres {
        conn: &'c mut AnyConnection,
        /// The `BEGIN` has not run yet.
        owed: &'c mut bool,
        /// A statement ended the write by itself (it ran with no `BEGIN`).
        closed: &'c mut bool,
    },
}

impl<'c> Tx<'c> {
    fn on_sqlite(conn: &'c WriteConnection) -> Self {
        Tx(TxOn::Sqlite(conn))
    }

    /// A PostgreSQL write; see `Database::write`.
    pub(super) fn postgres(
        conn: &'c mut AnyConnection,
        owed: &'c mut bool,
        closed: &'c mut bool,
    ) -> Self {
        Tx(TxOn::Postgres { conn, owed, closed })
    }

    /// The connection for the command's next statement, inside its
    /// transaction.
    pub async fn conn(&mut self) -> Result<Conn<'_>, sqlx::Error> {
        self.statement(false).await
    }

    /// As `conn`; with `last`, for the command's last statement. On
    /// PostgreSQL a command whose only statement this is runs it without a
    /// transaction of its own: the statement commits by itself. The caller
    /// then runs no statement that writes after it.
    pub async fn statement(&mut self, last: bool) -> Result<Conn<'_>, sqlx::Error> {
        match &mut self.0 {
            TxOn::Sqlite(conn) => Ok(Conn::Sqlite(conn)),
            TxOn::Postgres { conn, owed, closed } => {
                if **owed {
                    **owed = false;
                    if last {
                        **closed = true;
                    } else {
                        conn.execute("BEGIN").await?;
                    }
                }
                Ok(Conn::Any(conn))
            }
        }
    }

    /// SQLite's write connection, for statements written for it alone.
    pub fn sqlite(&self) -> Option<&'c WriteConnection> {
        match self.0 {
            TxOn::Sqlite(conn) => Some(conn),
            TxOn::Postgres { .. } => None,
        }
    }
}

impl<'a> Conn<'a> {
    /// The PostgreSQL connection, for statements written for it alone.
    pub fn into_any(self) -> Result<&'a mut AnyConnection, sqlx::Error> {
        match self {
            Conn::Any(conn) => Ok(conn),
            Conn::Sqlite(_) => Err(sqlx::Error::Protocol(
                "a statement written for PostgreSQL was run on SQLite".into(),
            )),
        }
    }
}

/// One write command, its result kept until the batch has committed.
trait Command: Send {
    /// Runs the command; returns whether it succeeded.
    fn run(&mut self, tx: Tx<'_>) -> bool;
    /// Answers the caller once the batch's fate is known.
    fn finish(self: Box<Self>, commit: Result<(), &sqlx::Error>);
}

struct Job<T, F> {
    work: Option<F>,
    result: Option<Result<T, sqlx::Error>>,
    reply: oneshot::Sender<Result<T, sqlx::Error>>,
}

impl<T: Send + 'static, F: WriteFn<T>> Command for Job<T, F> {
    fn run(&mut self, tx: Tx<'_>) -> bool {
        let Some(work) = self.work.take() else {
            return false;
        };
        // Statements on this thread's connection finish as they are called:
        // the command is done after one poll.
        let mut command = work(tx);
        let result = match command
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(result) => result,
            Poll::Pending => Err(sqlx::Error::Protocol(
                "a write command waited for something other than the database".into(),
            )),
        };
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn finish(self: Box<Self>, commit: Result<(), &sqlx::Error>) {
        let answer = match (self.result, commit) {
            (Some(Err(e)), _) => Err(e),
            (Some(Ok(value)), Ok(())) => Ok(value),
            (_, Err(e)) => Err(sqlx::Error::Protocol(format!(
                "the write was not committed: {e}"
            ))),
            (None, Ok(())) => Err(sqlx::Error::Protocol("the write did not run".into())),
        };
        // A caller that gave up no longer listens; the write stands.
        let _ = self.reply.send(answer);
    }
}

/// The handle services use; cloning it is cheap.
#[derive(Clone, Debug)]
pub struct Writer {
    commands: mpsc::Sender<Box<dyn Command>>,
    stats: Arc<Stats>,
}

/// Batches committed and commands run, for logs, benchmarks and tests.
#[derive(Debug, Default)]
pub struct Stats {
    pub batches: AtomicU64,
    pub commands: AtomicU64,
}

impl Writer {
    /// Starts the writer thread on `conn`, which must be the only connection
    /// that writes.
    pub fn start(conn: WriteConnection) -> std::io::Result<Writer> {
        let (commands, queue) = mpsc::channel(QUEUE);
        let stats = Arc::new(Stats::default());
        let counted = stats.clone();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || run(conn, queue, counted))?;
        Ok(Writer { commands, stats })
    }

    /// Whether the writer thread still runs (it ends only if it panicked).
    pub fn is_alive(&self) -> bool {
        !self.commands.is_closed()
    }

    /// (batches, commands) so far.
    pub fn stats(&self) -> (u64, u64) {
        (
            self.stats.batches.load(Ordering::Relaxed),
            self.stats.commands.load(Ordering::Relaxed),
        )
    }

    /// Runs `work` inside the next batch's transaction and answers once that
    /// transaction has committed.
    pub async fn write<T: Send + 'static>(&self, work: impl WriteFn<T>) -> Result<T, sqlx::Error> {
        let (reply, answer) = oneshot::channel();
        let job: Box<dyn Command> = Box::new(Job {
            work: Some(work),
            result: None,
            reply,
        });
        self.commands
            .send(job)
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        answer.await.map_err(|_| sqlx::Error::PoolClosed)?
    }
}

fn run(conn: WriteConnection, mut queue: mpsc::Receiver<Box<dyn Command>>, stats: Arc<Stats>) {
    let mut batch: Vec<Box<dyn Command>> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = queue.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(command) => batch.push(command),
                Err(_) => break,
            }
        }
        let commit = run_batch(&conn, &mut batch);
        stats.batches.fetch_add(1, Ordering::Relaxed);
        stats
            .commands
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        if let Err(err) = &commit {
            tracing::error!(error = %err, commands = batch.len(), "a write batch failed");
            // Leave no transaction open behind a failed batch.
            if !sqlite::is_autocommit(&conn) {
                let _ = sqlite::control(&conn, "ROLLBACK");
            }
        }
        for command in batch.drain(..) {
            command.finish(commit.as_ref().map(|_| ()));
        }
    }
}

fn run_batch(conn: &WriteConnection, batch: &mut [Box<dyn Command>]) -> Result<(), sqlx::Error> {
    sqlite::control(conn, "BEGIN IMMEDIATE")?;
    for command in batch.iter_mut() {
        sqlite::control(conn, "SAVEPOINT command")?;
        if !command.run(Tx::on_sqlite(conn)) {
            sqlite::control(conn, "ROLLBACK TO command")?;
        }
        sqlite::control(conn, "RELEASE command")?;
    }
    sqlite::control(conn, "COMMIT")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::repo::{execute, fetch_all};

    fn writer(dir: &tempfile::TempDir) -> (Writer, WriteConnection) {
        let path = dir.path().join("w.db");
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER UNIQUE)")
            .unwrap();
        let reader = rusqlite::Connection::open(&path).unwrap();
        (
            Writer::start(std::sync::Mutex::new(conn)).unwrap(),
            std::sync::Mutex::new(reader),
        )
    }

    async fn insert_on(tx: &mut Tx<'_>, x: i64) -> Result<u64, sqlx::Error> {
        execute!(&mut tx.conn().await?, "INSERT INTO t (x) VALUES ($1)", x)
    }

    fn insert(
        x: i64,
    ) -> impl for<'c> FnOnce(Tx<'c>) -> BoxFuture<'c, Result<u64, sqlx::Error>> + Send + 'static
    {
        move |mut tx| Box::pin(async move { insert_on(&mut tx, x).await })
    }

    fn all(reader: &WriteConnection) -> Vec<i64> {
        let rows: Vec<(i64,)> = sqlite::rows(reader, "SELECT x FROM t ORDER BY x", []).unwrap();
        rows.into_iter().map(|(x,)| x).collect()
    }

    /// Commands queued together share one transaction; the one that fails
    /// rolls back alone and the others commit.
    #[tokio::test(flavor = "current_thread")]
    async fn a_failing_command_rolls_back_alone_inside_its_batch() {
        let dir = tempfile::tempdir().unwrap();
        let (w, reader) = writer(&dir);
        let (a, b, c) = tokio::join!(w.write(insert(1)), w.write(insert(1)), w.write(insert(2)));
        assert_eq!(a.unwrap(), 1);
        let err = b.unwrap_err();
        assert!(crate::server::repo::is_unique_violation(&err), "{err}");
        assert_eq!(c.unwrap(), 1);
        assert_eq!(w.stats(), (1, 3), "one batch of three commands");
        assert_eq!(all(&reader), vec![1, 2]);
    }

    /// Commands that run no statement, or refuse before touching the
    /// database, share the batch with the others and change nothing.
    #[tokio::test(flavor = "current_thread")]
    async fn commands_that_write_nothing_share_the_batch() {
        let dir = tempfile::tempdir().unwrap();
        let (w, reader) = writer(&dir);
        fn nothing(_tx: Tx<'_>) -> BoxFuture<'_, Result<u64, sqlx::Error>> {
            Box::pin(async { Ok(0) })
        }
        fn refused(_tx: Tx<'_>) -> BoxFuture<'_, Result<u64, sqlx::Error>> {
            Box::pin(async { Err(sqlx::Error::RowNotFound) })
        }
        let (a, b, c, d, e) = tokio::join!(
            w.write(nothing),
            w.write(insert(1)),
            w.write(refused),
            w.write(insert(1)),
            w.write(insert(2)),
        );
        assert_eq!(a.unwrap(), 0);
        assert_eq!(b.unwrap(), 1);
        assert!(matches!(c, Err(sqlx::Error::RowNotFound)));
        assert!(d.unwrap_err().as_database_error().is_some());
        assert_eq!(e.unwrap(), 1);
        assert_eq!(w.stats(), (1, 5), "one batch of five commands");
        assert_eq!(all(&reader), vec![1, 2]);
    }

    /// A command reads what the commands before it in its batch wrote.
    #[tokio::test(flavor = "current_thread")]
    async fn a_command_sees_the_batch_so_far() {
        let dir = tempfile::tempdir().unwrap();
        let (w, _reader) = writer(&dir);
        fn count(mut tx: Tx<'_>) -> BoxFuture<'_, Result<u64, sqlx::Error>> {
            Box::pin(async move {
                let rows = fetch_all!(&mut tx.conn().await?, "SELECT COUNT(*) FROM t", (i64,))?;
                Ok(rows.first().map_or(0, |&(n,)| n as u64))
            })
        }
        let (_, _, n) = tokio::join!(w.write(insert(1)), w.write(insert(2)), w.write(count));
        assert_eq!(n.unwrap(), 2);
        assert_eq!(w.stats(), (1, 3));
    }

    /// A writer that died (only a panic ends it) is seen as dead, so that
    /// `/healthz` reports it, and its callers get an error, not a hang.
    #[tokio::test(flavor = "current_thread")]
    async fn a_dead_writer_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let (w, _reader) = writer(&dir);
        assert!(w.is_alive());
        let lost = w
            .write(|_tx| -> BoxFuture<'_, Result<(), sqlx::Error>> {
                Box::pin(async { panic!("a bug in a command") })
            })
            .await;
        assert!(lost.is_err());
        // The thread drops its end of the queue as it unwinds.
        for _ in 0..100 {
            if !w.is_alive() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert!(!w.is_alive());
        assert!(w.write(insert(1)).await.is_err());
    }

    /// A command that waits on anything but its statements is a bug: it
    /// fails alone, and the writer goes on.
    #[tokio::test(flavor = "current_thread")]
    async fn a_command_that_waits_fails_alone() {
        let dir = tempfile::tempdir().unwrap();
        let (w, reader) = writer(&dir);
        let waits = w
            .write(|mut tx| -> BoxFuture<'_, Result<(), sqlx::Error>> {
                Box::pin(async move {
                    insert_on(&mut tx, 9).await?;
                    futures::future::pending::<()>().await;
                    Ok(())
                })
            })
            .await;
        assert!(waits.is_err());
        w.write(insert(1)).await.unwrap();
        assert_eq!(all(&reader), vec![1]);
    }

    /// A command's several statements stand or fall together.
    #[tokio::test(flavor = "current_thread")]
    async fn a_command_is_atomic() {
        let dir = tempfile::tempdir().unwrap();
        let (w, reader) = writer(&dir);
        let failed = w
            .write(|mut tx| {
                Box::pin(async move {
                    insert_on(&mut tx, 5).await?;
                    insert_on(&mut tx, 5).await
                })
            })
            .await;
        assert!(failed.is_err());
        w.write(insert(6)).await.unwrap();
        assert_eq!(all(&reader), vec![6]);
    }
}
