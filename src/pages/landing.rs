use crate::components::session::Auth;
use crate::shared::PRODUCT_NAME;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Landing() -> impl IntoView {
    let auth = expect_context::<Auth>();
    view! {
        <section class="hero">
            <div class="hero-text">
                <p class="eyebrow">{PRODUCT_NAME} " · research meetings"</p>
                <h1>"Talk to the researchers studying your condition"</h1>
                <p class="lead">
                    "Find a researcher, ask for a meeting at a time that suits you, and see their answer the moment they give it."
                </p>
                <Suspense fallback=|| ()>
                    {move || {
                        auth.me
                            .get()
                            .map(|me| match me.ok().flatten() {
                                Some(me) => {
                                    view! {
                                        <p class="hero-actions">
                                            <A href=me.user.role.dashboard_path() attr:class="button">
                                                "Go to your dashboard"
                                            </A>
                                        </p>
                                    }
                                        .into_any()
                                }
                                None => {
                                    view! {
                                        <p class="hero-actions">
                                            <A href="/login" attr:class="button">"Log in"</A>
                                            <A href="/register" attr:class="button secondary">
                                                "Create an account"
                                            </A>
                                        </p>
                                    }
                                        .into_any()
                                }
                            })
                    }}
                </Suspense>
            </div>
            <ul class="features">
                <li>
                    <h2>"For patients"</h2>
                    <p>"Browse researchers by specialty and send a request with your question, a preferred time and how you would like to meet."</p>
                </li>
                <li>
                    <h2>"For researchers"</h2>
                    <p>"New requests appear on your dashboard as they arrive. Accept or decline with one click."</p>
                </li>
                <li>
                    <h2>"Private by design"</h2>
                    <p>"Only you and the researcher you write to can see your request."</p>
                </li>
            </ul>
        </section>
    }
}
