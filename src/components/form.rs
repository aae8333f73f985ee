//! Form pieces every form uses: one `Field` (label, control, hint, error,
//! linked for screen readers), a form-wide alert, and the errors of a form
//! as signals by field.

use crate::shared::error::ApiError;
use leptos::prelude::*;

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
