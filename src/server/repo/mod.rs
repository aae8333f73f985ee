//! All SQL of the application, one module per aggregate. The statements use
//! `$n` placeholders and portable SQL, so they run on SQLite and PostgreSQL.

mod columns;
pub mod meetings;
pub mod outbox;
pub mod sessions;
pub mod users;

/// Runs one statement on the connection of a write (`db::Conn`): in place
/// on SQLite's write connection, or through `sqlx` on PostgreSQL. Its value is
/// the number of rows changed.
macro_rules! execute {
    ($conn:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $conn {
            $crate::server::db::Conn::Sqlite(c) => {
                $crate::server::db::sqlite::execute(c, $sql, ::rusqlite::params![$($arg),*])
            }
            $crate::server::db::Conn::Any(c) => ::sqlx::query($sql)
                $(.bind($arg))*
                .execute(&mut **c)
                .await
                .map(|done| done.rows_affected()),
        }
    };
}

/// As `execute!`, for a statement whose rows are read, each as the tuple
/// `$row`.
macro_rules! fetch_all {
    ($conn:expr, $sql:expr, $row:ty $(, $arg:expr)* $(,)?) => {
        match $conn {
            $crate::server::db::Conn::Sqlite(c) => {
                $crate::server::db::sqlite::rows::<$row>(c, $sql, ::rusqlite::params![$($arg),*])
            }
            $crate::server::db::Conn::Any(c) => ::sqlx::query_as::<_, $row>($sql)
                $(.bind($arg))*
                .fetch_all(&mut **c)
                .await,
        }
    };
}

pub(crate) use {execute, fetch_all};

/// Whether an insert failed on a unique index (a duplicate email, or a second
/// pending request for the same pair).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .is_some_and(|e| e.is_unique_violation())
}
