//! SQLite's write connection, driven in place by whoever holds it for a
//! batch (`writer.rs`) through `rusqlite`: a statement runs on the calling
//! thread, with no round trip to a driver thread. The statements are the
//! data-access modules' own (`$n` placeholders, read here as `?n`), and
//! their errors come back as `sqlx::Error`s, so callers see one error type
//! whichever driver ran them.

use rusqlite::ffi;
use rusqlite::{Connection, OpenFlags, Params, Row};
use sqlx::error::{DatabaseError, ErrorKind};
use std::borrow::Cow;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// A read-write connection: the writer's, used only by the holder of the
/// writer's batch lock (`writer.rs`), or the checkpoint thread's
/// (`checkpoint.rs`). This mutex (never contended) makes a reference to it
/// `Send`, as the write commands' futures must be to serve PostgreSQL too.
pub type WriteConnection = Mutex<Connection>;

fn lock(conn: &WriteConnection) -> MutexGuard<'_, Connection> {
    // The lock is held by this module's functions only, which do not panic
    // while holding it; a poisoned lock still guards a sound connection.
    conn.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Opens a read-write connection (the writer's, or the checkpointer's) of
/// the database at `path` (as written in a `sqlite:` URL: percent escapes
/// are decoded, as sqlx decodes them), which exists and is migrated, with
/// the settings of every connection (WAL, FULL sync).
pub fn open(path: &str, pragmas: &str) -> Result<WriteConnection, sqlx::Error> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(format!("file:{path}"), flags).map_err(error)?;
    conn.execute_batch(pragmas).map_err(error)?;
    // The writer waits for nobody; a reader's checkpoint may hold the file
    // for a moment.
    conn.busy_timeout(Duration::from_secs(5)).map_err(error)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(Mutex::new(conn))
}

/// `sql` with its `$n` placeholders written as SQLite's `?n`.
fn placeholders(sql: &str) -> Cow<'_, str> {
    if !sql.contains('$') {
        return Cow::Borrowed(sql);
    }
    let mut out = sql.as_bytes().to_vec();
    for i in 0..out.len().saturating_sub(1) {
        if out[i] == b'$' && out[i + 1].is_ascii_digit() {
            out[i] = b'?';
        }
    }
    // Only an ASCII byte was replaced by another.
    Cow::Owned(String::from_utf8(out).unwrap_or_else(|_| sql.to_string()))
}

/// Runs one statement; returns how many rows it changed.
pub fn execute(conn: &WriteConnection, sql: &str, params: impl Params) -> Result<u64, sqlx::Error> {
    let conn = lock(conn);
    let mut statement = conn.prepare_cached(&placeholders(sql)).map_err(error)?;
    let changed = statement.execute(params).map_err(error)?;
    Ok(changed as u64)
}

/// Runs one statement; returns its rows, each read as a tuple.
pub fn rows<T>(
    conn: &WriteConnection,
    sql: &str,
    params: impl Params,
) -> Result<Vec<T>, sqlx::Error>
where
    T: for<'r> TryFrom<&'r Row<'r>, Error = rusqlite::Error>,
{
    let conn = lock(conn);
    let mut statement = conn.prepare_cached(&placeholders(sql)).map_err(error)?;
    let rows = statement
        .query_map(params, |row| T::try_from(row))
        .map_err(error)?;
    rows.collect::<Result<Vec<T>, _>>().map_err(error)
}

/// Runs a control statement (`BEGIN`, `SAVEPOINT`...).
pub fn control(conn: &WriteConnection, sql: &str) -> Result<(), sqlx::Error> {
    execute(conn, sql, []).map(|_| ())
}

/// The file of a connection's main database, as SQLite names it.
pub const MAIN_FILE: &str = "SELECT file FROM pragma_database_list WHERE name = 'main'";

/// `MAIN_FILE` of the write connection.
pub fn file_of(conn: &WriteConnection) -> Result<String, sqlx::Error> {
    let files: Vec<(String,)> = rows(conn, MAIN_FILE, [])?;
    files
        .into_iter()
        .next()
        .map(|(file,)| file)
        .ok_or(sqlx::Error::RowNotFound)
}

/// Whether no transaction is open.
pub fn is_autocommit(conn: &WriteConnection) -> bool {
    lock(conn).is_autocommit()
}

/// A failure of SQLite itself, as the other driver reports one.
#[derive(Debug)]
struct SqliteError {
    message: String,
    extended_code: i32,
    source: rusqlite::Error,
}

impl std::fmt::Display for SqliteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SqliteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

impl DatabaseError for SqliteError {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Owned(self.extended_code.to_string()))
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> ErrorKind {
        match self.extended_code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                ErrorKind::UniqueViolation
            }
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => ErrorKind::ForeignKeyViolation,
            ffi::SQLITE_CONSTRAINT_NOTNULL => ErrorKind::NotNullViolation,
            ffi::SQLITE_CONSTRAINT_CHECK => ErrorKind::CheckViolation,
            _ => ErrorKind::Other,
        }
    }
}

/// `rusqlite`'s error as `sqlx`'s.
pub fn error(err: rusqlite::Error) -> sqlx::Error {
    match err {
        rusqlite::Error::SqliteFailure(failure, message) => {
            let message = message.unwrap_or_else(|| failure.to_string());
            sqlx::Error::Database(Box::new(SqliteError {
                message,
                extended_code: failure.extended_code,
                source: rusqlite::Error::SqliteFailure(failure, None),
            }))
        }
        rusqlite::Error::QueryReturnedNoRows => sqlx::Error::RowNotFound,
        rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::InvalidColumnType(..)
        | rusqlite::Error::IntegralValueOutOfRange(..) => sqlx::Error::Decode(Box::new(err)),
        other => sqlx::Error::Protocol(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_sqlite() {
        assert_eq!(placeholders("SELECT 1"), "SELECT 1");
        assert_eq!(
            placeholders("UPDATE t SET a = $1, b = $12 WHERE c = $1"),
            "UPDATE t SET a = ?1, b = ?12 WHERE c = ?1"
        );
        assert_eq!(placeholders("SELECT '$' || $2"), "SELECT '$' || ?2");
    }

    #[test]
    fn failures_read_as_the_other_driver_reports_them() {
        let conn = Mutex::new(Connection::open_in_memory().unwrap());
        control(&conn, "CREATE TABLE t (x INTEGER UNIQUE CHECK (x > 0))").unwrap();
        assert_eq!(execute(&conn, "INSERT INTO t VALUES ($1)", [1]).unwrap(), 1);
        let duplicate = execute(&conn, "INSERT INTO t VALUES ($1)", [1]).unwrap_err();
        assert!(
            crate::server::repo::is_unique_violation(&duplicate),
            "{duplicate}"
        );
        let refused = execute(&conn, "INSERT INTO t VALUES ($1)", [-1]).unwrap_err();
        assert!(
            refused
                .as_database_error()
                .is_some_and(|e| e.is_check_violation()),
            "{refused}"
        );
        let read: Vec<(i64,)> = rows(&conn, "SELECT x FROM t WHERE x = $1", [1]).unwrap();
        assert_eq!(read, vec![(1,)]);
        assert!(matches!(
            rows::<(String,)>(&conn, "SELECT x FROM t", []),
            Err(sqlx::Error::Decode(_))
        ));
    }
}
