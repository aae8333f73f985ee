//! Accounts.

use super::{execute, fetch_all};
use crate::domain::Role;
use crate::server::db::Conn;
use sqlx::AnyPool;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub full_name: String,
    pub role: Role,
    pub specialty: Option<String>,
    pub institution: Option<String>,
    pub bio: Option<String>,
    pub created_at: String,
}

pub struct NewUser {
    pub email: String,
    pub password_hash: String,
    pub full_name: String,
    pub role: Role,
    pub specialty: Option<String>,
    pub institution: Option<String>,
    pub bio: Option<String>,
    pub created_at: String,
}

const COLUMNS: &str =
    "id, email, password_hash, full_name, role, specialty, institution, bio, created_at";

pub async fn insert(conn: &mut Conn<'_>, user: &NewUser) -> Result<i64, sqlx::Error> {
    let rows = fetch_all!(
        conn,
        "INSERT INTO users (email, password_hash, full_name, role, specialty, institution, bio, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        (i64,),
        &user.email,
        &user.password_hash,
        &user.full_name,
        user.role,
        &user.specialty,
        &user.institution,
        &user.bio,
        &user.created_at
    )?;
    rows.first()
        .map(|&(id,)| id)
        .ok_or(sqlx::Error::RowNotFound)
}

pub async fn find_by_email(pool: &AnyPool, email: &str) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE email = $1"))
        .bind(email)
        .fetch_optional(pool)
        .await
}

pub async fn find_by_id(pool: &AnyPool, id: i64) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
}

pub async fn researchers(pool: &AnyPool) -> Result<Vec<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM users WHERE role = $1 ORDER BY full_name, id"
    ))
    .bind(Role::Researcher)
    .fetch_all(pool)
    .await
}

/// Whether the user wants email about their meeting requests.
pub async fn email_notifications(pool: &AnyPool, id: i64) -> Result<bool, sqlx::Error> {
    // Stored as BOOLEAN on PostgreSQL and as 0/1 on SQLite: read as a number.
    let (on,): (i64,) = sqlx::query_as(
        "SELECT CASE WHEN email_notifications THEN 1 ELSE 0 END FROM users WHERE id = $1",
    )
    .bind(id)
    .fetch_one(pool)
    .await?;
    Ok(on != 0)
}

pub async fn set_email_notifications(
    conn: &mut Conn<'_>,
    id: i64,
    on: bool,
) -> Result<(), sqlx::Error> {
    execute!(
        conn,
        "UPDATE users SET email_notifications = $1 WHERE id = $2",
        on,
        id
    )?;
    Ok(())
}
