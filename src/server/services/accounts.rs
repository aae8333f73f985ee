//! Registration, login, sessions and the demo accounts.

use crate::server::db::{now_text, unix_now};
use crate::server::error::{AppError, AppResult};
use crate::server::repo::{self, sessions, users};
use crate::server::state::AppState;
use crate::shared::error::ApiError;
use crate::shared::model::{ExpertView, Role, UserView};
use crate::shared::rules;
use governor::clock::{Clock, DefaultClock};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::net::IpAddr;

/// Failed logins allowed per account and hour.
pub const MAX_FAILURES_PER_HOUR: i64 = 100;
const HOUR: i64 = 3600;

/// The user behind a live session.
#[derive(Clone, Debug)]
pub struct SessionUser {
    /// The stored id of the session (a hash of the cookie's token).
    pub session_id: String,
    pub user: UserView,
}

/// What the session middleware found for this request.
#[derive(Clone, Debug, Default)]
pub struct CurrentSession(pub Option<SessionUser>);

pub struct Registration {
    pub email: String,
    pub password: String,
    pub full_name: String,
    pub role: String,
    pub specialty: Option<String>,
    pub institution: Option<String>,
    pub bio: Option<String>,
}

/// A logged-in user and the token for their cookie.
pub struct NewSession {
    pub user: UserView,
    pub token: String,
}

/// A stored user as the API shows it (a stored role is always valid; the
/// CHECK constraint sees to that, so anything else is an internal error).
fn user_view(id: i64, full_name: String, role: &str, email: String) -> AppResult<UserView> {
    let role = Role::parse(role)
        .ok_or_else(|| AppError::internal(format!("user {id} has an unknown role")))?;
    Ok(UserView {
        id,
        full_name,
        role,
        email,
    })
}

pub fn session_id_of(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The per-address throttle on logins and registrations.
pub fn throttle(state: &AppState, client: Option<IpAddr>) -> Result<(), ApiError> {
    let Some(ip) = client else {
        return Ok(());
    };
    state.auth_limiter.check_key(&ip).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        ApiError::rate_limited(wait.as_secs() + 1)
    })
}

pub async fn register(
    state: &AppState,
    client: Option<IpAddr>,
    input: Registration,
) -> AppResult<UserView> {
    throttle(state, client)?;
    let email = rules::parse_email(&input.email)?;
    let password = rules::parse_new_password(&input.password)?;
    let full_name = rules::parse_full_name(&input.full_name)?;
    let role = Role::parse(&input.role).ok_or_else(|| {
        ApiError::invalid("role", "Choose whether you are a patient or a researcher.")
    })?;
    let (specialty, institution, bio) = match role {
        Role::Researcher => (
            Some(rules::parse_profile_field(
                "specialty",
                "specialty",
                input.specialty.as_deref().unwrap_or(""),
            )?),
            Some(rules::parse_profile_field(
                "institution",
                "institution",
                input.institution.as_deref().unwrap_or(""),
            )?),
            Some(rules::parse_bio(input.bio.as_deref().unwrap_or(""))?),
        ),
        Role::Patient => (None, None, None),
    };
    if users::find_by_email(&state.db.pool, &email)
        .await?
        .is_some()
    {
        return Err(already_registered());
    }
    let password_hash = state.passwords.hash(password).await?;
    let created_at = now_text();
    let id = users::insert(
        &state.db.pool,
        &users::NewUser {
            email: &email,
            password_hash: &password_hash,
            full_name: &full_name,
            role: role.as_str(),
            specialty: specialty.as_deref(),
            institution: institution.as_deref(),
            bio: bio.as_deref(),
            created_at: &created_at,
        },
    )
    .await
    .map_err(|e| {
        if repo::is_unique_violation(&e) {
            already_registered()
        } else {
            e.into()
        }
    })?;
    tracing::info!(user_id = id, role = role.as_str(), "account registered");
    Ok(UserView {
        id,
        full_name,
        role,
        email,
    })
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
        crate::shared::error::ErrorCode::Unauthorized,
        "The email or password is incorrect.",
    )
    .into()
}

/// Checks the credentials and opens a new session. Unknown emails and wrong
/// passwords answer the same, after the same work.
pub async fn login(
    state: &AppState,
    client: Option<IpAddr>,
    email: &str,
    password: &str,
    previous: Option<&SessionUser>,
) -> AppResult<NewSession> {
    throttle(state, client)?;
    // Malformed input cannot match an account: answer as for a wrong password.
    let email = rules::parse_email(email).unwrap_or_else(|_| email.trim().to_lowercase());
    if password.is_empty() || password.chars().count() > rules::PASSWORD_MAX_CHARS {
        return Err(wrong_credentials());
    }
    let now = unix_now();
    let (failures, oldest) = sessions::failures_since(&state.db.pool, &email, now - HOUR).await?;
    if failures >= MAX_FAILURES_PER_HOUR {
        let retry = oldest.map(|t| t + HOUR - now).unwrap_or(HOUR).max(1);
        tracing::warn!("login refused: too many failures for one account");
        return Err(ApiError::rate_limited(retry as u64).into());
    }
    let row = users::find_by_email(&state.db.pool, &email).await?;
    let hash = row.as_ref().map(|r| r.password_hash.clone());
    let valid = state.passwords.verify(password.to_string(), hash).await?;
    let Some(row) = row.filter(|_| valid) else {
        sessions::record_failure(&state.db.pool, &email, now).await?;
        return Err(wrong_credentials());
    };
    if let Some(previous) = previous {
        sessions::delete(&state.db.pool, &previous.session_id).await?;
        state.hub.close_session(&previous.session_id);
    }
    let token = new_token();
    sessions::insert(
        &state.db.pool,
        &session_id_of(&token),
        row.id,
        now,
        now + state.config.session_max_secs,
    )
    .await?;
    tracing::info!(user_id = row.id, "logged in");
    Ok(NewSession {
        user: user_view(row.id, row.full_name, &row.role, row.email)?,
        token,
    })
}

