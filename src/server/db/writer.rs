//! The SQLite write path, ordered by the server (SPEC 10). One task owns the
//! only write connection. Callers hand it write commands over a bounded
//! channel; it takes whatever is queued (up to `MAX_BATCH`), runs the batch
//! in one `BEGIN IMMEDIATE` transaction with each command in its own
//! `SAVEPOINT` (a command that fails rolls back alone), commits once, and
//! only then answers every caller. One fsync serves the whole batch, and no
//! writer ever waits in SQLite's busy handler: there is no other writer.
//!
//! Every statement is a round trip to the driver's worker thread, so the
//! control statements travel with the commands: the `BEGIN` (or the release
//! of the previous command's savepoint) and the next `SAVEPOINT` lead a
//! command's first query (`Tx::lead`), and the batch's last command may
//! carry the commit after its last statement (`Tx::lead_last`). A batch of
//! n commands costs n round trips beyond the commands' own further
//! statements (n + 1 when its last command cannot carry the commit).

use futures::future::BoxFuture;
use sqlx::{AnyConnection, Connection, Executor};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
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

/// The connection a write command runs on, and the control statements still
/// owed before its first statement (the batch's `BEGIN IMMEDIATE` or the
/// savepoints on SQLite; the write's `BEGIN` on PostgreSQL).
pub struct Tx<'c> {
    conn: &'c mut AnyConnection,
    owed: &'c mut Option<&'static str>,
    /// For the last command of a SQLite batch, and any write on PostgreSQL:
    /// set once a statement of this command has ended its transaction.
    closing: Option<&'c mut bool>,
}

/// What ends a batch: the last command's savepoint released, the batch's
/// transaction committed.
const CLOSE: &str = "RELEASE command; COMMIT";

impl<'c> Tx<'c> {
    pub(super) fn new(conn: &'c mut AnyConnection, owed: &'c mut Option<&'static str>) -> Self {
        Tx {
            conn,
            owed,
            closing: None,
        }
    }

    /// A command whose last statement may also end its transaction (the
    /// last command of a SQLite batch; any write on PostgreSQL).
    pub(super) fn closing(
        conn: &'c mut AnyConnection,
        owed: &'c mut Option<&'static str>,
        closed: &'c mut bool,
    ) -> Self {
        Tx {
            conn,
            owed,
            closing: Some(closed),
        }
    }

    /// The connection, once the owed statements have run.
    pub async fn conn(&mut self) -> Result<&mut AnyConnection, sqlx::Error> {
        if let Some(control) = self.owed.take() {
            self.conn.execute(control).await?;
        }
        Ok(&mut *self.conn)
    }

    /// `sql` led by the owed statements, and the connection to run it on:
    /// one multi-statement query, one round trip. SQLite only: PostgreSQL
    /// takes one statement per query with arguments (use `conn`).
    pub fn lead(&mut self, sql: &str) -> (String, &mut AnyConnection) {
        let sql = match self.owed.take() {
            Some(control) => format!("{control}; {sql}"),
            None => sql.to_string(),
        };
        (sql, &mut *self.conn)
    }

    /// As `lead`, for a command's last statement: when the command is the
    /// last of its batch, the batch's commit follows `sql` in the same
    /// query. On PostgreSQL, a command whose only statement this is runs it
    /// without a transaction of its own: the statement commits by itself.
    /// The caller runs no statement that writes after it, and returns the
    /// query's error if it has one.
    pub fn lead_last(&mut self, sql: &str) -> (String, &mut AnyConnection) {
        if self.conn.backend_name() == "PostgreSQL" {
            if let Some(closed) = self.closing.as_deref_mut()
                && self.owed.take().is_some()
            {
                *closed = true;
            }
            return (sql.to_string(), &mut *self.conn);
        }
        let closes = self.closing.as_deref_mut().map(|closed| *closed = true);
        let (sql, conn) = self.lead(sql);
        let sql = match closes {
            Some(()) => format!("{sql}; {CLOSE}"),
            None => sql,
        };
        (sql, conn)
    }

