//! Sends the email outbox (SPEC 12). Each row is marked sent once the mail
//! server accepted it; a failure is tried again with backoff (at most a
//! minute apart); a recipient the server refuses for good is marked failed
//! and does not hold up the rest. On PostgreSQL each row is taken under
//! `FOR UPDATE SKIP LOCKED` in a transaction of its own, so with several
//! instances each email is sent by one of them.

use crate::server::db::{Backend, Conn, now_text, time_text};
use crate::server::error::AppResult;
use crate::server::mail::{Mailer, SendError};
use crate::server::repo::outbox::{self, DueMail};
use crate::server::state::AppState;
use std::time::{Duration, Instant};

/// How often the outbox is looked at when it was empty.
const POLL: Duration = Duration::from_secs(1);
/// Rows taken per round.
const BATCH: i64 = 20;
/// The longest wait between two tries of one email.
const MAX_BACKOFF_SECS: i64 = 60;
const REPORT_EVERY: Duration = Duration::from_secs(60);

pub async fn run(state: AppState) {
    let Some(mailer) = state.mailer.clone() else {
        return;
    };
    let mut reported: Option<Instant> = None;
    loop {
        let worked = match send_due(&state, &mailer).await {
            Ok(n) => n > 0,
            Err(err) => {
                err.log();
                false
            }
        };
        if reported.is_none_or(|at| at.elapsed() >= REPORT_EVERY) {
            reported = Some(Instant::now());
            report(&state).await;
        }
        if !worked {
            tokio::time::sleep(POLL).await;
        }
    }
}

/// One log line while emails are due: how many, and how long the oldest
/// has waited.
async fn report(state: &AppState) {
    match outbox::backlog(&state.db.pool, &now_text()).await {
        Ok((0, _)) => {}
        Ok((due, oldest)) => {
            let age = oldest
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
                .map(|t| (chrono::Utc::now() - t.with_timezone(&chrono::Utc)).num_seconds())
                .unwrap_or(0);
            tracing::warn!(due, oldest_age_secs = age, "emails waiting in the outbox");
        }
        Err(err) => tracing::error!(error = %err, "could not read the outbox"),
    }
}

/// Sends what is due; returns how many rows were handled.
async fn send_due(state: &AppState, mailer: &Mailer) -> AppResult<usize> {
    let mut handled = 0;
    match state.db.backend {
        Backend::Postgres => {
            // One row per transaction: its lock lasts while it is sent.
            while handled < BATCH as usize {
                let mut tx = state.db.pool.begin().await?;
                let Some(mail) = outbox::due(&mut tx, &now_text(), 1).await?.pop() else {
                    return Ok(handled);
                };
                let outcome = mailer.send(&mail).await;
                record(&mut Conn::Any(&mut tx), &mail, outcome).await?;
                tx.commit().await?;
                handled += 1;
            }
        }
        Backend::Sqlite => {
            // One instance: read the due rows, then mark each through the
            // writer as soon as it is sent.
            let due = {
                let mut conn = state.db.pool.acquire().await?;
                outbox::due(&mut conn, &now_text(), BATCH).await?
            };
            for mail in due {
                let outcome = mailer.send(&mail).await;
                state
                    .db
                    .write(move |mut tx| {
                        Box::pin(async move { record(&mut tx.conn().await?, &mail, outcome).await })
                    })
                    .await?;
                handled += 1;
            }
        }
    }
    Ok(handled)
}

async fn record(
    conn: &mut Conn<'_>,
    mail: &DueMail,
    outcome: Result<(), SendError>,
) -> Result<(), sqlx::Error> {
    let now = chrono::Utc::now();
    match outcome {
        Ok(()) => {
            tracing::info!(outbox_id = mail.id, event_id = mail.event_id, "email sent");
            outbox::mark_sent(conn, mail.id, &time_text(now)).await
        }
        Err(SendError::Refused(error)) => {
            tracing::warn!(outbox_id = mail.id, event_id = mail.event_id, %error, "email refused for good");
            outbox::mark_failed(conn, mail.id, &time_text(now), None, &error).await
        }
        Err(SendError::Later(error)) => {
            let wait = backoff_secs(mail.attempts + 1);
            tracing::warn!(outbox_id = mail.id, event_id = mail.event_id, wait, %error, "email not sent; will try again");
            let next = time_text(now + chrono::Duration::seconds(wait));
            outbox::mark_failed(conn, mail.id, &time_text(now), Some(&next), &error).await
        }
    }
}

/// 2, 4, 8... seconds after the n-th failure, at most a minute.
fn backoff_secs(failures: i64) -> i64 {
    2_i64
        .saturating_pow(u32::try_from(failures.clamp(1, 10)).unwrap_or(10))
        .min(MAX_BACKOFF_SECS)
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_doubles_up_to_a_minute() {
        let waits: Vec<i64> = (1..=8).map(super::backoff_secs).collect();
        assert_eq!(waits, [2, 4, 8, 16, 32, 60, 60, 60]);
    }
}
