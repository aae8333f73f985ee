//! Meeting requests and their append-only event log.

use super::fetch_all;
use crate::domain::time::{DURATIONS, LONGEST_DURATION};
use crate::domain::{ListQuery, MeetingStatus, MeetingType};
use crate::server::db::{Conn, Tx, sqlite};
use rusqlite::ToSql;
use sqlx::any::AnyArguments;
use sqlx::query::QueryAs;
use sqlx::{Any, AnyPool};
use std::sync::LazyLock;

/// A request with both parties' names, as every reader needs it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RequestRow {
    pub id: i64,
    pub requester_id: i64,
    pub requester_name: String,
    pub expert_id: i64,
    pub expert_name: String,
    pub message: String,
    pub status: MeetingStatus,
    pub created_at: String,
    pub updated_at: Option<String>,
    pub preferred_at: String,
    pub meeting_type: MeetingType,
    pub time_zone: String,
    pub decision_reason: Option<String>,
    pub duration_minutes: i64,
    pub proposed_at: Option<String>,
    pub details: Option<String>,
}

impl RequestRow {
    /// The meeting's length in minutes (the column's CHECK keeps it one of
    /// `DURATIONS`).
    pub fn minutes(&self) -> u32 {
        u32::try_from(self.duration_minutes).unwrap_or(crate::domain::time::DEFAULT_DURATION)
    }
}

/// One event of the log joined with its request, for replay.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EventRow {
    pub event_id: i64,
    /// `None` when the server made the move (expiry).
    pub actor_id: Option<i64>,
    pub from_status: Option<MeetingStatus>,
    pub to_status: MeetingStatus,
    pub reason: Option<String>,
    pub event_at: String,
    #[sqlx(flatten)]
    pub request: RequestRow,
}

const SELECT_REQUEST: &str = "SELECT r.id, r.requester_id, p.full_name AS requester_name, \
     r.expert_id, x.full_name AS expert_name, r.message, r.status, r.created_at, r.updated_at, \
     r.preferred_at, r.meeting_type, r.time_zone, r.decision_reason, r.duration_minutes, \
     r.proposed_at, r.details \
     FROM meeting_requests r \
     JOIN users p ON p.id = r.requester_id \
     JOIN users x ON x.id = r.expert_id";

/// The channel on which PostgreSQL announces new events at commit
/// (`server/hub/postgres.rs` listens).
pub const EVENTS_CHANNEL: &str = "meeting_events";

/// Events joined with their request (`EventRow`).
fn select_events() -> String {
    format!(
        "SELECT e.id AS event_id, e.actor_id, e.from_status, e.to_status, e.reason, \
         e.created_at AS event_at, q.* FROM meeting_request_events e \
         JOIN ({SELECT_REQUEST}) q ON q.id = e.request_id"
    )
}

pub struct NewRequest {
    pub requester_id: i64,
    pub expert_id: i64,
    pub message: String,
    pub created_at: String,
    pub preferred_at: String,
    pub meeting_type: MeetingType,
    pub time_zone: String,
    pub duration_minutes: u32,
}

impl NewRequest {
    /// The stored row of this request once inserted as `id`.
    pub fn into_row(self, id: i64, requester_name: String, expert_name: String) -> RequestRow {
        RequestRow {
            id,
            requester_id: self.requester_id,
            requester_name,
            expert_id: self.expert_id,
            expert_name,
            message: self.message,
            status: MeetingStatus::Pending,
            created_at: self.created_at,
            updated_at: None,
            preferred_at: self.preferred_at,
            meeting_type: self.meeting_type,
            time_zone: self.time_zone,
            decision_reason: None,
            duration_minutes: i64::from(self.duration_minutes),
            proposed_at: None,
            details: None,
        }
    }
}

/// How many requests `requester_id` sent `expert_id` since `since`, and the
/// oldest one's time (inside the caller's write transaction).
pub async fn sent_since(
    conn: &mut Conn<'_>,
    requester_id: i64,
    expert_id: i64,
    since: &str,
) -> Result<(i64, Option<String>), sqlx::Error> {
    let rows = fetch_all!(
        conn,
        "SELECT COUNT(*), MIN(created_at) FROM meeting_requests \
         WHERE requester_id = $1 AND expert_id = $2 AND created_at > $3",
        (i64, Option<String>),
        requester_id,
        expert_id,
        since
    )?;
    one_row(rows)
}

