//! The SQLite write path, ordered by the server (SPEC 10). One connection
//! writes, and whoever holds it runs a batch: whatever is queued (up to
//! `MAX_BATCH`) in one `BEGIN IMMEDIATE` transaction, each command in its
//! own `SAVEPOINT` (a command that fails rolls back alone), one commit,
//! and only then an answer to every caller. One fsync serves the whole
//! batch, and no writer ever waits in SQLite's busy handler: there is no
//! other writer.
//!
//! Writes that overlap queue for the writer thread, which takes them in
//! batches. A write that comes alone, while writes have rarely overlapped
//! lately, runs on its caller's thread instead (when the async runtime has
//! another worker thread): the same batch of one,
//! without the two thread hand-overs (to the writer and back) that would
//! otherwise add a fifth to a lone write's time (BENCHMARKS.md). As soon
//! as writes overlap, they go back to the writer thread, where they share
//! commits; a caller's thread that waits in fsync is a thread the async
//! runtime cannot use meanwhile.
//!
//! Statements run in place (`sqlite.rs`), so a command costs what SQLite
//! spends on it and nothing more: no hop to a driver thread per statement.
//! A command is the same async code as on PostgreSQL; on this connection
//! its statements never wait, so it is polled once and done.

use super::checkpoint::Checkpointer;
use super::sqlite::{self, WriteConnection};
use futures::future::BoxFuture;
use sqlx::{AnyConnection, Executor};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, TryLockError};
use std::task::{Context, Poll, Waker};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

/// Most commands committed together.
const MAX_BATCH: usize = 256;
/// Most commands queued or under way; more callers wait for room.
const QUEUE: usize = 4096;
/// How often writes found another under way, as a moving average over the
/// last writes (each weighs 1/16); `OVERLAP_ONE` is "every time".
const OVERLAP_ONE: u32 = 1024;
/// A lone write runs on its caller's thread while fewer than one write in
/// eight found another under way.
const IN_PLACE_BELOW: u32 = OVERLAP_ONE / 8;

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
    /// The command's room in the queue, given back once it is answered.
    _room: OwnedSemaphorePermit,
}

impl<T: Send + 'static, F: WriteFn<T>> Command for Job<T, F> {
    fn run(&mut self, tx: Tx<'_>) -> bool {
        let Some(work) = self.work.take() else {
            return false;
        };
        // Statements on the write connection finish as they are called: the
        // command is done after one poll. A command that panics (a bug)
        // fails alone, as one that returns an error.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut command = work(tx);
            match command
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()))
            {
                Poll::Ready(result) => result,
                Poll::Pending => Err(sqlx::Error::Protocol(
                    "a write command waited for something other than the database".into(),
                )),
            }
        }))
        .unwrap_or_else(|_| Err(sqlx::Error::Protocol("a write command panicked".into())));
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
    shared: Arc<Shared>,
}

/// What the writer thread and the callers that write in place share.
struct Shared {
    /// Room for `QUEUE` commands.
    room: Arc<Semaphore>,
    /// Commands waiting for the writer thread.
    queue: Mutex<Queue>,
    /// Signalled when a command joins the queue.
    queued: Condvar,
    /// The write connection: whoever holds it runs a batch.
    conn: Mutex<WriteConnection>,
    /// Whether a lone write may run on its caller's thread.
    in_place: bool,
    /// How often writes found another under way lately (`OVERLAP_ONE`).
    overlap: AtomicU32,
    stats: Stats,
    /// Told of every commit (`checkpoint.rs`).
    checkpointer: Option<Checkpointer>,
}

#[derive(Default)]
struct Queue {
    commands: Vec<Box<dyn Command>>,
    /// The WAL is due to start over (a write in place was told so).
    restart: bool,
    /// The writer thread has ended.
    closed: bool,
}

