//! The HTML shell, the router and the pieces every page shares.

use crate::api::auth::{Login, Logout, Me, Register, current_user};
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
use leptos_router::path;

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

/// Who is logged in, and the actions that change it. Provided as context.
#[derive(Clone, Copy)]
pub struct Auth {
    pub me: Resource<Result<Option<Me>, ApiError>>,
    pub login: ServerAction<Login>,
    pub logout: ServerAction<Logout>,
    pub register: ServerAction<Register>,
}

impl Auth {
    /// The current user once known (`None` while loading or logged out).
    pub fn user(&self) -> Option<Me> {
        self.me.get().and_then(Result::ok).flatten()
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let login = ServerAction::<Login>::new();
    let logout = ServerAction::<Logout>::new();
    let register = ServerAction::<Register>::new();
    // Blocking: pages wait for it, so a guard can still redirect with a 302.
    let me = Resource::new_blocking(
        move || {
            (
                login.version().get(),
                logout.version().get(),
                register.version().get(),
            )
        },
        |_| current_user(),
    );
    let auth = Auth {
        me,
        login,
        logout,
        register,
    };
    provide_context(auth);
    provide_live();
    Effect::new(|_| crate::components::browser::mark_hydrated());

    view! {
        <Stylesheet id="leptos" href="/pkg/meeting-requests.css"/>
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg"/>
        <Meta name="description" content="Ask health researchers for a meeting and follow their answer live."/>
        <Title text=PRODUCT_NAME/>
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <Header/>
            <main id="main" tabindex="-1">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=Landing/>
                    <Route path=path!("/login") view=LoginPage/>
                    <Route path=path!("/register") view=RegisterPage/>
                    <Route path=path!("/experts") view=ExpertsPage/>
                    <Route path=path!("/dashboard/patient") view=PatientDashboard/>
                    <Route path=path!("/dashboard/researcher") view=ResearcherDashboard/>
                </Routes>
            </main>
            <Notices/>
            <LiveConnection/>
        </Router>
    }
}
