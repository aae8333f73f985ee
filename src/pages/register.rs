use crate::api::auth::Register;
use crate::components::form::{Field, Form, FormAlert, FormErrors};
use crate::components::session::reload_on_success;
use crate::domain::text::{BIO_MAX_CHARS, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn RegisterPage() -> impl IntoView {
    let register = ServerAction::<Register>::new();
    reload_on_success(register, |user| user.role.dashboard_path().to_string());
    let errors = FormErrors::of(register);
    view! {
        <Title text="Create an account"/>
        <section class="page narrow">
            <div class="card form-card">
                <h1>"Create an account"</h1>
                <Form action=register>
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
                    <Field id="full_name" label="Full name" error=errors.field("full_name")>
                        <input autocomplete="name" required/>
                    </Field>
                    <Field id="email" label="Email" error=errors.field("email")>
                        <input type="email" autocomplete="email" required/>
                    </Field>
                    <Field
                        id="password"
                        label="Password"
                        hint="At least 8 characters."
                        error=errors.field("password")
                    >
                        <input
                            type="password"
                            autocomplete="new-password"
                            minlength=PASSWORD_MIN_CHARS
                            maxlength=PASSWORD_MAX_CHARS
                            required
                        />
                    </Field>
                    <fieldset class="researcher-only">
                        <legend>"Researcher profile"</legend>
                        <Field id="specialty" label="Specialty" error=errors.field("specialty")>
                            <input/>
                        </Field>
                        <Field id="institution" label="Institution" error=errors.field("institution")>
                            <input/>
                        </Field>
                        <Field id="bio" label="Short bio" error=errors.field("bio")>
                            <textarea rows="3" maxlength=BIO_MAX_CHARS></textarea>
                        </Field>
                    </fieldset>
                    <FormAlert message=errors.general()/>
                    <button type="submit" class="button wide" disabled=move || register.pending().get()>
                        "Create account"
                    </button>
                </Form>
                <p class="muted">"Already registered? " <A href="/login">"Log in"</A></p>
            </div>
        </section>
    }
}
