//! The demo accounts (SPEC section 2), seeded when `APP_DEMO=true`.

use crate::domain::{NewAccount, NewAccountInput, Role};
use crate::server::error::{AppError, AppResult};
use crate::server::repo::users;
use crate::server::services::accounts;
use crate::server::state::AppState;
use crate::shared::error::ErrorCode;

/// The demo accounts (SPEC section 2). Their password is public: never seed
/// them in production (the configuration refuses it).
pub const DEMO_PASSWORD: &str = "password123";

struct DemoAccount {
    email: &'static str,
    name: &'static str,
    role: Role,
    profile: Option<(&'static str, &'static str, &'static str)>,
}

const DEMO_ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        email: "patient@test.com",
        name: "John Doe",
        role: Role::Patient,
        profile: None,
    },
    DemoAccount {
        email: "patient2@test.com",
        name: "Maria Garcia",
        role: Role::Patient,
        profile: None,
    },
    DemoAccount {
        email: "researcher@test.com",
        name: "Dr. Sarah Smith",
        role: Role::Researcher,
        profile: Some((
            "Endocrinology",
            "City Medical Research Institute",
            "Studies type 2 diabetes treatments and long-term glucose control.",
        )),
    },
    DemoAccount {
        email: "james.chen@test.com",
        name: "Dr. James Chen",
        role: Role::Researcher,
        profile: Some((
            "Cardiology",
            "Heart & Vascular Research Center",
            "Leads trials on heart failure and blood pressure management.",
        )),
    },
    DemoAccount {
        email: "amara.okafor@test.com",
        name: "Dr. Amara Okafor",
        role: Role::Researcher,
        profile: Some((
            "Oncology",
            "National Cancer Research Unit",
            "Works on immunotherapy for breast and lung cancers.",
        )),
    },
    DemoAccount {
        email: "lukas.berg@test.com",
        name: "Dr. Lukas Berg",
        role: Role::Researcher,
        profile: Some((
            "Neurology",
            "University Brain Health Lab",
            "Researches early signs and care of Parkinson's disease.",
        )),
    },
    DemoAccount {
        email: "priya.nair@test.com",
        name: "Dr. Priya Nair",
        role: Role::Researcher,
        profile: Some((
            "Pulmonology",
            "Respiratory Health Institute",
            "Studies asthma and chronic obstructive pulmonary disease.",
        )),
    },
];

/// Creates the demo accounts that are missing (idempotent across restarts).
pub async fn seed(state: &AppState) -> AppResult<usize> {
    let mut created = 0;
    for account in DEMO_ACCOUNTS {
        if users::find_by_email(&state.db.pool, account.email)
            .await?
            .is_some()
        {
            continue;
        }
        let profile = account
            .profile
            .map(|(s, i, b)| (s.to_string(), i.to_string(), b.to_string()));
        let (specialty, institution, bio) = match profile {
            Some((s, i, b)) => (Some(s), Some(i), Some(b)),
            None => (None, None, None),
        };
        let new = NewAccount::parse(&NewAccountInput {
            email: account.email.into(),
            password: DEMO_PASSWORD.into(),
            full_name: account.name.into(),
            role: account.role.as_str().into(),
            specialty,
            institution,
            bio,
        })?;
        let permit = accounts::throttle(state, None)?;
        match accounts::register(state, &permit, new).await {
            Ok(_) => created += 1,
            // Another instance seeded it meanwhile.
            Err(AppError::Api(e)) if e.code == ErrorCode::Conflict => {}
            Err(e) => return Err(e),
        }
    }
    Ok(created)
}