/// An event as written: its id, and on SQLite how many requests wait for
/// the expert's answer right after it (counted in the same transaction, so
/// the count sent with the event is the one that event left). On PostgreSQL
/// every instance reads the log and counts as it reads (`hub/postgres.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Written {
    pub event_id: i64,
    pub pending: Option<i64>,
}

/// The columns of an event row.
const EVENT_INSERT: &str = "INSERT INTO meeting_request_events \
     (request_id, actor_id, from_status, to_status, reason, created_at)";

/// The pending count of the expert whose id is `expert` (an argument or a
/// column of the enclosing query), as a scalar subquery. The status is
/// written into the SQL, not bound, so that SQLite counts from the small
/// index of pending requests.
fn pending_of(expert: &str) -> String {
    format!(
        "(SELECT COUNT(*) FROM meeting_requests p WHERE p.expert_id = {expert} \
         AND p.status = '{}')",
        MeetingStatus::Pending.as_str()
    )
}

/// What an event insert returns: its id and the expert's pending count
/// (`$N` names the expert's id among the query's arguments).
fn event_returning(expert_param: usize) -> String {
    format!("RETURNING id, {}", pending_of(&format!("${expert_param}")))
}

/// A request's columns as inserted.
const INSERT_REQUEST_COLUMNS: &str = "INSERT INTO meeting_requests \
     (requester_id, expert_id, message, status, created_at, updated_at, preferred_at, \
      meeting_type, time_zone, duration_minutes)";

/// SQLite: a request's insert. Statements on the writer's connection cost
/// no round trip, so the request and its event are one statement each.
static SQLITE_INSERT_REQUEST: LazyLock<String> = LazyLock::new(|| {
    format!(
        "{INSERT_REQUEST_COLUMNS} VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $8, $9) RETURNING id"
    )
});

/// SQLite: an event's insert (request, actor, from, to, reason, time), with
/// the pending count of expert $7 as the event leaves it.
static SQLITE_INSERT_EVENT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "{EVENT_INSERT} VALUES ($1, $2, $3, $4, $5, $6) {}",
        event_returning(7)
    )
});

/// Inserts a pending request and its creation event (inside the caller's
/// transaction: `Database::write`). Returns the request id and the event. A
/// second pending request for the same pair fails on the unique index.
/// `last`: the command writes nothing after this (on PostgreSQL a command
/// whose only statement this is then commits with it, `Tx::statement`).
pub async fn insert(
    tx: &mut Tx<'_>,
    new: &NewRequest,
    last: bool,
) -> Result<(i64, Written), sqlx::Error> {
    fn bind<'q, O>(
        q: QueryAs<'q, Any, O, AnyArguments<'q>>,
        new: &'q NewRequest,
    ) -> QueryAs<'q, Any, O, AnyArguments<'q>> {
        q.bind(new.requester_id)
            .bind(new.expert_id)
            .bind(&new.message)
            .bind(MeetingStatus::Pending)
            .bind(&new.created_at)
            .bind(&new.preferred_at)
            .bind(new.meeting_type)
            .bind(&new.time_zone)
            .bind(i64::from(new.duration_minutes))
    }
    if let Some(c) = tx.sqlite() {
        let status = MeetingStatus::Pending;
        let (id,): (i64,) = one_row(sqlite::rows(
            c,
            &SQLITE_INSERT_REQUEST,
            rusqlite::params![
                new.requester_id,
                new.expert_id,
                new.message,
                status,
                new.created_at,
                new.preferred_at,
                new.meeting_type,
                new.time_zone,
                new.duration_minutes,
            ],
        )?)?;
        let no_status: Option<MeetingStatus> = None;
        let no_reason: Option<&str> = None;
        let (event_id, pending): (i64, i64) = one_row(sqlite::rows(
            c,
            &SQLITE_INSERT_EVENT,
            rusqlite::params![
                id,
                new.requester_id,
                no_status,
                status,
                no_reason,
                new.created_at,
                new.expert_id,
            ],
        )?)?;
        let pending = Some(pending);
        return Ok((id, Written { event_id, pending }));
    }
    // PostgreSQL: one statement, the event log's lock taken before the
    // request's insert and held to commit.
    let sql = format!(
        "WITH lock AS ({EVENT_LOG_LOCK}), \
         request AS ({INSERT_REQUEST_COLUMNS} SELECT $1, $2, $3, $4, $5, NULL, $6, $7, $8, $9 \
         FROM lock RETURNING id), \
         event AS ({EVENT_INSERT} SELECT request.id, $1, NULL, $4, NULL, $5 FROM request \
         RETURNING id), \
         {} SELECT event.id, request.id FROM event, request, told",
        told(10)
    );
    let conn = tx.statement(last).await?.into_any()?;
    let (event_id, id): (i64, i64) = bind(sqlx::query_as(&sql), new)
        .bind(EVENTS_CHANNEL)
        .fetch_one(conn)
        .await?;
    let pending = None;
    Ok((id, Written { event_id, pending }))
}

