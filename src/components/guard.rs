//! Pages for logged-in users (of one role, or of any): anonymous visitors
//! are sent to `/login`, the other role gets a 403 page.

use crate::api::auth::Me;
use crate::components::session::Auth;
use crate::shared::model::Role;
use leptos::prelude::*;
use leptos_router::components::{A, Redirect};

#[component]
pub fn RequireRole<F, V>(
    /// The role the page is for; any logged-in user when absent.
    #[prop(optional)]
    role: Option<Role>,
    render: F,
) -> impl IntoView
where
    F: Fn(Me) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let auth = expect_context::<Auth>();
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || {
                auth.me
                    .get()
                    .map(|me| match me {
                        Ok(Some(me)) if role.is_none_or(|r| me.user.role == r) => render(me).into_any(),
                        Ok(Some(me)) => view! { <Forbidden home=me.user.role.dashboard_path()/> }.into_any(),
                        Ok(None) => view! { <Redirect path="/login"/> }.into_any(),
                        Err(err) => {
                            view! {
                                <p class="alert error" role="alert">
                                    "We could not check your session: " {err.message}
                                </p>
                            }
                                .into_any()
                        }
                    })
            }}
        </Suspense>
    }
}

#[component]
pub fn Forbidden(home: &'static str) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::FORBIDDEN);
    }
    view! {
        <section class="page narrow">
            <h1>"This page is not for your account"</h1>
            <p>"Your account does not have access to this page (403)."</p>
            <p>
                <A href=home attr:class="button">"Go to your dashboard"</A>
            </p>
        </section>
    }
}