    /// A command's statement `sql` and the connection to run it on: led by
    /// the owed statements (`lead`; on PostgreSQL, where a query with
    /// arguments is one statement, the `BEGIN` goes first on its own), and,
    /// when it is the command's last write (`last`), ending its transaction
    /// if it can (`lead_last`).
    pub async fn statement(
        &mut self,
        sql: &str,
        last: bool,
    ) -> Result<(String, &mut AnyConnection), sqlx::Error> {
        if last {
            Ok(self.lead_last(sql))
        } else if self.conn.backend_name() == "PostgreSQL" {
            Ok((sql.to_string(), self.conn().await?))
        } else {
            Ok(self.lead(sql))
        }
    }

    pub fn backend_name(&self) -> &str {
        self.conn.backend_name()
    }
}

/// One write command, its result kept until the batch has committed.
trait Command: Send {
    /// Runs the command; returns whether it succeeded.
    fn run<'c>(&'c mut self, tx: Tx<'c>) -> BoxFuture<'c, bool>;
    /// Answers the caller once the batch's fate is known.
    fn finish(self: Box<Self>, commit: Result<(), &sqlx::Error>);
}

struct Job<T, F> {
    work: Option<F>,
    result: Option<Result<T, sqlx::Error>>,
    reply: oneshot::Sender<Result<T, sqlx::Error>>,
}

impl<T: Send + 'static, F: WriteFn<T>> Command for Job<T, F> {
    fn run<'c>(&'c mut self, tx: Tx<'c>) -> BoxFuture<'c, bool> {
        Box::pin(async move {
            let Some(work) = self.work.take() else {
                return false;
            };
            let result = work(tx).await;
            let ok = result.is_ok();
            self.result = Some(result);
            ok
        })
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
    /// Starts the writer task on `conn`, which must be the only connection
    /// that writes.
    pub fn start(conn: AnyConnection) -> Writer {
        let (commands, queue) = mpsc::channel(QUEUE);
        let stats = Arc::new(Stats::default());
        tokio::spawn(run(conn, queue, stats.clone()));
        Writer { commands, stats }
    }

    /// Whether the writer task still runs (it ends only if it panicked).
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

async fn run(
    mut conn: AnyConnection,
    mut queue: mpsc::Receiver<Box<dyn Command>>,
    stats: Arc<Stats>,
) {
    let mut batch: Vec<Box<dyn Command>> = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let commit = run_batch(&mut conn, &mut batch).await;
        stats.batches.fetch_add(1, Ordering::Relaxed);
        stats
            .commands
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        if let Err(err) = &commit {
            tracing::error!(error = %err, commands = batch.len(), "a write batch failed");
            // Leave no transaction open behind a failed batch.
            let _ = conn.execute("ROLLBACK").await;
        }
        for command in batch.drain(..) {
            command.finish(commit.as_ref().map(|_| ()));
        }
    }
    let _ = conn.close().await;
}

