use crate::api::auth::Login;
use crate::components::form::{Field, Form, FormAlert};
use crate::components::session::reload_on_success;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    reload_on_success(login, |user| user.role.dashboard_path().to_string());
    // A failed login never says which field was wrong: one alert for the form.
    let error =
        Signal::derive(move || login.value().get().and_then(Result::err).map(|e| e.message));
    view! {
        <Title text="Log in"/>
        <section class="page narrow">
            <div class="card form-card">
                <h1>"Log in"</h1>
                <Form action=login>
                    <Field id="email" label="Email">
                        <input type="email" autocomplete="username" required/>
                    </Field>
                    <Field id="password" label="Password">
                        <input type="password" autocomplete="current-password" required/>
                    </Field>
                    <FormAlert message=error/>
                    <button type="submit" class="button wide" disabled=move || login.pending().get()>
                        "Log in"
                    </button>
                </Form>
                <p class="muted">"New here? " <A href="/register">"Create an account"</A></p>
            </div>
        </section>
    }
}