impl Shared {
    /// Whether the checkpoint thread found the WAL due to start over since
    /// it was last asked (`Checkpointer::take_restart`).
    fn wal_restart_due(&self) -> bool {
        self.checkpointer
            .as_ref()
            .is_some_and(Checkpointer::take_restart)
    }
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("in_place", &self.in_place)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

/// Batches committed and commands run, for logs, benchmarks and tests.
#[derive(Debug, Default)]
pub struct Stats {
    pub batches: AtomicU64,
    pub commands: AtomicU64,
    /// Batches run on a caller's thread.
    pub in_place: AtomicU64,
}

/// A lock whose holder panicked still guards sound data: the queue is a
/// list, and a command that panics is caught where it runs (`Job::run`), so
/// no batch is left half done.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Writer {
    /// Starts the writer thread on `conn`, which must be the only connection
    /// that writes, with `checkpointer` copying the WAL ahead of it.
    ///
    /// Writes run in place only when the async runtime has another worker
    /// thread: with one (a machine or container of one CPU), a write in
    /// place would stop every request for its fsync, and since nothing else
    /// could run meanwhile, no write would ever find another under way to
    /// send them to the writer thread, where they share commits.
    pub fn start(conn: WriteConnection, checkpointer: Checkpointer) -> std::io::Result<Writer> {
        let workers = tokio::runtime::Handle::try_current()
            .map(|runtime| runtime.metrics().num_workers())
            .unwrap_or(1);
        Self::start_with(conn, workers > 1, Some(checkpointer))
    }

    /// As `start`; `in_place: false` sends every write to the writer thread
    /// (tests run without a checkpointer).
    fn start_with(
        conn: WriteConnection,
        in_place: bool,
        checkpointer: Option<Checkpointer>,
    ) -> std::io::Result<Writer> {
        let shared = Arc::new(Shared {
            room: Arc::new(Semaphore::new(QUEUE)),
            queue: Mutex::new(Queue::default()),
            queued: Condvar::new(),
            conn: Mutex::new(conn),
            in_place,
            overlap: AtomicU32::new(0),
            stats: Stats::default(),
            checkpointer,
        });
        let thread = shared.clone();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || {
                let _closing = Closing(&thread);
                run(&thread);
            })?;
        Ok(Writer { shared })
    }

    /// Whether the writer thread still runs.
    pub fn is_alive(&self) -> bool {
        !lock(&self.shared.queue).closed
    }

    /// (batches, commands) so far.
    pub fn stats(&self) -> (u64, u64) {
        (
            self.shared.stats.batches.load(Ordering::Relaxed),
            self.shared.stats.commands.load(Ordering::Relaxed),
        )
    }

    /// Runs `work` inside the next batch's transaction and answers once that
    /// transaction has committed.
    pub async fn write<T: Send + 'static>(&self, work: impl WriteFn<T>) -> Result<T, sqlx::Error> {
        let room = (self.shared.room.clone().acquire_owned().await)
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let (reply, answer) = oneshot::channel();
        self.submit(Box::new(Job {
            work: Some(work),
            result: None,
            reply,
            _room: room,
        }))?;
        answer.await.map_err(|_| sqlx::Error::PoolClosed)?
    }

    /// Runs `command` at once on this thread if it comes alone (nothing
    /// queued, the connection free) while writes rarely overlap; queues it
    /// for the writer thread otherwise.
    fn submit(&self, command: Box<dyn Command>) -> Result<(), sqlx::Error> {
        let shared = &*self.shared;
        let mut queue = lock(&shared.queue);
        if queue.closed {
            return Err(sqlx::Error::PoolClosed);
        }
        let conn = if queue.commands.is_empty() {
            match shared.conn.try_lock() {
                Ok(conn) => Some(conn),
                Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
                Err(TryLockError::WouldBlock) => None,
            }
        } else {
            None
        };
        // Racing callers may each drop an update: the average is a hint.
        let overlap = shared.overlap.load(Ordering::Relaxed);
        let found = if conn.is_some() { 0 } else { OVERLAP_ONE / 16 };
        shared
            .overlap
            .store(overlap - overlap / 16 + found, Ordering::Relaxed);
        match conn.filter(|_| shared.in_place && overlap < IN_PLACE_BELOW) {
            Some(conn) => {
                drop(queue);
                shared.stats.in_place.fetch_add(1, Ordering::Relaxed);
                let mut batch = [command];
                let commit = commit_batch(shared, &conn, &mut batch);
                drop(conn);
                answer(batch, commit);
                // The WAL's last checkpoint goes to the writer thread: a
                // caller's thread that waited in it would be one the async
                // runtime cannot use meanwhile.
                if shared.wal_restart_due() {
                    lock(&shared.queue).restart = true;
                    shared.queued.notify_one();
                }
            }
            None => {
                queue.commands.push(command);
                drop(queue);
                shared.queued.notify_one();
            }
        }
        Ok(())
    }
}

