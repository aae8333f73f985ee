use crate::components::browser;
use crate::shared::model::{Direction, MeetingRequestView, MeetingStatus};
use leptos::prelude::*;

/// A stored instant in the reader's zone. The server writes it in the zone
/// the browser told it (a cookie; UTC before), the browser in its own: on
/// every visit after the first the two agree and the text never changes.
#[component]
pub fn LocalTime(#[prop(into)] at: String) -> impl IntoView {
    let text = RwSignal::new(first_text(&at));
    let stored = at.clone();
    Effect::new(move |_| {
        if let Some(local) = browser::local_time(&stored) {
            text.set(local);
        }
    });
    view! { <time datetime=at>{move || text.get()}</time> }
}

/// The text a `LocalTime` starts with. In the browser: its own, when the
/// server rendered the page in the same zone (the text hydrated stays as it
/// is); otherwise none, so that the effect above replaces the server's.
fn first_text(at: &str) -> String {
    #[cfg(feature = "ssr")]
    {
        crate::server::zones::page_time(at)
    }
    #[cfg(not(feature = "ssr"))]
    {
        browser::rendered_in_own_zone()
            .then(|| browser::local_time(at))
            .flatten()
            .unwrap_or_default()
    }
}

#[component]
pub fn StatusBadge(status: MeetingStatus) -> impl IntoView {
    view! { <span class=format!("badge badge-{}", status.as_str())>{status.label()}</span> }
}

/// A confirmation or error shown at the top of a page.
#[component]
pub fn Banner(#[prop(into)] text: String, #[prop(optional)] error: bool) -> impl IntoView {
    if error {
        view! { <p class="banner error" role="alert">{text}</p> }.into_any()
    } else {
        view! { <p class="banner success" role="status">{text}</p> }.into_any()
    }
}

/// The top of an answered or sent request's card: the other party, the
/// status, the preferred time and the meeting type.
#[component]
pub fn RequestSummary(request: MeetingRequestView) -> impl IntoView {
    view! {
        <div class="request-head">
            <h3>{request.counterpart_name().to_string()}</h3>
            <StatusBadge status=request.status/>
        </div>
        <p class="meta">
            "Preferred time " <LocalTime at=request.preferred_at.clone()/>
            {format!(" · {} · {} minutes", request.meeting_type.label(), request.duration_minutes)}
        </p>
        // The patient's card says it in its proposal block instead.
        {(request.status == MeetingStatus::Proposed && request.direction == Direction::Received)
            .then_some(request.proposed_at.clone())
            .flatten()
            .map(|at| view! { <p class="meta proposed">"Proposed time " <LocalTime at/></p> })}
    }
}

/// The reason given with a decision, if any.
#[component]
pub fn DecisionReason(reason: Option<String>) -> impl IntoView {
    reason.map(|r| view! { <p class="reason">"Reason: " {r}</p> })
}
