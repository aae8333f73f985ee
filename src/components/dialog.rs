//! The request dialog: a real modal (`role="dialog"`, focus kept inside,
//! Escape closes). Without WebAssembly it is rendered open by the server
//! (`/experts?request=ID`) and its form posts to the server function.

use crate::api::meetings::SendRequest;
use crate::components::browser;
use crate::components::widgets::{FieldError, FormAlert};
use crate::shared::error::ApiError;
use crate::shared::model::{ExpertView, MeetingType};
use crate::shared::rules;
use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

const DIALOG_ID: &str = "request-dialog";

/// Checks the form as the server will, so most mistakes are explained before
/// anything is sent. The server checks again: it is the one that decides.
fn check(message: &str, preferred_at: &str, meeting_type: &str) -> Result<(), ApiError> {
    rules::parse_note(message)?;
    if preferred_at.trim().is_empty() {
        return Err(ApiError::invalid(
            "preferred_at",
            "Choose a preferred date and time.",
        ));
    }
    if let Some(at) = browser::local_input_instant(preferred_at) {
        rules::check_preferred_time(at, chrono::Utc::now())?;
    }
    rules::parse_meeting_type(meeting_type)?;
    Ok(())
}

#[component]
pub fn RequestDialog(
    expert: ExpertView,
    action: ServerAction<SendRequest>,
    /// Closes the dialog (Cancel, Escape).
    on_close: Callback<()>,
) -> impl IntoView {
    let message = RwSignal::new(String::new());
    let preferred_at = RwSignal::new(String::new());
    let meeting_type = RwSignal::new(MeetingType::VideoCall.label().to_string());
    let time_zone = RwSignal::new("UTC".to_string());
    let local_error = RwSignal::new(None::<ApiError>);
    let message_ref = NodeRef::<leptos::html::Textarea>::new();

    Effect::new(move |_| {
        if let Some(zone) = browser::time_zone() {
            time_zone.set(zone);
        }
        if let Some(el) = message_ref.get() {
            let _ = el.focus();
        }
    });

    // The error to show: ours until the form is sent, then the server's.
    let error = Signal::derive(move || {
        local_error
            .get()
            .or_else(|| action.value().get().and_then(Result::err))
    });
    let field_error = move |field: &'static str| {
        Signal::derive(move || error.get().and_then(|e| e.for_field(field)))
    };
    let general_error = move || error.get().filter(|e| e.field.is_none()).map(|e| e.message);

    let expert_id = expert.id;
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let (m, p, t) = (
            message.get_untracked(),
            preferred_at.get_untracked(),
            meeting_type.get_untracked(),
        );
        match check(&m, &p, &t) {
            Err(err) => local_error.set(Some(err)),
            Ok(()) => {
                local_error.set(None);
                action.dispatch(SendRequest {
                    expert_id,
                    message: m,
                    preferred_at: p,
                    meeting_type: t,
                    time_zone: time_zone.get_untracked(),
                });
            }
        }
    };
    let on_keydown = move |ev: KeyboardEvent| match ev.key().as_str() {
        "Escape" => {
            ev.prevent_default();
            on_close.run(());
        }
        "Tab" if browser::trap_tab(DIALOG_ID, ev.shift_key()) => {
            ev.prevent_default();
        }
        _ => {}
    };

    let title = format!("Request a meeting with {}", expert.full_name);
    view! {
        <div class="dialog-backdrop">
            <div
                id=DIALOG_ID
                class="dialog"
                role="dialog"
                aria-modal="true"
                aria-labelledby="dialog-title"
                aria-describedby="dialog-intro"
                on:keydown=on_keydown
            >
                <h2 id="dialog-title">{title}</h2>
                <p id="dialog-intro" class="muted">
                    {format!("{} · {}", expert.specialty, expert.institution)}
                </p>
                <form method="post" action=SendRequest::url() on:submit=on_submit novalidate>
                    <input type="hidden" name="expert_id" value=expert_id/>
                    <input type="hidden" name="time_zone" value=move || time_zone.get()/>
                    <div class="field">
                        <label for="message">"Message"</label>
                        <textarea
                            id="message"
                            name="message"
                            rows="5"
                            maxlength=rules::MESSAGE_MAX_CHARS
                            autofocus
                            aria-describedby="message-error message-hint"
                            aria-invalid=move || field_error("message").get().is_some().to_string()
                            node_ref=message_ref
                            prop:value=move || message.get()
                            on:input=move |ev| message.set(event_target_value(&ev))
                        ></textarea>
                        <p class="hint" id="message-hint">
                            "What would you like to discuss? Up to 2,000 characters."
                        </p>
                        <FieldError id="message-error" message=field_error("message")/>
                    </div>
                    <div class="field">
                        <label for="preferred_at">"Preferred date and time"</label>
                        <input
                            id="preferred_at"
                            name="preferred_at"
                            type="datetime-local"
                            aria-describedby="preferred_at-error"
                            aria-invalid=move || field_error("preferred_at").get().is_some().to_string()
                            prop:value=move || preferred_at.get()
                            on:input=move |ev| preferred_at.set(event_target_value(&ev))
                        />
                        <p class="hint">"In your time zone: " {move || time_zone.get()}</p>
                        <FieldError id="preferred_at-error" message=field_error("preferred_at")/>
                        <FieldError id="time_zone-error" message=field_error("time_zone")/>
                    </div>
                    <div class="field">
                        <label for="meeting_type">"Meeting type"</label>
                        <select
                            id="meeting_type"
                            name="meeting_type"
                            aria-describedby="meeting_type-error"
                            prop:value=move || meeting_type.get()
                            on:change=move |ev| meeting_type.set(event_target_value(&ev))
                        >
                            {MeetingType::ALL
                                .iter()
                                .map(|t| view! { <option value=t.label()>{t.label()}</option> })
                                .collect_view()}
                        </select>
                        <FieldError id="meeting_type-error" message=field_error("meeting_type")/>
                    </div>
                    <FormAlert message=Signal::derive(general_error)/>
                    <div class="dialog-actions">
                        <a
                            href="/experts"
                            role="button"
                            class="button secondary"
                            on:click=move |ev| {
                                ev.prevent_default();
                                on_close.run(());
                            }
                        >
                            "Cancel"
                        </a>
                        <button type="submit" class="button" disabled=move || action.pending().get()>
                            {move || if action.pending().get() { "Sending…" } else { "Send Request" }}
                        </button>
                    </div>
                </form>
            </div>
        </div>
    }
}