/// Ends the session on the server and closes its live connections.
pub async fn logout(state: &AppState, session: &SessionUser) -> AppResult<()> {
    sessions::delete(&state.db.pool, &session.session_id).await?;
    state.hub.close_session(&session.session_id);
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
    let Some(row) = sessions::find(&state.db.pool, &id).await? else {
        return Ok(None);
    };
    let now = unix_now();
    let idle = state.config.session_idle_secs;
    if now >= row.expires_at || now - row.last_seen_at >= idle {
        sessions::delete(&state.db.pool, &id).await?;
        state.hub.close_session(&id);
        return Ok(None);
    }
    // Touch at most every so often: a write per request would be wasted.
    if now - row.last_seen_at >= (idle / 30).clamp(1, 60) {
        sessions::touch(&state.db.pool, &id, now).await?;
    }
    Ok(Some(SessionUser {
        session_id: id,
        user: user_view(row.user_id, row.full_name, &row.role, row.email)?,
    }))
}

/// Deletes expired sessions and forgotten login failures.
pub async fn sweep(state: &AppState) -> AppResult<()> {
    let now = unix_now();
    sessions::delete_expired(&state.db.pool, now, now - state.config.session_idle_secs).await?;
    sessions::forget_failures_before(&state.db.pool, now - HOUR).await?;
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

/// The demo accounts (SPEC section 2). Their password is public: never seed
/// them in production (the configuration refuses it).
pub const DEMO_PASSWORD: &str = "password123";

struct DemoAccount {
    email: &'static str,
    name: &'static str,
    role: &'static str,
    profile: Option<(&'static str, &'static str, &'static str)>,
}

const DEMO_ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        email: "patient@test.com",
        name: "John Doe",
        role: "patient",
        profile: None,
    },
    DemoAccount {
        email: "patient2@test.com",
        name: "Maria Garcia",
        role: "patient",
        profile: None,
    },
    DemoAccount {
        email: "researcher@test.com",
        name: "Dr. Sarah Smith",
        role: "researcher",
        profile: Some((
            "Endocrinology",
            "City Medical Research Institute",
            "Studies type 2 diabetes treatments and long-term glucose control.",
        )),
    },
    DemoAccount {
        email: "james.chen@test.com",
        name: "Dr. James Chen",
        role: "researcher",
        profile: Some((
            "Cardiology",
            "Heart & Vascular Research Center",
            "Leads trials on heart failure and blood pressure management.",
        )),
    },
    DemoAccount {
        email: "amara.okafor@test.com",
        name: "Dr. Amara Okafor",
        role: "researcher",
        profile: Some((
            "Oncology",
            "National Cancer Research Unit",
            "Works on immunotherapy for breast and lung cancers.",
        )),
    },
    DemoAccount {
        email: "lukas.berg@test.com",
        name: "Dr. Lukas Berg",
        role: "researcher",
        profile: Some((
            "Neurology",
            "University Brain Health Lab",
            "Researches early signs and care of Parkinson's disease.",
        )),
    },
    DemoAccount {
        email: "priya.nair@test.com",
        name: "Dr. Priya Nair",
        role: "researcher",
        profile: Some((
            "Pulmonology",
            "Respiratory Health Institute",
            "Studies asthma and chronic obstructive pulmonary disease.",
        )),
    },
];

/// Creates the demo accounts that are missing (idempotent across restarts).
pub async fn seed_demo(state: &AppState) -> AppResult<usize> {
    let mut created = 0;
    for account in DEMO_ACCOUNTS {
        if users::find_by_email(&state.db.pool, account.email)
            .await?
            .is_some()
        {
            continue;
        }
        let (specialty, institution, bio) = match account.profile {
            Some((s, i, b)) => (
                Some(s.to_string()),
                Some(i.to_string()),
                Some(b.to_string()),
            ),
            None => (None, None, None),
        };
        match register(
            state,
            None,
            Registration {
                email: account.email.into(),
                password: DEMO_PASSWORD.into(),
                full_name: account.name.into(),
                role: account.role.into(),
                specialty,
                institution,
                bio,
            },
        )
        .await
        {
            Ok(_) => created += 1,
            // Another instance seeded it meanwhile.
            Err(AppError::Api(e)) if e.code == crate::shared::error::ErrorCode::Conflict => {}
            Err(e) => return Err(e),
        }
    }
    Ok(created)
}
