use crate::shared::error::ApiError;
use crate::shared::model::UserView;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The logged-in user, and the newest live event id when the page was made:
/// the live stream resumes from there, so nothing between the page and the
/// socket is missed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub user: UserView,
    pub last_event_id: i64,
}

#[server(prefix = "/fn", endpoint = "me")]
pub async fn current_user() -> Result<Option<Me>, ApiError> {
    use crate::server::{fns, services::meetings};
    let Some(session) = fns::session() else {
        return Ok(None);
    };
    let state = fns::state()?;
    let last_event_id = fns::finish(meetings::last_event_id(&state).await)?;
    Ok(Some(Me {
        user: session.user,
        last_event_id,
    }))
}

#[server(prefix = "/fn", endpoint = "login")]
pub async fn login(email: String, password: String) -> Result<UserView, ApiError> {
    use crate::domain::Credentials;
    use crate::server::{fns, services::accounts};
    let state = fns::state()?;
    let permit = fns::finish(accounts::throttle(&state, fns::client_ip(&state)))?;
    let previous = fns::session();
    let credentials = Credentials::new(&email, &password);
    let session =
        fns::finish(accounts::login(&state, &permit, credentials, previous.as_ref()).await)?;
    fns::set_session_cookie(&state, &session.token);
    fns::redirect_plain_form_post(session.user.role.dashboard_path());
    Ok(session.user)
}

#[server(prefix = "/fn", endpoint = "register")]
pub async fn register(
    email: String,
    password: String,
    full_name: String,
    role: String,
    #[server(default)] specialty: Option<String>,
    #[server(default)] institution: Option<String>,
    #[server(default)] bio: Option<String>,
) -> Result<UserView, ApiError> {
    use crate::domain::{Credentials, NewAccount, NewAccountInput};
    use crate::server::{fns, services::accounts};
    let state = fns::state()?;
    let permit = fns::finish(accounts::throttle(&state, fns::client_ip(&state)))?;
    let credentials = Credentials::new(&email, &password);
    let account = fns::finish(NewAccount::parse(&NewAccountInput {
        email,
        password,
        full_name,
        role,
        specialty,
        institution,
        bio,
    }))?;
    fns::finish(accounts::register(&state, &permit, account).await)?;
    // A new account is logged in straight away.
    let previous = fns::session();
    let session =
        fns::finish(accounts::login(&state, &permit, credentials, previous.as_ref()).await)?;
    fns::set_session_cookie(&state, &session.token);
    fns::redirect_plain_form_post(session.user.role.dashboard_path());
    Ok(session.user)
}

#[server(prefix = "/fn", endpoint = "logout")]
pub async fn logout() -> Result<(), ApiError> {
    use crate::server::{fns, services::accounts};
    let state = fns::state()?;
    if let Some(session) = fns::session() {
        fns::finish(accounts::logout(&state, &session).await)?;
    }
    fns::clear_session_cookie(&state);
    fns::redirect_plain_form_post("/login");
    Ok(())
}