async fn run_batch(
    conn: &mut AnyConnection,
    batch: &mut [Box<dyn Command>],
) -> Result<(), sqlx::Error> {
    // Owed before the next command's first statement. A command that runs a
    // statement takes it; one that runs none leaves it for the next.
    let mut owed = Some("BEGIN IMMEDIATE; SAVEPOINT command");
    let mut open = false;
    let last = batch.len().saturating_sub(1);
    for (i, command) in batch.iter_mut().enumerate() {
        let mut closed = false;
        let tx = if i == last {
            Tx::closing(conn, &mut owed, &mut closed)
        } else {
            Tx::new(conn, &mut owed)
        };
        let ok = command.run(tx).await;
        if closed && ok {
            // Its last query committed the batch.
            return Ok(());
        }
        if owed.is_none() {
            // The command ran inside its savepoint.
            open = true;
            if !ok {
                // (If the failed query was the one carrying the commit, it
                // stopped before it: the transaction is still open.)
                conn.execute("ROLLBACK TO command").await?;
            }
            owed = Some("RELEASE command; SAVEPOINT command");
        }
    }
    if open {
        conn.execute(CLOSE).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn writer(dir: &tempfile::TempDir) -> (Writer, sqlx::AnyPool) {
        sqlx::any::install_default_drivers();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("w.db").display());
        let mut conn = AnyConnection::connect(&url).await.unwrap();
        conn.execute("PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER UNIQUE)")
            .await
            .unwrap();
        let reader = sqlx::AnyPool::connect(&url).await.unwrap();
        (Writer::start(conn), reader)
    }

    fn insert(
        x: i64,
    ) -> impl for<'c> FnOnce(Tx<'c>) -> BoxFuture<'c, Result<u64, sqlx::Error>> + Send + 'static
    {
        move |mut tx| Box::pin(async move { insert_on(&mut tx, x).await })
    }

    async fn insert_on(tx: &mut Tx<'_>, x: i64) -> Result<u64, sqlx::Error> {
        Ok(sqlx::query("INSERT INTO t (x) VALUES ($1)")
            .bind(x)
            .execute(tx.conn().await?)
            .await?
            .rows_affected())
    }

    /// The same insert, led by the control statements (one round trip);
    /// with `last`, as a command's last write: when the command ends its
    /// batch, the batch's commit travels with it.
    fn led(
        x: i64,
        last: bool,
    ) -> impl for<'c> FnOnce(Tx<'c>) -> BoxFuture<'c, Result<u64, sqlx::Error>> + Send + 'static
    {
        move |mut tx| {
            Box::pin(async move {
                const SQL: &str = "INSERT INTO t (x) VALUES ($1) RETURNING x";
                let (sql, conn) = tx.statement(SQL, last).await?;
                // (The rows it returns, not `rows_affected`, which adds up
                // SQLite's counts over the control statements too.)
                let rows: Vec<(i64,)> = sqlx::query_as(&sql).bind(x).fetch_all(conn).await?;
                Ok(rows.len() as u64)
            })
        }
    }

    fn insert_led(
        x: i64,
    ) -> impl for<'c> FnOnce(Tx<'c>) -> BoxFuture<'c, Result<u64, sqlx::Error>> + Send + 'static
    {
        led(x, false)
    }

    fn insert_last(
        x: i64,
    ) -> impl for<'c> FnOnce(Tx<'c>) -> BoxFuture<'c, Result<u64, sqlx::Error>> + Send + 'static
    {
        led(x, true)
    }

    /// Commands queued together share one transaction; the one that fails
    /// rolls back alone and the others commit.
    #[tokio::test(flavor = "current_thread")]
    async fn a_failing_command_rolls_back_alone_inside_its_batch() {
        let dir = tempfile::tempdir().unwrap();
        let (w, reader) = writer(&dir).await;
        let (a, b, c) = tokio::join!(w.write(insert(1)), w.write(insert(1)), w.write(insert(2)));
        assert_eq!(a.unwrap(), 1);
        let err = b.unwrap_err();
        assert!(
            err.as_database_error()
                .is_some_and(|e| e.is_unique_violation()),
            "{err}"
        );
        assert_eq!(c.unwrap(), 1);
        assert_eq!(w.stats(), (1, 3), "one batch of three commands");
        let rows: Vec<(i64,)> = sqlx::query_as("SELECT x FROM t ORDER BY x")
            .fetch_all(&reader)
            .await
            .unwrap();
        assert_eq!(rows, vec![(1,), (2,)]);
    }

    /// Commands whose first query carries the control statements: the one
    /// that fails still rolls back alone, and commands that run no statement
    /// (done, or refused before touching the database) leave the savepoint
    /// to the next.
    #[tokio::test(flavor = "current_thread")]
    async fn led_commands_share_the_batch_and_fail_alone() {
        let dir = tempfile::tempdir().unwrap();
        let (w, reader) = writer(&dir).await;
        fn nothing(_tx: Tx<'_>) -> BoxFuture<'_, Result<u64, sqlx::Error>> {
            Box::pin(async { Ok(0) })
        }
        fn refused(_tx: Tx<'_>) -> BoxFuture<'_, Result<u64, sqlx::Error>> {
            Box::pin(async { Err(sqlx::Error::RowNotFound) })
        }
        let (a, b, c, d, e, f) = tokio::join!(
            w.write(nothing),
            w.write(insert_led(1)),
            w.write(insert_led(1)),
            w.write(refused),
            w.write(insert(3)),
            w.write(insert_led(2)),
        );
        assert_eq!(a.unwrap(), 0);
        assert_eq!(b.unwrap(), 1);
        assert!(c.unwrap_err().as_database_error().is_some());
        assert!(matches!(d, Err(sqlx::Error::RowNotFound)));
        assert_eq!(e.unwrap(), 1);
        assert_eq!(f.unwrap(), 1);
        assert_eq!(w.stats(), (1, 6), "one batch of six commands");
        let rows: Vec<(i64,)> = sqlx::query_as("SELECT x FROM t ORDER BY x")
            .fetch_all(&reader)
            .await
            .unwrap();
        assert_eq!(rows, vec![(1,), (2,), (3,)]);
        // A batch of a led command alone commits too.
        w.write(insert_led(4)).await.unwrap();
        let n: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM t")
            .fetch_one(&reader)
            .await
            .unwrap();
        assert_eq!(n.0, 4);
    }

    async fn all(reader: &sqlx::AnyPool) -> Vec<i64> {
        let rows: Vec<(i64,)> = sqlx::query_as("SELECT x FROM t ORDER BY x")
            .fetch_all(reader)
            .await
            .unwrap();
        rows.into_iter().map(|(x,)| x).collect()
    }

    /// The batch's last command commits it in its own query; when that
    /// query fails, the commands before it still commit; a command that is
    /// not last leaves the commit to the batch.
    #[tokio::test(flavor = "current_thread")]
    async fn the_last_command_carries_the_commit() {
        let dir = tempfile::tempdir().unwrap();
        let (w, reader) = writer(&dir).await;
        // Alone in its batch.
        assert_eq!(w.write(insert_last(1)).await.unwrap(), 1);
        assert_eq!(all(&reader).await, vec![1]);
        // Last of three, after a failing one.
        let (a, b, c) = tokio::join!(
            w.write(insert_led(2)),
            w.write(insert_led(2)),
            w.write(insert_last(3))
        );
        assert_eq!((a.unwrap(), c.unwrap()), (1, 1));
        assert!(b.unwrap_err().as_database_error().is_some());
        assert_eq!(all(&reader).await, vec![1, 2, 3]);
        // Last, and failing: the others commit without it.
        let (a, b, c) = tokio::join!(
            w.write(insert_last(4)),
            w.write(insert_led(5)),
            w.write(insert_last(4))
        );
        assert_eq!((a.unwrap(), b.unwrap()), (1, 1));
        assert!(c.unwrap_err().as_database_error().is_some());
        assert_eq!(all(&reader).await, vec![1, 2, 3, 4, 5]);
        // Last, after statements of its own, failing on its last one.
        let failed = w
            .write(|mut tx| {
                Box::pin(async move {
                    insert_on(&mut tx, 6).await?;
                    let (sql, conn) = tx.lead_last("INSERT INTO t (x) VALUES (6)");
                    sqlx::query(&sql).execute(conn).await?;
                    Ok(())
                })
            })
            .await;
        assert!(failed.is_err());
        assert_eq!(w.stats(), (4, 8));
        // The writer goes on: no transaction was left open.
        w.write(insert(7)).await.unwrap();
        assert_eq!(all(&reader).await, vec![1, 2, 3, 4, 5, 7]);
    }

    /// A writer that died (only a panic ends it) is seen as dead, so that
    /// `/healthz` reports it, and its callers get an error, not a hang.
    #[tokio::test(flavor = "current_thread")]
    async fn a_dead_writer_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let (w, _reader) = writer(&dir).await;
        assert!(w.is_alive());
        let lost = w
            .write(|_tx| -> BoxFuture<'_, Result<(), sqlx::Error>> {
                Box::pin(async { panic!("a bug in a command") })
            })
            .await;
        assert!(lost.is_err());
        assert!(!w.is_alive());
        assert!(w.write(insert(1)).await.is_err());
    }

    /// A command's several statements stand or fall together.
    #[tokio::test(flavor = "current_thread")]
    async fn a_command_is_atomic() {
        let dir = tempfile::tempdir().unwrap();
        let (w, reader) = writer(&dir).await;
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
        let n: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM t")
            .fetch_one(&reader)
            .await
            .unwrap();
        assert_eq!(n.0, 1);
    }
}
