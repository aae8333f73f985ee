//! Registration, login and sessions.

use crate::domain::{Credentials, NewAccount, Role};
use crate::server::db::{now_text, unix_now};
use crate::server::error::{AppError, AppResult};
use crate::server::repo::{self, sessions, users};
use crate::server::state::AppState;
use crate::shared::error::{ApiError, ErrorCode};
use crate::shared::model::{ExpertView, Preferences, UserView};
use governor::clock::{Clock, DefaultClock};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::net::IpAddr;

/// Failed logins allowed per account and client address in `FAILURE_WINDOW`.
pub const MAX_FAILURES: i64 = 10;
/// Seconds over which failed logins are counted.
pub const FAILURE_WINDOW: i64 = 15 * 60;

/// The user behind a live session.
#[derive(Clone, Debug)]
pub struct SessionUser {
    /// The stored id of the session (a hash of the cookie's token).
    pub session_id: String,
    pub user: UserView,
    /// When the session ends unless it is used again (Unix seconds): its
    /// idle deadline or its absolute end, whichever comes first.
    pub ends_at: i64,
}

/// What the session middleware found for this request.
#[derive(Clone, Debug, Default)]
pub struct CurrentSession(pub Option<SessionUser>);

/// A logged-in user and the token for their cookie.
pub struct NewSession {
    pub user: UserView,
    pub token: String,
}

fn user_view(id: i64, full_name: String, role: Role, email: String) -> UserView {
    UserView {
        id,
        full_name,
        role,
        email,
    }
}

pub fn session_id_of(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Proof that a login or registration passed the per-address throttle:
/// only `throttle` makes one, and `login` and `register` ask for it, so no
/// edge can forget the check. Edges take it before reading their input, so
/// malformed attempts count too. It carries the client's address, by which
/// failed logins are counted.
pub struct AuthPermit {
    client: Option<IpAddr>,
}

/// The per-address throttle on logins and registrations.
pub fn throttle(state: &AppState, client: Option<IpAddr>) -> Result<AuthPermit, ApiError> {
    let Some(ip) = client else {
        return Ok(AuthPermit { client });
    };
    state
        .auth_limiter
        .check_key(&ip)
        .map(|_| AuthPermit { client })
        .map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            tracing::warn!(
                refusal = "auth_rate",
                "auth request refused: too many from one address"
            );
            ApiError::rate_limited(wait.as_secs() + 1)
        })
}

pub async fn register(
    state: &AppState,
    _permit: &AuthPermit,
    account: NewAccount,
) -> AppResult<UserView> {
    let email = account.email.as_str();
    if users::find_by_email(&state.db.pool, email).await?.is_some() {
        return Err(already_registered());
    }
    let password_hash = state.passwords.hash(account.password.into_inner()).await?;
    let profile = account.profile.as_ref();
    let new = users::NewUser {
        email: email.to_string(),
        password_hash,
        full_name: account.full_name.to_string(),
        role: account.role,
        specialty: profile.map(|p| p.specialty.to_string()),
        institution: profile.map(|p| p.institution.to_string()),
        bio: profile.map(|p| p.bio.to_string()),
        created_at: now_text(),
    };
    let id = state
        .db
        .write(move |mut tx| {
            Box::pin(async move { users::insert(&mut tx.conn().await?, &new).await })
        })
        .await
        .map_err(|e| {
            if repo::is_unique_violation(&e) {
                already_registered()
            } else {
                e.into()
            }
        })?;
    tracing::info!(
        user_id = id,
        role = account.role.as_str(),
        "account registered"
    );
    Ok(user_view(
        id,
        account.full_name.into_inner(),
        account.role,
        account.email.into_inner(),
    ))
}

fn already_registered() -> AppError {
    ApiError {
        field: Some("email".into()),
        ..ApiError::conflict("An account with this email already exists. Try logging in.")
    }
    .into()
}

fn wrong_credentials() -> AppError {
    ApiError::new(
        ErrorCode::Unauthorized,
        "The email or password is incorrect.",
    )
    .into()
}

/// Checks the credentials and opens a new session. Unknown emails and wrong
/// passwords answer the same, after the same work.
pub async fn login(
    state: &AppState,
    permit: &AuthPermit,
    credentials: Credentials,
    previous: Option<&SessionUser>,
) -> AppResult<NewSession> {
    if !credentials.plausible() {
        return Err(wrong_credentials());
    }
    let Credentials { email, password } = credentials;
    let now = unix_now();
    // Counted per account *and* address: a flood of wrong passwords from
    // one address never locks the owner out from another.
    let address = permit.client.map(|ip| ip.to_string()).unwrap_or_default();
    let (failures, oldest) =
        sessions::failures_since(&state.db.pool, &email, &address, now - FAILURE_WINDOW).await?;
    if failures >= MAX_FAILURES {
        let retry = oldest
            .map(|t| t + FAILURE_WINDOW - now)
            .unwrap_or(FAILURE_WINDOW)
            .max(1);
        tracing::warn!(refusal = "login_lockout", %address, "login refused: too many failures for one account from this address");
        return Err(ApiError::rate_limited(retry as u64).into());
    }
    let row = users::find_by_email(&state.db.pool, &email).await?;
    let hash = row.as_ref().map(|r| r.password_hash.clone());
    let valid = state.passwords.verify(password, hash).await?;
    let Some(row) = row.filter(|_| valid) else {
        state
            .db
            .write(move |mut tx| {
                Box::pin(async move {
                    sessions::record_failure(&mut tx.conn().await?, &email, &address, now).await
                })
            })
            .await?;
        return Err(wrong_credentials());
    };
    // The browser's previous session ends as the new one starts.
    let token = new_token();
    let new_id = session_id_of(&token);
    let previous_id = previous.map(|p| p.session_id.clone());
    let (user_id, expires_at) = (row.id, now + state.config.session_max_secs);
    let replaced = previous_id.clone();
    state
        .db
        .write(move |mut tx| {
            Box::pin(async move {
                let mut c = tx.conn().await?;
                if let Some(previous) = &replaced {
                    sessions::delete(&mut c, previous).await?;
                }
                sessions::insert(&mut c, &new_id, user_id, now, expires_at).await
            })
        })
        .await?;
    if let Some(previous) = previous_id {
        ended(state, &previous);
    }
    tracing::info!(user_id = row.id, "logged in");
    Ok(NewSession {
        user: user_view(row.id, row.full_name, row.role, row.email),
        token,
    })
}

