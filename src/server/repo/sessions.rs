//! Session rows and the failed-login record. Times are Unix seconds.

use super::execute;
use crate::domain::Role;
use crate::server::db::Conn;
use sqlx::AnyPool;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionRow {
    pub id: String,
    pub user_id: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub email: String,
    pub full_name: String,
    pub role: Role,
}

impl SessionRow {
    /// When the session ends unless used again: `idle` seconds after it was
    /// last seen, or at its absolute end, whichever comes first.
    pub fn ends_at(&self, idle: i64) -> i64 {
        self.expires_at.min(self.last_seen_at + idle)
    }
}

pub async fn insert(
    conn: &mut Conn<'_>,
    id: &str,
    user_id: i64,
    now: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    execute!(
        conn,
        "INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at) \
         VALUES ($1, $2, $3, $3, $4)",
        id,
        user_id,
        now,
        expires_at
    )?;
    Ok(())
}

pub async fn find(pool: &AnyPool, id: &str) -> Result<Option<SessionRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT s.id, s.user_id, s.created_at, s.last_seen_at, s.expires_at, u.email, u.full_name, u.role \
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await
}

pub async fn touch(conn: &mut Conn<'_>, id: &str, now: i64) -> Result<(), sqlx::Error> {
    execute!(
        conn,
        "UPDATE sessions SET last_seen_at = $1 WHERE id = $2",
        now,
        id
    )?;
    Ok(())
}

pub async fn delete(conn: &mut Conn<'_>, id: &str) -> Result<(), sqlx::Error> {
    execute!(conn, "DELETE FROM sessions WHERE id = $1", id)?;
    Ok(())
}

/// Removes sessions idle since before `idle_cutoff` or past their absolute end.
pub async fn delete_expired(
    conn: &mut Conn<'_>,
    now: i64,
    idle_cutoff: i64,
) -> Result<u64, sqlx::Error> {
    execute!(
        conn,
        "DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at < $2",
        now,
        idle_cutoff
    )
}

/// Failed logins for `email` from `address` since `since`, and the oldest of them.
pub async fn failures_since(
    pool: &AnyPool,
    email: &str,
    address: &str,
    since: i64,
) -> Result<(i64, Option<i64>), sqlx::Error> {
    sqlx::query_as(
        "SELECT COUNT(*), MIN(created_at) FROM login_failures \
         WHERE email = $1 AND address = $2 AND created_at > $3",
    )
    .bind(email)
    .bind(address)
    .bind(since)
    .fetch_one(pool)
    .await
}

pub async fn record_failure(
    conn: &mut Conn<'_>,
    email: &str,
    address: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    execute!(
        conn,
        "INSERT INTO login_failures (email, address, created_at) VALUES ($1, $2, $3)",
        email,
        address,
        now
    )?;
    Ok(())
}

pub async fn forget_failures_before(conn: &mut Conn<'_>, before: i64) -> Result<(), sqlx::Error> {
    execute!(
        conn,
        "DELETE FROM login_failures WHERE created_at <= $1",
        before
    )?;
    Ok(())
}
