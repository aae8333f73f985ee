//! The database: reads through a pool, writes through `Database::write`.
//! Reads use one connection type (`sqlx::Any`) for SQLite and PostgreSQL, so
//! the data-access modules are written once. On SQLite every write goes
//! through the one write connection (`writer.rs`: in batches on the writer
//! thread, or alone on the caller's), driven in place (`sqlite.rs`), and
//! the pool is read-only; on PostgreSQL a write is
//! a transaction on the pool. A write's statements reach either through
//! `Conn` (`repo::execute!`).

mod checkpoint;
pub mod sqlite;
mod writer;

use checkpoint::Checkpointer;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyConnection, AnyPool, Connection, Executor};
use std::time::Duration;
pub use writer::{Conn, Tx};
use writer::{WriteFn, Writer};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
pub struct Database {
    /// Reads (read-only on SQLite).
    pub pool: AnyPool,
    pub backend: Backend,
    /// SQLite's writer (its connection and thread); `None` on PostgreSQL.
    writer: Option<Writer>,
}

/// SQLite settings of every connection: WAL lets readers run beside the
/// writer; FULL sync keeps every acknowledged write across a power cut.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;";

/// WAL pages after which the WAL is to start over: the writer checkpoints
/// it whole once it has answered the batch at hand (`checkpoint.rs`). At
/// SQLite's default of 1,000 that happened four times as often: a
/// checkpoint copies each page once however often it was rewritten since
/// the last, and the hot pages (the indexes' leaves) are rewritten all the
/// time, so a longer stretch means less copying and fewer fsyncs of the
/// database file. The WAL file grows to 16-20 MB (4 KB pages). Measured
/// in BENCHMARKS.md (eighth and eighteenth runs).
const WAL_RESTART_PAGES: u32 = 4000;

/// SQLite's own checkpoint on the writer's connection (inside the commit
/// that takes the WAL past it) comes only at this many times
/// `WAL_RESTART_PAGES`: it bounds the WAL should the checkpoint thread,
/// which tells the writer when to start the WAL over, ever stop.
const SQLITE_CHECKPOINT_AFTER: u32 = 4;

#[derive(Debug, thiserror::Error)]
pub enum DbSetupError {
    #[error("could not create the database directory {path}: {source}")]
    Directory {
        path: String,
        source: std::io::Error,
    },
    #[error("could not open the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("could not apply migrations: {0}")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    #[error("SQLite needs a database file: {0} is in memory")]
    InMemory(String),
    #[error("could not start the writer's threads: {0}")]
    Writer(#[source] std::io::Error),
    #[error("the writer opened {writer} but the readers {readers}")]
    TwoFiles { writer: String, readers: String },
}

/// The file path of a `sqlite:` URL, unless it is an in-memory database.
fn sqlite_file(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or("");
    (!path.is_empty() && path != ":memory:").then_some(path)
}

impl Database {
    /// Opens the database (creating the SQLite directory if needed) and
    /// applies the migrations of this backend.
    pub async fn connect(url: &str) -> Result<Database, DbSetupError> {
        install_default_drivers();
        let options = AnyPoolOptions::new()
            .acquire_timeout(Duration::from_secs(10))
            .idle_timeout(Duration::from_secs(600));
        if !url.starts_with("sqlite:") {
            let pool = options
                .max_connections(16)
                .connect(url)
                .await
                .map_err(DbSetupError::Connect)?;
            sqlx::migrate!("./migrations/postgres")
                .run(&pool)
                .await
                .map_err(DbSetupError::Migrate)?;
            return Ok(Database {
                pool,
                backend: Backend::Postgres,
                writer: None,
            });
        }
        // The writer's connection and the readers' are connections to one
        // file: a database in memory would be one per connection.
        let file = sqlite_file(url).ok_or_else(|| DbSetupError::InMemory(url.to_string()))?;
        if let Some(parent) = std::path::Path::new(file)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent).map_err(|source| DbSetupError::Directory {
                path: parent.display().to_string(),
                source,
            })?;
        }
        // A first connection creates the file and migrates it.
        let mut conn = AnyConnection::connect(url)
            .await
            .map_err(DbSetupError::Connect)?;
        conn.execute(SQLITE_PRAGMAS)
            .await
            .map_err(DbSetupError::Connect)?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&mut conn)
            .await
            .map_err(DbSetupError::Migrate)?;
        conn.close().await.map_err(DbSetupError::Connect)?;
        let writer = sqlite::open(
            file,
            &format!(
                "{SQLITE_PRAGMAS} PRAGMA wal_autocheckpoint = {};",
                WAL_RESTART_PAGES * SQLITE_CHECKPOINT_AFTER
            ),
        )
        .map_err(DbSetupError::Connect)?;
        // Copies the WAL ahead of the writer's own checkpoints.
        let checkpointer = sqlite::open(file, SQLITE_PRAGMAS).map_err(DbSetupError::Connect)?;
        let checkpointer = Checkpointer::start(checkpointer, i64::from(WAL_RESTART_PAGES))
            .map_err(DbSetupError::Writer)?;
        let pool = options
            .max_connections(8)
            // A pool pings every idle connection it hands out: on SQLite a
            // round trip to the connection's worker thread before every read,
            // to test a file that cannot have gone away.
            .test_before_acquire(false)
            .after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute(SQLITE_PRAGMAS).await?;
                    // Only the writer writes.
                    conn.execute("PRAGMA query_only = ON").await?;
                    Ok(())
                })
            })
            .connect(url)
            .await
            .map_err(DbSetupError::Connect)?;
        // Two drivers read the URL: make sure they found the same file.
        let writes_to = sqlite::file_of(&writer).map_err(DbSetupError::Connect)?;
        let (reads_from,): (String,) = sqlx::query_as(sqlite::MAIN_FILE)
            .fetch_one(&pool)
            .await
            .map_err(DbSetupError::Connect)?;
        if writes_to != reads_from {
            return Err(DbSetupError::TwoFiles {
                writer: writes_to,
                readers: reads_from,
            });
        }
        Ok(Database {
            pool,
            backend: Backend::Sqlite,
            writer: Some(Writer::start(writer, checkpointer).map_err(DbSetupError::Writer)?),
        })
    }

    /// Runs `work` as one transaction and answers once it has committed. On
    /// SQLite it joins the writer's next batch (alone, it may be a batch of
    /// one on this thread); on PostgreSQL it is a
    /// transaction of its own. An error rolls back `work` only.
    pub async fn write<T: Send + 'static>(&self, work: impl WriteFn<T>) -> Result<T, sqlx::Error> {
        match &self.writer {
            Some(writer) => writer.write(work).await,
            None => {
                let mut writing = Writing {
                    conn: self.pool.acquire().await?,
                    settled: false,
                };
                // The transaction begins with the command's first statement
                // that needs one; a command that is one statement runs it on
                // its own and commits with it (`Tx::statement`).
                let mut owed = true;
                let mut closed = false;
                let result = work(Tx::postgres(&mut writing.conn, &mut owed, &mut closed)).await;
                let open = !owed && !closed;
                let result = match result {
                    Ok(value) if open => {
                        writing.conn.execute("COMMIT").await?;
                        Ok(value)
                    }
                    Err(err) if open => {
                        writing.conn.execute("ROLLBACK").await?;
                        Err(err)
                    }
                    settled => settled,
                };
                writing.settled = true;
                result
            }
        }
    }

    /// (batches, commands) the SQLite writer has committed; `None` on
    /// PostgreSQL.
    pub fn write_stats(&self) -> Option<(u64, u64)> {
        self.writer.as_ref().map(Writer::stats)
    }

    /// Whether the database answers, and on SQLite whether its writer runs
    /// (for `/healthz`).
    pub async fn ping(&self) -> bool {
        self.writer.as_ref().is_none_or(Writer::is_alive)
            && sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}

