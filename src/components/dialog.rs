//! The request dialog: a real modal (`role="dialog"`, focus kept inside,
//! Escape closes). Without WebAssembly it is rendered open by the server
//! (`/experts?request=ID`) and its form posts to the server function.

use crate::api::meetings::SendRequest;
use crate::components::browser::{self, BrowserZones};
use crate::components::form::{Field, FormAlert, FormErrors};
use crate::domain::text::MESSAGE_MAX_CHARS;
use crate::domain::time::{DEFAULT_DURATION, DURATIONS};
use crate::domain::{MeetingType, NewMeetingRequest, NewMeetingRequestInput, Spelled, TimeInput};
use crate::shared::error::ApiError;
use crate::shared::model::ExpertView;
use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

const DIALOG_ID: &str = "request-dialog";

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
    let duration = RwSignal::new(DEFAULT_DURATION.to_string());
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
    let errors = FormErrors::new(Signal::derive(move || {
        local_error
            .get()
            .or_else(|| action.value().get().and_then(Result::err))
    }));
    // An unknown zone is reported under the time it concerns.
    let time_error = Signal::derive(move || {
        errors
            .field("preferred_at")
            .get()
            .or_else(|| errors.field("time_zone").get())
    });

    let expert_id = expert.id;
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let input = NewMeetingRequestInput {
            expert_id,
            note: message.get_untracked(),
            preferred_at: TimeInput::Local(preferred_at.get_untracked()),
            meeting_type: meeting_type.get_untracked(),
            time_zone: time_zone.get_untracked(),
            duration_minutes: duration.get_untracked().parse().ok(),
        };
        // The very parse the server runs, so most mistakes are explained
        // before anything is sent. The server parses again: it decides.
        match NewMeetingRequest::parse(&input, &BrowserZones, chrono::Utc::now()) {
            Err(err) => local_error.set(Some(err)),
            Ok(_) => {
                local_error.set(None);
                let TimeInput::Local(preferred_at) = input.preferred_at else {
                    return;
                };
                action.dispatch(SendRequest {
                    expert_id,
                    message: input.note,
                    preferred_at,
                    meeting_type: input.meeting_type,
                    time_zone: input.time_zone,
                    duration_minutes: Some(duration.get_untracked()),
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
                    <Field
                        id="message"
                        label="Message"
                        hint="What would you like to discuss? Up to 2,000 characters."
                        error=errors.field("message")
                    >
                        <textarea
                            rows="5"
                            maxlength=MESSAGE_MAX_CHARS
                            autofocus
                            node_ref=message_ref
                            prop:value=move || message.get()
                            on:input=move |ev| message.set(event_target_value(&ev))
                        ></textarea>
                    </Field>
                    <Field
                        id="preferred_at"
                        label="Preferred date and time"
                        hint=Signal::derive(move || format!("In your time zone: {}", time_zone.get()))
                        error=time_error
                    >
                        <input
                            type="datetime-local"
                            prop:value=move || preferred_at.get()
                            on:input=move |ev| preferred_at.set(event_target_value(&ev))
                        />
                    </Field>
                    <Field id="meeting_type" label="Meeting type" error=errors.field("meeting_type")>
                        <select
                            prop:value=move || meeting_type.get()
                            on:change=move |ev| meeting_type.set(event_target_value(&ev))
                        >
                            {MeetingType::ALL
                                .iter()
                                .map(|t| view! { <option value=t.label()>{t.label()}</option> })
                                .collect_view()}
                        </select>
                    </Field>
                    <Field id="duration_minutes" label="Duration" error=errors.field("duration_minutes")>
                        <select
                            prop:value=move || duration.get()
                            on:change=move |ev| duration.set(event_target_value(&ev))
                        >
                            {DURATIONS
                                .iter()
                                .map(|d| {
                                    view! {
                                        <option value=d.to_string() selected=*d == DEFAULT_DURATION>
                                            {format!("{d} minutes")}
                                        </option>
                                    }
                                })
                                .collect_view()}
                        </select>
                    </Field>
                    <FormAlert message=errors.general()/>
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
