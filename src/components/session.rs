//! Who is logged in, as context for every page and component, and what
//! happens after logging in or out.

use crate::api::auth::{Logout, Me, current_user};
use crate::components::codec::Loaded;
use crate::shared::error::ApiError;
use leptos::prelude::*;

/// Who is logged in. Provided as context by `provide_auth`.
#[derive(Clone, Copy)]
pub struct Auth {
    pub me: Loaded<Result<Option<Me>, ApiError>>,
    pub logout: ServerAction<Logout>,
}

impl Auth {
    /// The current user once known (`None` while loading or logged out).
    pub fn user(&self) -> Option<Me> {
        self.me.get().and_then(Result::ok).flatten()
    }
}

/// Loads the current user (blocking: pages wait for it, so a guard can still
/// redirect with a 302) and provides `Auth`.
pub fn provide_auth() -> Auth {
    let logout = ServerAction::<Logout>::new();
    reload_on_success(logout, |_| "/login".to_string());
    let me = Loaded::new_with_options(|| (), |_| current_user(), true);
    let auth = Auth { me, logout };
    provide_context(auth);
    auth
}

pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

/// After logging in, out or registering, load the next page in full: every
/// part of the app then starts from the new session (the server also sends
/// this redirect itself to plain form posts).
pub fn reload_on_success<S>(
    action: ServerAction<S>,
    to: impl Fn(&S::Output) -> String + Send + Sync + 'static,
) where
    S: leptos::server_fn::ServerFn + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
{
    Effect::new(move |_| {
        action.value().with(|value| {
            if let Some(Ok(output)) = value {
                crate::components::browser::go_to(&to(output));
            }
        })
    });
}
