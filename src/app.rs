//! The HTML shell, the router and the pieces every page shares.

use crate::api::auth::{Logout, Me, current_user};
use crate::components::live::{LiveConnection, Notices, provide_live};
use crate::components::nav::Header;
use crate::pages::{
    dashboard_patient::PatientDashboard, dashboard_researcher::ResearcherDashboard,
    experts::ExpertsPage, landing::Landing, login::LoginPage, not_found::NotFound,
    register::RegisterPage,
};
use crate::shared::error::ApiError;
use leptos::prelude::*;
use leptos_meta::{Link, Meta, MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

pub const PRODUCT_NAME: &str = "CareBridge";

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Who is logged in. Provided as context.
#[derive(Clone, Copy)]
pub struct Auth {
    pub me: Resource<Result<Option<Me>, ApiError>>,
    pub logout: ServerAction<Logout>,
}

impl Auth {
    /// The current user once known (`None` while loading or logged out).
    pub fn user(&self) -> Option<Me> {
        self.me.get().and_then(Result::ok).flatten()
    }
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

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/meeting-requests.css"/>
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg"/>
        <Meta name="description" content="Ask health researchers for a meeting and follow their answer live."/>
        <Title text=PRODUCT_NAME/>
        <Router>
            <Layout/>
        </Router>
    }
}

/// Everything inside the router. (Actions whose errors a plain form post
/// leaves in the URL are created by the pages, inside `<Routes>`, where the
/// router provides that error.)
#[component]
fn Layout() -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    reload_on_success(logout, |_| "/login".to_string());
    // Blocking: pages wait for it, so a guard can still redirect with a 302.
    let me = Resource::new_blocking(|| (), |_| current_user());
    provide_context(Auth { me, logout });
    provide_live();
    Effect::new(|_| crate::components::browser::mark_hydrated());
    // Pages behind a guard render in full before the first byte is sent, so
    // the guard can still answer with a redirect or a 403.
    let guarded = SsrMode::Async;

    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <Header/>
        <main id="main" tabindex="-1">
            <Routes fallback=NotFound>
                <Route path=path!("/") view=Landing/>
                <Route path=path!("/login") view=LoginPage/>
                <Route path=path!("/register") view=RegisterPage/>
                <Route path=path!("/experts") view=ExpertsPage ssr=guarded.clone()/>
                <Route path=path!("/dashboard/patient") view=PatientDashboard ssr=guarded.clone()/>
                <Route path=path!("/dashboard/researcher") view=ResearcherDashboard ssr=guarded/>
            </Routes>
        </main>
        <Notices/>
        <LiveConnection/>
    }
}
