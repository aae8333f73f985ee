//! Form pieces every form uses: one `Field` (label, control, hint, error,
//! linked for screen readers), a form-wide alert, and the errors of a form
//! as signals by field.

use crate::shared::error::ApiError;
use leptos::prelude::*;
use leptos::web_sys;

/// One field of a form. The child is its control (`input`, `textarea` or
/// `select`); `Field` gives it `id`, `name`, `aria-describedby` (hint and
/// error) and `aria-invalid`, so no form repeats that wiring.
#[component]
pub fn Field(
    /// The control's id, and the name it is posted under.
    id: &'static str,
    label: &'static str,
    /// Help shown under the control.
    #[prop(optional, into)]
    hint: MaybeProp<String>,
    /// The message of a mistake in this field.
    #[prop(optional, into)]
    error: MaybeProp<String>,
    children: Children,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described_by = if hint.get_untracked().is_some() {
        format!("{hint_id} {error_id}")
    } else {
        error_id.clone()
    };
    let invalid = move || error.get().is_some().to_string();
    let control = children().add_any_attr(view! {
        <{..} id=id name=id aria-describedby=described_by aria-invalid=invalid/>
    });
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {control}
            {move || hint.get().map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            <p class="field-error" id=error_id>
                {move || error.get()}
            </p>
        </div>
    }
}

/// A form's error that belongs to no single field.
#[component]
pub fn FormAlert(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    move || {
        message
            .get()
            .map(|m| view! { <p class="alert error" role="alert">{m}</p> })
    }
}

/// The current error of a form, split by field.
#[derive(Clone, Copy)]
pub struct FormErrors(Signal<Option<ApiError>>);

impl FormErrors {
    pub fn new(error: Signal<Option<ApiError>>) -> FormErrors {
        FormErrors(error)
    }

    /// The error of a server action's last call.
    pub fn of<S, T>(action: ServerAction<S>) -> FormErrors
    where
        S: leptos::server_fn::ServerFn<Output = T, Error = ApiError>
            + Clone
            + Send
            + Sync
            + 'static,
        T: Clone + Send + Sync + 'static,
    {
        FormErrors(Signal::derive(move || {
            action.value().get().and_then(Result::err)
        }))
    }

    /// The message for `field`, when the error names it.
    pub fn field(self, field: &'static str) -> Signal<Option<String>> {
        Signal::derive(move || self.0.get().and_then(|e| e.for_field(field)))
    }

    /// The message of an error that names no field.
    pub fn general(self) -> Signal<Option<String>> {
        Signal::derive(move || {
            self.0
                .get()
                .filter(|e| e.field.is_none())
                .map(|e| e.message)
        })
    }
}

/// A server function's arguments, read from the fields of a submitted form.
/// `ActionForm` reads them with serde_qs, whose reader and maps came to
/// 42 KB of the WebAssembly; each form's few fields are read here instead.
pub trait FromForm: Sized {
    fn from_form(fields: &FormFields) -> Result<Self, ApiError>;
}

/// The fields of a submitted form.
pub struct FormFields(web_sys::FormData);

impl FormFields {
    /// The field's text, if the form has it (an unchecked box has none).
    pub fn text(&self, name: &str) -> Option<String> {
        self.0.get(name).as_string()
    }

    /// A field every such form has.
    pub fn required(&self, name: &str) -> Result<String, ApiError> {
        self.text(name)
            .ok_or_else(|| ApiError::invalid(name, "This field is missing."))
    }

    /// A field holding a whole number.
    pub fn number(&self, name: &str) -> Result<i64, ApiError> {
        self.required(name)?
            .trim()
            .parse()
            .map_err(|_| ApiError::invalid(name, "This field must be a number."))
    }
}

/// A form that calls `action`'s server function. In the browser it reads
/// its fields (`FromForm`) and dispatches the action; without WebAssembly it
/// posts to the server function's URL, which answers the plain form post.
#[component]
pub fn Form<S, T>(action: ServerAction<S>, children: Children) -> impl IntoView
where
    S: leptos::server_fn::ServerFn<Output = T, Error = ApiError>
        + FromForm
        + Clone
        + Send
        + Sync
        + 'static,
    T: Clone + Send + Sync + 'static,
{
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        use leptos::wasm_bindgen::JsCast;
        if ev.default_prevented() {
            return;
        }
        let Some(data) = ev
            .target()
            .and_then(|target| target.dyn_into::<web_sys::HtmlFormElement>().ok())
            .and_then(|form| web_sys::FormData::new_with_form(&form).ok())
        else {
            return;
        };
        ev.prevent_default();
        match S::from_form(&FormFields(data)) {
            Ok(args) => {
                action.dispatch(args);
            }
            Err(err) => action.value().set(Some(Err(err))),
        }
    };
    view! {
        <form method="post" action=S::url() on:submit=on_submit>
            {children()}
        </form>
    }
}

mod fields {
    use super::{FormFields, FromForm};
    use crate::api::auth::{Login, Logout, Register};
    use crate::api::meetings::AnswerRequest;
    use crate::api::settings::SavePreferences;
    use crate::shared::error::ApiError;

    impl FromForm for Login {
        fn from_form(f: &FormFields) -> Result<Self, ApiError> {
            Ok(Login {
                email: f.required("email")?,
                password: f.required("password")?,
            })
        }
    }

    impl FromForm for Register {
        fn from_form(f: &FormFields) -> Result<Self, ApiError> {
            Ok(Register {
                email: f.required("email")?,
                password: f.required("password")?,
                full_name: f.required("full_name")?,
                role: f.required("role")?,
                specialty: f.text("specialty"),
                institution: f.text("institution"),
                bio: f.text("bio"),
            })
        }
    }

    impl FromForm for Logout {
        fn from_form(_: &FormFields) -> Result<Self, ApiError> {
            Ok(Logout {})
        }
    }

    impl FromForm for AnswerRequest {
        fn from_form(f: &FormFields) -> Result<Self, ApiError> {
            Ok(AnswerRequest {
                id: f.number("id")?,
                status: f.required("status")?,
                reason: f.text("reason"),
                details: f.text("details"),
                proposed_at: f.text("proposed_at"),
                time_zone: f.text("time_zone"),
            })
        }
    }

    impl FromForm for SavePreferences {
        fn from_form(f: &FormFields) -> Result<Self, ApiError> {
            Ok(SavePreferences {
                email_notifications: f.text("email_notifications"),
            })
        }
    }
}