/// The one row a statement returns.
fn one_row<T>(rows: Vec<T>) -> Result<T, sqlx::Error> {
    rows.into_iter().next().ok_or(sqlx::Error::RowNotFound)
}

/// Makes event ids commit in order. PostgreSQL hands out identity ids at
/// insert but shows rows at commit, so two concurrent writers could commit
/// ids out of order and a client resuming with `since` could skip the
/// smaller one. A transaction-scoped advisory lock serializes the writers of
/// the log from their event's insert to their commit (on SQLite the one
/// write connection orders all writes already). The function
/// `move_meeting_request` (PostgreSQL migrations) takes the same key.
const EVENT_LOG_LOCK: &str = "SELECT pg_advisory_xact_lock(7223)";

/// The part of a PostgreSQL write statement that announces its event, at
/// commit, to every instance (`hub/postgres.rs` listens); `$channel` names
/// the channel among the statement's arguments.
fn told(channel: usize) -> String {
    format!("told AS (SELECT pg_notify(${channel}, event.id::text) FROM event)")
}

/// One move of the status flow.
pub struct StatusMove {
    pub id: i64,
    /// The request's expert (whose pending count the move may change).
    pub expert_id: i64,
    /// `None` for the server's own moves.
    pub actor_id: Option<i64>,
    pub from: MeetingStatus,
    pub to: MeetingStatus,
    pub reason: Option<String>,
    pub at: String,
    /// A new meeting time (the proposed one, once accepted).
    pub preferred_at: Option<String>,
    /// The time proposed (with `proposed`).
    pub proposed_at: Option<String>,
    /// The request's times as the move was decided on them (the update
    /// happens only if they are still the stored ones).
    pub seen: (String, Option<String>),
    /// How to join (with `accepted`); the column is cleared otherwise.
    pub details: Option<String>,
    /// With `accepted`: the meeting that must not overlap another accepted
    /// meeting of the same expert (start, minutes).
    pub guard: Option<(String, u32)>,
}

/// How a move ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Moved {
    /// Done: the event.
    Done(Written),
    /// The request had moved meanwhile; nothing was written.
    Stale,
    /// The expert has another accepted meeting at that time (its start).
    Overlap(String),
}