/// Marks the writer closed when its thread ends, and drops what waits for
/// it: those callers get an error, not a hang.
struct Closing<'a>(&'a Shared);

impl Drop for Closing<'_> {
    fn drop(&mut self) {
        let mut queue = lock(&self.0.queue);
        queue.closed = true;
        queue.commands.clear();
    }
}

/// The writer thread: once something is queued, waits for the connection
/// (a write in place may hold it), then takes what is queued by then, so
/// that what queued meanwhile joins the batch, and runs the batch. Once the
/// batch is answered, checkpoints the WAL if it is due to start over.
fn run(shared: &Shared) {
    let mut batch: Vec<Box<dyn Command>> = Vec::with_capacity(MAX_BATCH);
    loop {
        let told_to_restart = {
            let mut queue = lock(&shared.queue);
            while queue.commands.is_empty() && !queue.restart {
                queue = shared
                    .queued
                    .wait(queue)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            std::mem::take(&mut queue.restart)
        };
        // The connection before the queue: `submit` holds the queue while
        // it only tries the connection, so the order never deadlocks.
        let conn = lock(&shared.conn);
        {
            let mut queue = lock(&shared.queue);
            let n = queue.commands.len().min(MAX_BATCH);
            batch.extend(queue.commands.drain(..n));
        }
        if !batch.is_empty() {
            let commit = commit_batch(shared, &conn, &mut batch);
            drop(conn);
            answer(batch.drain(..), commit);
        } else {
            drop(conn);
        }
        if told_to_restart || shared.wal_restart_due() {
            restart_wal(shared);
        }
    }
}

/// Checkpoints the whole WAL, holding the connection so that no frame is
/// added meanwhile: the next write then starts the WAL over. This is the
/// checkpoint SQLite would otherwise run inside a commit (`checkpoint.rs`);
/// here the batch that took the WAL past its size has been answered first.
fn restart_wal(shared: &Shared) {
    let conn = lock(&shared.conn);
    if let Err(err) = super::checkpoint::pass(&conn) {
        tracing::warn!(error = %err, "the writer's checkpoint failed");
    }
}

/// Runs `batch` as one transaction; the connection is free again once it
/// returns.
fn commit_batch(
    shared: &Shared,
    conn: &WriteConnection,
    batch: &mut [Box<dyn Command>],
) -> Result<(), sqlx::Error> {
    let commit = run_batch(conn, batch);
    shared.stats.batches.fetch_add(1, Ordering::Relaxed);
    shared
        .stats
        .commands
        .fetch_add(batch.len() as u64, Ordering::Relaxed);
    match &commit {
        Ok(()) => {
            if let Some(checkpointer) = &shared.checkpointer {
                checkpointer.committed(batch.len());
            }
        }
        Err(err) => {
            tracing::error!(error = %err, commands = batch.len(), "a write batch failed");
            // Leave no transaction open behind a failed batch.
            if !sqlite::is_autocommit(conn) {
                let _ = sqlite::control(conn, "ROLLBACK");
            }
        }
    }
    commit
}

/// Answers the callers of a batch once its fate is known.
fn answer(batch: impl IntoIterator<Item = Box<dyn Command>>, commit: Result<(), sqlx::Error>) {
    for command in batch {
        command.finish(commit.as_ref().map(|_| ()));
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
            // Every write to the writer thread, so that writes joined here
            // share its batches (`in_place_writes` tests the other path).
            Writer::start_with(std::sync::Mutex::new(conn), false, None).unwrap(),
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

    /// Holds the write connection, so that the writes joined after it
    /// queue, and `release`, joined last, lets the writer thread take them
    /// all as one batch (it takes the queue only once it holds the
    /// connection).
    fn hold(w: &Writer) -> MutexGuard<'_, WriteConnection> {
        lock(&w.shared.conn)
    }

    async fn release(held: MutexGuard<'_, WriteConnection>) {
        drop(held);
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
        let held = hold(&w);
        let (a, b, c, ()) = tokio::join!(
            w.write(insert(1)),
            w.write(insert(1)),
            w.write(insert(2)),
            release(held)
        );
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
        let held = hold(&w);
        let (a, b, c, d, e, ()) = tokio::join!(
            w.write(nothing),
            w.write(insert(1)),
            w.write(refused),
            w.write(insert(1)),
            w.write(insert(2)),
            release(held),
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
        let held = hold(&w);
        let (_, _, n, ()) = tokio::join!(
            w.write(insert(1)),
            w.write(insert(2)),
            w.write(count),
            release(held)
        );
        assert_eq!(n.unwrap(), 2);
        assert_eq!(w.stats(), (1, 3));
    }

    /// A command that panics (a bug) fails alone; the writer goes on, on
    /// the writer thread as in place.
    #[tokio::test(flavor = "current_thread")]
    async fn a_command_that_panics_fails_alone() {
        let dir = tempfile::tempdir().unwrap();
        let (queued, reader) = writer(&dir);
        let in_place = Writer::start_with(
            std::sync::Mutex::new(rusqlite::Connection::open(dir.path().join("w.db")).unwrap()),
            true,
            None,
        )
        .unwrap();
        for (w, x) in [(&queued, 1), (&in_place, 2)] {
            let lost = w
                .write(move |mut tx| -> BoxFuture<'_, Result<(), sqlx::Error>> {
                    Box::pin(async move {
                        insert_on(&mut tx, 100 + x).await?;
                        panic!("a bug in a command")
                    })
                })
                .await;
            assert!(lost.is_err());
            assert!(w.is_alive());
            w.write(insert(x)).await.unwrap();
        }
        assert_eq!(in_place.shared.stats.in_place.load(Ordering::Relaxed), 2);
        assert_eq!(all(&reader), vec![1, 2]);
    }

    /// A writer whose thread has ended is seen as dead, so that `/healthz`
    /// reports it, and its callers get an error, not a hang.
    #[tokio::test(flavor = "current_thread")]
    async fn a_dead_writer_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let (w, _reader) = writer(&dir);
        assert!(w.is_alive());
        drop(Closing(&w.shared));
        assert!(!w.is_alive());
        assert!(matches!(
            w.write(insert(1)).await,
            Err(sqlx::Error::PoolClosed)
        ));
    }

    /// Lone writes run on their caller's thread. Writes that find another
    /// under way queue for the writer thread, which commits them together,
    /// and lone writes go to it too until overlaps have become rare again.
    #[tokio::test(flavor = "current_thread")]
    async fn in_place_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        let (_, reader) = writer(&dir);
        let w = Writer::start_with(
            std::sync::Mutex::new(rusqlite::Connection::open(&path).unwrap()),
            true,
            None,
        )
        .unwrap();
        let in_place = |w: &Writer| w.shared.stats.in_place.load(Ordering::Relaxed);
        for x in 1..=3 {
            assert_eq!(w.write(insert(x)).await.unwrap(), 1);
        }
        assert_eq!(in_place(&w), 3);
        assert_eq!(w.stats(), (3, 3));

        // A write under way holds the connection; twenty more arrive.
        let held = lock(&w.shared.conn);
        let answers: Vec<_> = (10..30)
            .map(|x| {
                let (reply, answer) = oneshot::channel();
                let job = Job {
                    work: Some(insert(x)),
                    result: None,
                    reply,
                    _room: w.shared.room.clone().try_acquire_owned().unwrap(),
                };
                w.submit(Box::new(job)).unwrap();
                answer
            })
            .collect();
        drop(held);
        for answer in answers {
            assert_eq!(answer.await.unwrap().unwrap(), 1);
        }
        assert_eq!(in_place(&w), 3, "none of them ran in place");
        let (batches, commands) = w.stats();
        assert_eq!(commands, 23);
        assert!(batches <= 5, "{batches} batches for 20 writes");

        // Overlaps are recent: a lone write still goes to the thread, until
        // enough lone writes have come since.
        w.write(insert(40)).await.unwrap();
        assert_eq!(in_place(&w), 3);
        let mut x = 41;
        while in_place(&w) == 3 {
            w.write(insert(x)).await.unwrap();
            x += 1;
            assert!(x < 100, "lone writes never ran in place again");
        }
        assert_eq!(all(&reader).len(), 23 + (x - 40) as usize);
    }

    /// Once the WAL is due to start over, the writer thread checkpoints it
    /// whole after the batch at hand is answered, whether that batch ran on
    /// it or in place; the writes that follow then fill the WAL from its
    /// start again instead of growing it.
    #[tokio::test(flavor = "current_thread")]
    async fn the_wal_starts_over_once_due() {
        for in_place in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("w.db");
            let conn = rusqlite::Connection::open(&path).unwrap();
            // No checkpoint of SQLite's own.
            conn.execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; \
                 CREATE TABLE t (x INTEGER UNIQUE)",
            )
            .unwrap();
            let reader = std::sync::Mutex::new(rusqlite::Connection::open(&path).unwrap());
            // A thread that never finds the WAL full by itself.
            let checkpointer = Checkpointer::start(
                std::sync::Mutex::new(rusqlite::Connection::open(&path).unwrap()),
                i64::MAX,
            )
            .unwrap();
            let w = Writer::start_with(std::sync::Mutex::new(conn), in_place, Some(checkpointer))
                .unwrap();
            let size = |name: &str| std::fs::metadata(dir.path().join(name)).map_or(0, |m| m.len());
            for x in 1..=5 {
                w.write(insert(x)).await.unwrap();
            }
            // The table is still in the WAL only.
            let (pages, page_size): (u64, u64) = one(sqlite::rows(
                &reader,
                "SELECT * FROM pragma_page_count, pragma_page_size",
                [],
            ));
            assert!(size("w.db") < pages * page_size, "{in_place}");

            w.shared.checkpointer.as_ref().unwrap().make_restart_due();
            w.write(insert(6)).await.unwrap();
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            while size("w.db") < pages * page_size {
                assert!(
                    std::time::Instant::now() < deadline,
                    "not checkpointed ({in_place})"
                );
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            let wal = size("w.db-wal");
            for x in 7..=9 {
                w.write(insert(x)).await.unwrap();
            }
            assert_eq!(size("w.db-wal"), wal, "the WAL grew ({in_place})");
            assert_eq!(all(&reader), (1..=9).collect::<Vec<_>>());
            // Writes 1-6 came alone (the checkpoint may still have held the
            // connection when 7 came).
            let ran_in_place = w.shared.stats.in_place.load(Ordering::Relaxed);
            if in_place {
                assert!(ran_in_place >= 6, "{ran_in_place} in place");
            } else {
                assert_eq!(ran_in_place, 0);
            }
        }
    }

    fn one<T>(rows: Result<Vec<T>, sqlx::Error>) -> T {
        rows.unwrap().into_iter().next().unwrap()
    }

    /// On a runtime of one worker thread every write goes to the writer
    /// thread: a write in place would stop every request for its fsync.
    #[test]
    fn writes_run_in_place_only_beside_another_worker() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        drop(rusqlite::Connection::open(&path).unwrap());
        let path = path.to_str().unwrap();
        let start = || {
            let checkpointer = Checkpointer::start(sqlite::open(path, "").unwrap(), 4000).unwrap();
            Writer::start(sqlite::open(path, "").unwrap(), checkpointer).unwrap()
        };
        for (workers, in_place) in [(1, false), (2, true)] {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(workers)
                .build()
                .unwrap();
            assert_eq!(
                runtime.block_on(async { start() }).shared.in_place,
                in_place
            );
        }
        let one_thread = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        assert!(!one_thread.block_on(async { start() }).shared.in_place);
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
