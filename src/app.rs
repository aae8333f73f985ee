//! The HTML shell, the router and the pieces every page shares.

use crate::components::live::{LiveConnection, Notices, provide_live};
use crate::components::nav::Header;
use crate::components::session::provide_auth;
use crate::pages::{
    dashboard_patient::PatientDashboard, dashboard_researcher::ResearcherDashboard,
    experts::ExpertsPage, landing::Landing, login::LoginPage, not_found::NotFound,
    register::RegisterPage, settings::SettingsPage,
};
use crate::shared::PRODUCT_NAME;
use leptos::prelude::*;
use leptos_meta::{Link, Meta, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

/// `public/favicon.svg`, inline: one request fewer on the first load.
const FAVICON: &str = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Crect width='32' height='32' rx='8' fill='%230b6e74'/%3E%3Cpath d='M13 7h6v6h6v6h-6v6h-6v-6H7v-6h6z' fill='%23fff'/%3E%3C/svg%3E";

/// The stylesheet's URL, content-hashed when the build hashes names. (A
/// plain `<link>` of the shell: the client hydrates only the body.)
fn stylesheet_href(options: &LeptosOptions) -> String {
    #[cfg(feature = "ssr")]
    {
        crate::server::http::assets::stylesheet_href(options).to_string()
    }
    #[cfg(not(feature = "ssr"))]
    {
        format!("/{}/{}.css", options.site_pkg_dir, options.output_name)
    }
}

/// See `server::http::assets::hydration_script`.
fn hydration_script(options: &LeptosOptions) -> String {
    #[cfg(feature = "ssr")]
    {
        crate::server::http::assets::hydration_script(options)
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = options;
        String::new()
    }
}

pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::server::http::security::set_page_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <link rel="stylesheet" id="leptos" href=stylesheet_href(&options)/>
                <script type="module" nonce=leptos::nonce::use_nonce()>{hydration_script(&options)}</script>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Link rel="icon" type_="image/svg+xml" href=FAVICON/>
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
    provide_auth();
    provide_live();
    Effect::new(|_| {
        crate::components::browser::remember_zone();
        crate::components::browser::mark_hydrated();
    });
    // Every page renders in full before the first byte is sent: a page
    // behind a guard so that the guard can still answer with a redirect or
    // a 403, and every page so that the header (who is logged in) is in the
    // first paint instead of streaming in after it and pushing the page down.
    let whole = SsrMode::Async;

    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <Header/>
        <main id="main" tabindex="-1">
            <Routes fallback=NotFound>
                <Route path=path!("/") view=Landing ssr=whole.clone()/>
                <Route path=path!("/login") view=LoginPage ssr=whole.clone()/>
                <Route path=path!("/register") view=RegisterPage ssr=whole.clone()/>
                <Route path=path!("/experts") view=ExpertsPage ssr=whole.clone()/>
                <Route path=path!("/dashboard/patient") view=PatientDashboard ssr=whole.clone()/>
                <Route path=path!("/dashboard/researcher") view=ResearcherDashboard ssr=whole.clone()/>
                <Route path=path!("/settings") view=SettingsPage ssr=whole/>
            </Routes>
        </main>
        <Notices/>
        <LiveConnection/>
    }
}