/// Moves a request from `from` to `to` if, and only if, it is still at
/// `from`: one conditional update, so of two racing moves exactly one wins.
/// An acceptance updates only if no accepted meeting of the same expert
/// overlaps, tested in the update itself (SQLite: behind the one writer;
/// PostgreSQL: behind the event log's lock, taken first), so of two racing
/// overlapping acceptances one wins. `last` as for `insert`.
pub async fn apply_move(tx: &mut Tx<'_>, m: &StatusMove, last: bool) -> Result<Moved, sqlx::Error> {
    let guard = m.guard.as_ref().and_then(|(start, minutes)| {
        crate::domain::time::parse_stored(start).map(|s| overlap_bounds(s, *minutes))
    });
    let done = if let Some(c) = tx.sqlite() {
        // The update, and its event only if the update changed the row.
        let mut update = String::from(
            "UPDATE meeting_requests SET status = $1, updated_at = $2, decision_reason = $3, \
             preferred_at = COALESCE($4, preferred_at), proposed_at = COALESCE($5, proposed_at), \
             details = $6 WHERE id = $7 AND status = $8 AND expert_id = $9 \
             AND preferred_at = $10 AND COALESCE(proposed_at, '') = COALESCE($11, '')",
        );
        let mut values: Vec<&dyn ToSql> = vec![
            &m.to,
            &m.at,
            &m.reason,
            &m.preferred_at,
            &m.proposed_at,
            &m.details,
            &m.id,
            &m.from,
            &m.expert_id,
            &m.seen.0,
            &m.seen.1,
        ];
        if let Some((end, earliest)) = &guard {
            update.push_str(&NO_OVERLAP);
            values.push(end);
            values.extend(earliest.iter().map(|e| e as &dyn ToSql));
        }
        if sqlite::execute(c, &update, values.as_slice())? == 1 {
            let (event_id, pending): (i64, i64) = one_row(sqlite::rows(
                c,
                &SQLITE_INSERT_EVENT,
                rusqlite::params![m.id, m.actor_id, m.from, m.to, m.reason, m.at, m.expert_id],
            )?)?;
            Some(Written {
                event_id,
                pending: Some(pending),
            })
        } else {
            None
        }
    } else {
        // PostgreSQL: the log's lock, then the update (whose overlap guard
        // then sees every acceptance committed before it), its event and
        // its announcement, in one call of the function of the migration
        // `move_with_the_bounds_of_each_length`. The log's lock comes before
        // the row's: every move takes them in this order, so two moves of
        // one request never wait for each other in a cycle. The overlap
        // rule comes as SQLite's guard has it: the end, and each length's
        // earliest start (a JSON object by length in minutes).
        let (end, after, bounds) = match &guard {
            Some((end, earliest)) => {
                let by_length: serde_json::Map<String, serde_json::Value> = DURATIONS
                    .iter()
                    .zip(earliest)
                    .map(|(d, bound)| (d.to_string(), bound.as_str().into()))
                    .collect();
                let bounds = serde_json::Value::Object(by_length).to_string();
                (Some(end), Some(&earliest[LONGEST]), Some(bounds))
            }
            None => (None, None, None),
        };
        let conn = tx.statement(last).await?.into_any()?;
        let (event_id,): (Option<i64>,) = sqlx::query_as(
            "SELECT move_meeting_request($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
             $13, $14, $15::jsonb, $16)",
        )
        .bind(m.id)
        .bind(m.expert_id)
        .bind(m.actor_id)
        .bind(m.from)
        .bind(m.to)
        .bind(&m.reason)
        .bind(&m.at)
        .bind(&m.preferred_at)
        .bind(&m.proposed_at)
        .bind(&m.details)
        .bind(&m.seen.0)
        .bind(&m.seen.1)
        .bind(end)
        .bind(after)
        .bind(bounds)
        .bind(EVENTS_CHANNEL)
        .fetch_one(conn)
        .await?;
        event_id.map(|event_id| Written {
            event_id,
            pending: None,
        })
    };
    if let Some(written) = done {
        return Ok(Moved::Done(written));
    }
    // Nothing moved: another meeting in the way, or the request had moved.
    if let Some((start, minutes)) = &m.guard
        && let Some(other) =
            overlapping(&mut tx.conn().await?, m.expert_id, m.id, start, *minutes).await?
    {
        return Ok(Moved::Overlap(other));
    }
    Ok(Moved::Stale)
}

/// The end of a meeting and, for each length, the earliest start (exclusive)
/// of another meeting that would overlap it, as stored text.
type OverlapBounds = (String, [String; DURATIONS.len()]);

fn overlap_bounds(start: chrono::NaiveDateTime, minutes: u32) -> OverlapBounds {
    let text = |t: chrono::NaiveDateTime| crate::server::db::time_text(t.and_utc());
    let (end, earliest) = crate::domain::time::overlap_bounds(start, minutes);
    (text(end), earliest.map(|(_, t)| text(t)))
}

/// The place of `LONGEST_DURATION` in `DURATIONS`, whose bound is the
/// earliest of `OverlapBounds`.
const LONGEST: usize = DURATIONS.len() - 1;
const _: () = assert!(DURATIONS[LONGEST] == LONGEST_DURATION);

/// SQLite: `AND` no accepted meeting of expert $9 other than $7 shares a minute with
/// this one: it would start before $12 and after the bound of its length
/// ($13 for `DURATIONS[0]`, and so on).
static NO_OVERLAP: LazyLock<String> = LazyLock::new(|| {
    let cases: String = DURATIONS
        .iter()
        .enumerate()
        .map(|(i, d)| format!(" WHEN {d} THEN ${}", 13 + i))
        .collect();
    // The bound of the longest length is the earliest: with it the search
    // is a short range of the index of accepted meetings by time.
    let earliest = LONGEST + 13;
    format!(
        " AND NOT EXISTS (SELECT 1 FROM meeting_requests o WHERE o.expert_id = $9 \
         AND o.status = '{}' AND o.id <> $7 AND o.preferred_at < $12 \
         AND o.preferred_at > ${earliest} AND o.preferred_at > CASE o.duration_minutes{cases} END)",
        MeetingStatus::Accepted.as_str()
    )
});