/// A PostgreSQL connection while a write runs on it. A write dropped half
/// way (its caller went away), or whose commit or rollback failed, may have
/// left a transaction open: its connection is closed, not returned to the
/// pool.
struct Writing {
    conn: sqlx::pool::PoolConnection<sqlx::Any>,
    settled: bool,
}

impl Drop for Writing {
    fn drop(&mut self) {
        if !self.settled {
            self.conn.close_on_drop();
        }
    }
}

/// The current time as stored: RFC 3339 in UTC with whole seconds, which sorts
/// as text in both databases.
pub fn now_text() -> String {
    time_text(chrono::Utc::now())
}

pub fn time_text(at: chrono::DateTime<chrono::Utc>) -> String {
    // (What `format("%Y-%m-%dT%H:%M:%SZ")` writes, without parsing a format.)
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_stored_in_utc_to_the_second() {
        use chrono::TimeZone;
        let at = chrono::Utc
            .with_ymd_and_hms(2026, 11, 27, 9, 5, 7)
            .unwrap()
            .checked_add_signed(chrono::Duration::milliseconds(999))
            .unwrap();
        assert_eq!(time_text(at), "2026-11-27T09:05:07Z");
        assert_eq!(time_text(at), at.format("%Y-%m-%dT%H:%M:%SZ").to_string());
    }

    /// SQLite's own checkpoints on the writer's connection come only far
    /// past `WAL_RESTART_PAGES`.
    #[tokio::test(flavor = "current_thread")]
    async fn the_writer_checkpoints_at_its_own_interval() {
        fn interval(tx: Tx<'_>) -> futures::future::BoxFuture<'_, Result<i64, sqlx::Error>> {
            Box::pin(async move {
                let conn = tx.sqlite().ok_or(sqlx::Error::RowNotFound)?;
                let rows: Vec<(i64,)> = sqlite::rows(conn, "PRAGMA wal_autocheckpoint", [])?;
                rows.first().map(|&(n,)| n).ok_or(sqlx::Error::RowNotFound)
            })
        }
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("c.db").display());
        let db = Database::connect(&url).await.unwrap();
        assert_eq!(
            db.write(interval).await.unwrap(),
            i64::from(WAL_RESTART_PAGES * SQLITE_CHECKPOINT_AFTER)
        );
    }

    #[test]
    fn sqlite_file_paths() {
        assert_eq!(
            sqlite_file("sqlite://data/meetings.db?mode=rwc"),
            Some("data/meetings.db")
        );
        assert_eq!(sqlite_file("sqlite:app.db"), Some("app.db"));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://x/y"), None);
    }
}
