use crate::api::auth::Login;
use crate::app::reload_on_success;
use crate::components::widgets::FormAlert;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    reload_on_success(login, |user| user.role.dashboard_path().to_string());
    let error = move || login.value().get().and_then(Result::err).map(|e| e.message);
    view! {
        <Title text="Log in"/>
        <section class="page narrow">
            <div class="card form-card">
                <h1>"Log in"</h1>
                <ActionForm action=login>
                    <div class="field">
                        <label for="email">"Email"</label>
                        <input id="email" name="email" type="email" autocomplete="username" required/>
                    </div>
                    <div class="field">
                        <label for="password">"Password"</label>
                        <input
                            id="password"
                            name="password"
                            type="password"
                            autocomplete="current-password"
                            required
                        />
                    </div>
                    <FormAlert message=Signal::derive(error)/>
                    <button type="submit" class="button wide" disabled=move || login.pending().get()>
                        "Log in"
                    </button>
                </ActionForm>
                <p class="muted">"New here? " <A href="/register">"Create an account"</A></p>
            </div>
        </section>
    }
}