/// The start of an accepted meeting of `expert_id` (other than `id`) that
/// shares a minute with `minutes` from `start`, if any.
async fn overlapping(
    conn: &mut Conn<'_>,
    expert_id: i64,
    id: i64,
    start: &str,
    minutes: u32,
) -> Result<Option<String>, sqlx::Error> {
    let Some(begin) = crate::domain::time::parse_stored(start) else {
        return Ok(None);
    };
    // Only meetings starting less than the longest length before, and
    // before the end, can overlap.
    let longest = chrono::Duration::minutes(i64::from(crate::domain::time::LONGEST_DURATION));
    let text = |t: chrono::NaiveDateTime| crate::server::db::time_text(t.and_utc());
    let end = begin + chrono::Duration::minutes(i64::from(minutes));
    // Statuses are written into the SQL, not bound, so that SQLite can use
    // the partial indexes made for these searches.
    let sql = format!(
        "SELECT preferred_at, duration_minutes FROM meeting_requests \
         WHERE expert_id = $1 AND status = '{}' AND id <> $2 AND preferred_at > $3 \
         AND preferred_at < $4 ORDER BY preferred_at",
        MeetingStatus::Accepted.as_str()
    );
    let near = fetch_all!(
        conn,
        &sql,
        (String, i64),
        expert_id,
        id,
        text(begin - longest),
        text(end)
    )?;
    Ok(near
        .into_iter()
        .find(|(at, len)| {
            crate::domain::time::overlaps(start, minutes, at, u32::try_from(*len).unwrap_or(0))
        })
        .map(|(at, _)| at))
}

/// Open requests (pending, or with a proposed time) whose time has passed
/// by `now`, oldest first, at most `limit`.
pub async fn due_to_expire(
    pool: &AnyPool,
    now: &str,
    limit: i64,
) -> Result<Vec<RequestRow>, sqlx::Error> {
    let sql = format!(
        "{SELECT_REQUEST} WHERE r.status IN ('{pending}', '{proposed}') \
         AND ((r.status = '{pending}' AND r.preferred_at <= $1) \
         OR (r.status = '{proposed}' AND r.proposed_at <= $1)) ORDER BY r.id LIMIT $2",
        pending = MeetingStatus::Pending.as_str(),
        proposed = MeetingStatus::Proposed.as_str(),
    );
    sqlx::query_as(&sql)
        .bind(now)
        .bind(limit)
        .fetch_all(pool)
        .await
}

/// Accepted meetings of `user_id` (either party) starting after `after`,
/// soonest first, at most `limit`.
pub async fn accepted_from(
    pool: &AnyPool,
    user_id: i64,
    as_expert: bool,
    after: &str,
    limit: i64,
) -> Result<Vec<RequestRow>, sqlx::Error> {
    let party = if as_expert {
        "r.expert_id"
    } else {
        "r.requester_id"
    };
    let sql = format!(
        "{SELECT_REQUEST} WHERE {party} = $1 AND r.status = '{}' AND r.preferred_at > $2 \
         ORDER BY r.preferred_at, r.id LIMIT $3",
        MeetingStatus::Accepted.as_str()
    );
    sqlx::query_as(&sql)
        .bind(user_id)
        .bind(after)
        .bind(limit)
        .fetch_all(pool)
        .await
}

