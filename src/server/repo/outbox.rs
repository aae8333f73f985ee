//! The email outbox (SPEC 12): rows written with their event, sent by
//! `server/jobs/outbox.rs`.

use super::execute;
use crate::domain::{MeetingStatus, MeetingType, Role};
use crate::server::db::Conn;
use sqlx::{AnyConnection, AnyPool};

/// Queues the email of event `event_id` for each of `recipients` who wants
/// email (inside the event's transaction).
pub async fn enqueue(
    conn: &mut Conn<'_>,
    event_id: i64,
    recipients: &[i64],
    at: &str,
) -> Result<(), sqlx::Error> {
    for recipient in recipients {
        execute!(
            &mut *conn,
            "INSERT INTO email_outbox (event_id, recipient_id, created_at, next_attempt_at) \
             SELECT $1, id, $2, $2 FROM users WHERE id = $3 AND email_notifications = $4",
            event_id,
            at,
            *recipient,
            true
        )?;
    }
    Ok(())
}

/// One queued email with what it says: who gets it, and the event.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DueMail {
    pub id: i64,
    pub event_id: i64,
    pub attempts: i64,
    pub recipient_id: i64,
    pub recipient_email: String,
    pub recipient_name: String,
    pub recipient_role: Role,
    pub actor_id: Option<i64>,
    pub from_status: Option<MeetingStatus>,
    pub to_status: MeetingStatus,
    pub request_id: i64,
    pub requester_name: String,
    pub expert_name: String,
    pub preferred_at: String,
    pub proposed_at: Option<String>,
    pub meeting_type: MeetingType,
    pub time_zone: String,
}

const SELECT_DUE: &str = "SELECT o.id, o.event_id, o.attempts, o.recipient_id, \
     u.email AS recipient_email, u.full_name AS recipient_name, u.role AS recipient_role, \
     e.actor_id, e.from_status, e.to_status, r.id AS request_id, p.full_name AS requester_name, \
     x.full_name AS expert_name, r.preferred_at, r.proposed_at, r.meeting_type, r.time_zone \
     FROM email_outbox o \
     JOIN users u ON u.id = o.recipient_id \
     JOIN meeting_request_events e ON e.id = o.event_id \
     JOIN meeting_requests r ON r.id = e.request_id \
     JOIN users p ON p.id = r.requester_id \
     JOIN users x ON x.id = r.expert_id \
     WHERE o.sent_at IS NULL AND o.failed_at IS NULL AND o.next_attempt_at <= $1 \
     ORDER BY o.id LIMIT $2";

/// Emails due by `now`, oldest first. On PostgreSQL, inside the caller's
/// transaction, the rows are locked and rows another instance holds are
/// skipped, so each email is sent by one instance.
pub async fn due(
    conn: &mut AnyConnection,
    now: &str,
    limit: i64,
) -> Result<Vec<DueMail>, sqlx::Error> {
    let sql = if conn.backend_name() == "PostgreSQL" {
        format!("{SELECT_DUE} FOR UPDATE OF o SKIP LOCKED")
    } else {
        SELECT_DUE.to_string()
    };
    sqlx::query_as(&sql)
        .bind(now)
        .bind(limit)
        .fetch_all(conn)
        .await
}

/// The mail server accepted it.
pub async fn mark_sent(conn: &mut Conn<'_>, id: i64, at: &str) -> Result<(), sqlx::Error> {
    execute!(
        conn,
        "UPDATE email_outbox SET sent_at = $1, attempts = attempts + 1 WHERE id = $2",
        at,
        id
    )?;
    Ok(())
}

/// A failure: try again at `next` (`Some`), or never (`None`: refused for
/// good).
pub async fn mark_failed(
    conn: &mut Conn<'_>,
    id: i64,
    at: &str,
    next: Option<&str>,
    error: &str,
) -> Result<(), sqlx::Error> {
    execute!(
        conn,
        "UPDATE email_outbox SET attempts = attempts + 1, last_error = $1, \
         next_attempt_at = COALESCE($2, next_attempt_at), \
         failed_at = CASE WHEN $2 IS NULL THEN $3 ELSE NULL END WHERE id = $4",
        error,
        next,
        at,
        id
    )?;
    Ok(())
}

/// How many emails are due by `now`, and the oldest one's creation time.
pub async fn backlog(pool: &AnyPool, now: &str) -> Result<(i64, Option<String>), sqlx::Error> {
    sqlx::query_as(
        "SELECT COUNT(*), MIN(created_at) FROM email_outbox \
         WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1",
    )
    .bind(now)
    .fetch_one(pool)
    .await
}
