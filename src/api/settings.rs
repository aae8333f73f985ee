use crate::shared::error::ApiError;
use crate::shared::model::Preferences;
use leptos::prelude::*;

#[server(prefix = "/fn", endpoint = "my_preferences")]
pub async fn my_preferences() -> Result<Preferences, ApiError> {
    use crate::server::{fns, services::accounts};
    let session = fns::require_session()?;
    let state = fns::state()?;
    fns::finish(accounts::preferences(&state, &session).await)
}

/// The settings form: a ticked checkbox posts `on`, an unticked one posts
/// nothing.
#[server(prefix = "/fn", endpoint = "save_preferences")]
pub async fn save_preferences(
    #[server(default)] email_notifications: Option<String>,
) -> Result<Preferences, ApiError> {
    use crate::server::{fns, services::accounts};
    let session = fns::require_session()?;
    let state = fns::state()?;
    let preferences = Preferences {
        email_notifications: email_notifications.is_some_and(|v| !v.is_empty() && v != "off"),
    };
    let saved = fns::finish(accounts::set_preferences(&state, &session, preferences).await)?;
    fns::redirect_plain_form_post("/settings?saved=1");
    Ok(saved)
}