pub async fn find(pool: &AnyPool, id: i64) -> Result<Option<RequestRow>, sqlx::Error> {
    sqlx::query_as(&format!("{SELECT_REQUEST} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// A page of the requests a user sent or received, newest first (by id),
/// optionally of one status.
pub async fn list_for(
    pool: &AnyPool,
    user_id: i64,
    as_expert: bool,
    query: &ListQuery,
) -> Result<Vec<RequestRow>, sqlx::Error> {
    sqlx::query_as(&list_sql(as_expert, query.status))
        .bind(user_id)
        .bind(query.before.unwrap_or(i64::MAX))
        .bind(query.limit)
        .fetch_all(pool)
        .await
}

/// `list_for`'s query: user $1, ids below $2, at most $3. The status is
/// written into the SQL, not bound, so that SQLite can use the index of
/// pending requests for a researcher's pending list.
fn list_sql(as_expert: bool, status: Option<MeetingStatus>) -> String {
    let party = if as_expert {
        "r.expert_id"
    } else {
        "r.requester_id"
    };
    let status = status
        .map(|s| format!("AND r.status = '{}' ", s.as_str()))
        .unwrap_or_default();
    format!("{SELECT_REQUEST} WHERE {party} = $1 {status}AND r.id < $2 ORDER BY r.id DESC LIMIT $3")
}

/// The pending count of expert $1.
static PENDING_COUNT: LazyLock<String> = LazyLock::new(|| format!("SELECT {}", pending_of("$1")));

pub async fn pending_count(pool: &AnyPool, expert_id: i64) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as(&PENDING_COUNT)
        .bind(expert_id)
        .fetch_one(pool)
        .await?;
    Ok(n)
}

/// Events after `since` that concern `user_id` (as either party), oldest
/// first, at most `limit`.
pub async fn events_since(
    pool: &AnyPool,
    user_id: i64,
    since: i64,
    limit: i64,
) -> Result<Vec<EventRow>, sqlx::Error> {
    let sql = format!(
        "{} WHERE e.id > $1 AND (q.requester_id = $2 OR q.expert_id = $2) ORDER BY e.id LIMIT $3",
        select_events()
    );
    sqlx::query_as(&sql)
        .bind(since)
        .bind(user_id)
        .bind(limit)
        .fetch_all(pool)
        .await
}

/// An event of the log, with its expert's pending count as it stands now.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LoggedEvent {
    #[sqlx(flatten)]
    pub event: EventRow,
    pub expert_pending: i64,
}

/// Every event after `since`, oldest first, at most `limit`, each with its
/// expert's pending count (all read in one query, one snapshot).
pub async fn events_after(
    pool: &AnyPool,
    since: i64,
    limit: i64,
) -> Result<Vec<LoggedEvent>, sqlx::Error> {
    let sql = format!(
        "SELECT x.*, {} AS expert_pending \
         FROM ({} WHERE e.id > $1 ORDER BY e.id LIMIT $2) x ORDER BY x.event_id",
        pending_of("x.expert_id"),
        select_events()
    );
    sqlx::query_as(&sql)
        .bind(since)
        .bind(limit)
        .fetch_all(pool)
        .await
}

/// The newest event id, where a fresh client starts following.
pub async fn last_event_id(pool: &AnyPool) -> Result<i64, sqlx::Error> {
    let (n,): (Option<i64>,) = sqlx::query_as("SELECT MAX(id) FROM meeting_request_events")
        .fetch_one(pool)
        .await?;
    Ok(n.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::db::Database;

    /// SQLite's plan for `sql` (its unbound arguments read as NULL).
    async fn plan(db: &Database, sql: &str) -> String {
        let rows: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}"))
                .fetch_all(&db.pool)
                .await
                .unwrap();
        rows.into_iter()
            .map(|(_, _, _, detail)| detail)
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The lists and the pending count are ranges of an index, newest
    /// first, however many requests a researcher has: no sort of all of
    /// them, and the pending ones from their own index.
    #[tokio::test(flavor = "current_thread")]
    async fn lists_and_counts_read_ranges_of_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("p.db").display());
        let db = Database::connect(&url).await.unwrap();
        for as_expert in [true, false] {
            for status in [
                None,
                Some(MeetingStatus::Pending),
                Some(MeetingStatus::Accepted),
            ] {
                let plan = plan(&db, &list_sql(as_expert, status)).await;
                assert!(
                    !plan.contains("TEMP B-TREE"),
                    "{as_expert} {status:?}: {plan}"
                );
                let index = match (as_expert, status) {
                    (true, Some(MeetingStatus::Pending)) => "meeting_requests_expert_pending",
                    (true, _) => "meeting_requests_expert ",
                    (false, _) => "meeting_requests_requester ",
                };
                assert!(plan.contains(index), "{as_expert} {status:?}: {plan}");
            }
        }
        for sql in [PENDING_COUNT.as_str(), SQLITE_INSERT_EVENT.as_str()] {
            let plan = plan(&db, sql).await;
            assert!(plan.contains("meeting_requests_expert_pending"), "{plan}");
        }
    }
}
