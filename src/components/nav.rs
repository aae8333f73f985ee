use crate::components::form::Form;
use crate::components::live::{LinkState, use_live};
use crate::components::session::Auth;
use crate::shared::PRODUCT_NAME;
use crate::shared::model::Role;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Header() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let live = use_live();
    view! {
        <header class="site-header">
            <nav class="nav" aria-label="Main">
                <A href="/" attr:class="brand">
                    <span class="brand-mark" aria-hidden="true">"+"</span>
                    {PRODUCT_NAME}
                </A>
                <Suspense fallback=|| ()>
                    {move || {
                        auth.me
                            .get()
                            .map(|me| match me.ok().flatten() {
                                Some(me) => {
                                    let links = match me.user.role {
                                        Role::Patient => {
                                            view! {
                                                <A href="/experts">"Experts"</A>
                                                <A href="/dashboard/patient">"My requests"</A>
                                            }
                                                .into_any()
                                        }
                                        Role::Researcher => {
                                            view! { <A href="/dashboard/researcher">"Dashboard"</A> }
                                                .into_any()
                                        }
                                    };
                                    view! {
                                        <div class="nav-links">
                                            {links}
                                            <A href="/settings">"Settings"</A>
                                        </div>
                                        <div class="nav-user">
                                            <Show when=move || live.link.get() == LinkState::Offline>
                                                <span class="link-offline" role="status">
                                                    "Offline, reconnecting…"
                                                </span>
                                            </Show>
                                            <span class="user-name">{me.user.full_name.clone()}</span>
                                            <Form action=auth.logout>
                                                <button type="submit" class="button secondary small">
                                                    "Log out"
                                                </button>
                                            </Form>
                                        </div>
                                    }
                                        .into_any()
                                }
                                None => {
                                    view! {
                                        <div class="nav-links"></div>
                                        <div class="nav-user">
                                            <A href="/login">"Log in"</A>
                                            <A href="/register" attr:class="button small">
                                                "Register"
                                            </A>
                                        </div>
                                    }
                                        .into_any()
                                }
                            })
                    }}
                </Suspense>
            </nav>
        </header>
    }
}
