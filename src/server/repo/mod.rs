//! All SQL of the application, one module per aggregate. The statements use
//! `$n` placeholders and portable SQL, so they run on SQLite and PostgreSQL.

mod columns;
pub mod meetings;
pub mod outbox;
pub mod sessions;
pub mod users;

/// Whether an insert failed on a unique index (a duplicate email, or a second
/// pending request for the same pair).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .is_some_and(|e| e.is_unique_violation())
}