/// Ends the session on the server and closes its live connections.
pub async fn logout(state: &AppState, session: &SessionUser) -> AppResult<()> {
    end_session(state, session.session_id.clone()).await?;
    tracing::info!(user_id = session.user.id, "logged out");
    Ok(())
}

/// The user of a cookie's token, if its session is alive. Expired sessions
/// are deleted; live ones slide their idle deadline forward.
pub async fn resolve_session(state: &AppState, token: &str) -> AppResult<Option<SessionUser>> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let id = session_id_of(token);
    let mut row = match state.sessions.get(&id) {
        Some(row) => row,
        None => {
            let Some(row) = sessions::find(&state.db.pool, &id).await? else {
                return Ok(None);
            };
            state.sessions.put(row.clone());
            row
        }
    };
    let now = unix_now();
    let idle = state.config.session_idle_secs;
    if now >= row.ends_at(idle) {
        end_session(state, id).await?;
        return Ok(None);
    }
    // Touch at most every so often: a write per request would be wasted.
    if now - row.last_seen_at >= (idle / 30).clamp(1, 60) {
        let touched = id.clone();
        state
            .db
            .write(move |mut tx| {
                Box::pin(async move { sessions::touch(&mut tx.conn().await?, &touched, now).await })
            })
            .await?;
        state.sessions.touched(&id, now);
        row.last_seen_at = now;
    }
    Ok(Some(SessionUser {
        ends_at: row.ends_at(idle),
        session_id: id,
        user: user_view(row.user_id, row.full_name, row.role, row.email),
    }))
}

/// Until when the session `id` lives, as the database says now (another
/// request, even on another instance, may have moved its idle deadline).
/// A session found over is ended: deleted, and its sockets closed.
pub async fn alive_until(state: &AppState, id: &str) -> AppResult<Option<i64>> {
    let now = unix_now();
    let ends_at = sessions::find(&state.db.pool, id)
        .await?
        .map(|row| row.ends_at(state.config.session_idle_secs))
        .filter(|&ends_at| ends_at > now);
    if ends_at.is_none() {
        end_session(state, id.to_string()).await?;
    }
    Ok(ends_at)
}

/// Deletes a session and closes its live connections.
async fn end_session(state: &AppState, id: String) -> AppResult<()> {
    let deleted = id.clone();
    state
        .db
        .write(move |mut tx| {
            Box::pin(async move { sessions::delete(&mut tx.conn().await?, &deleted).await })
        })
        .await?;
    ended(state, &id);
    Ok(())
}

/// A session is gone: no request may use it any more, and its sockets close
/// (on every instance).
fn ended(state: &AppState, id: &str) {
    state.sessions.forget(id);
    state.hub.close_session(id);
}

/// Deletes expired sessions and forgotten login failures.
pub async fn sweep(state: &AppState) -> AppResult<()> {
    let now = unix_now();
    let idle_cutoff = now - state.config.session_idle_secs;
    state
        .db
        .write(move |mut tx| {
            Box::pin(async move {
                let mut c = tx.conn().await?;
                sessions::delete_expired(&mut c, now, idle_cutoff).await?;
                sessions::forget_failures_before(&mut c, now - FAILURE_WINDOW).await
            })
        })
        .await?;
    Ok(())
}

pub async fn experts(state: &AppState) -> AppResult<Vec<ExpertView>> {
    Ok(users::researchers(&state.db.pool)
        .await?
        .into_iter()
        .map(|r| ExpertView {
            id: r.id,
            full_name: r.full_name,
            role: Role::Researcher,
            specialty: r.specialty.unwrap_or_default(),
            institution: r.institution.unwrap_or_default(),
            bio: r.bio.unwrap_or_default(),
        })
        .collect())
}

pub async fn preferences(state: &AppState, session: &SessionUser) -> AppResult<Preferences> {
    Ok(Preferences {
        email_notifications: users::email_notifications(&state.db.pool, session.user.id).await?,
    })
}

pub async fn set_preferences(
    state: &AppState,
    session: &SessionUser,
    preferences: Preferences,
) -> AppResult<Preferences> {
    let id = session.user.id;
    let on = preferences.email_notifications;
    state
        .db
        .write(move |mut tx| {
            Box::pin(
                async move { users::set_email_notifications(&mut tx.conn().await?, id, on).await },
            )
        })
        .await?;
    tracing::info!(user_id = id, email_notifications = on, "preferences saved");
    Ok(preferences)
}

pub fn require_role(session: &SessionUser, role: Role) -> Result<(), ApiError> {
    if session.user.role == role {
        Ok(())
    } else {
        Err(ApiError::forbidden(match role {
            Role::Patient => "Only patients can do this.",
            Role::Researcher => "Only researchers can do this.",
        }))
    }
}
