use crate::api::auth::Register;
use crate::app::reload_on_success;
use crate::components::widgets::{FieldError, FormAlert};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn RegisterPage() -> impl IntoView {
    let register = ServerAction::<Register>::new();
    reload_on_success(register, |user| user.role.dashboard_path().to_string());
    let error = Signal::derive(move || register.value().get().and_then(Result::err));
    let field = move |name: &'static str| {
        Signal::derive(move || error.get().and_then(|e| e.for_field(name)))
    };
    let general = move || error.get().filter(|e| e.field.is_none()).map(|e| e.message);
    view! {
        <Title text="Create an account"/>
        <section class="page narrow">
            <div class="card form-card">
                <h1>"Create an account"</h1>
                <ActionForm action=register>
                    <fieldset class="field role-choice">
                        <legend>"I am a"</legend>
                        <label class="choice">
                            <input type="radio" name="role" value="patient" checked/>
                            "Patient"
                        </label>
                        <label class="choice">
                            <input type="radio" name="role" value="researcher"/>
                            "Researcher"
                        </label>
                    </fieldset>
                    <div class="field">
                        <label for="full_name">"Full name"</label>
                        <input id="full_name" name="full_name" autocomplete="name" required aria-describedby="full_name-error"/>
                        <FieldError id="full_name-error" message=field("full_name")/>
                    </div>
                    <div class="field">
                        <label for="email">"Email"</label>
                        <input id="email" name="email" type="email" autocomplete="email" required aria-describedby="email-error"/>
                        <FieldError id="email-error" message=field("email")/>
                    </div>
                    <div class="field">
                        <label for="password">"Password"</label>
                        <input
                            id="password"
                            name="password"
                            type="password"
                            autocomplete="new-password"
                            minlength="8"
                            maxlength="128"
                            required
                            aria-describedby="password-hint password-error"
                        />
                        <p class="hint" id="password-hint">"At least 8 characters."</p>
                        <FieldError id="password-error" message=field("password")/>
                    </div>
                    <fieldset class="researcher-only">
                        <legend>"Researcher profile"</legend>
                        <div class="field">
                            <label for="specialty">"Specialty"</label>
                            <input id="specialty" name="specialty" aria-describedby="specialty-error"/>
                            <FieldError id="specialty-error" message=field("specialty")/>
                        </div>
                        <div class="field">
                            <label for="institution">"Institution"</label>
                            <input id="institution" name="institution" aria-describedby="institution-error"/>
                            <FieldError id="institution-error" message=field("institution")/>
                        </div>
                        <div class="field">
                            <label for="bio">"Short bio"</label>
                            <textarea id="bio" name="bio" rows="3" maxlength="1000"></textarea>
                            <FieldError id="bio-error" message=field("bio")/>
                        </div>
                    </fieldset>
                    <FormAlert message=Signal::derive(general)/>
                    <button type="submit" class="button wide" disabled=move || register.pending().get()>
                        "Create account"
                    </button>
                </ActionForm>
                <p class="muted">"Already registered? " <A href="/login">"Log in"</A></p>
            </div>
        </section>
    }
}
