use crate::api::meetings::AnswerRequest;
use crate::components::board::{Board, PagedList, ShowMore};
use crate::components::form::Form;
use crate::components::guard::RequireRole;
use crate::components::live::DesktopNotifications;
use crate::components::meetings::{OverlapNote, Upcoming, UpcomingMeetings, browser_zone};
use crate::components::widgets::{Banner, DecisionReason, LocalTime, RequestSummary, StatusBadge};
use crate::domain::text::DETAILS_MAX_CHARS;
use crate::shared::model::{MeetingRequestView, MeetingStatus, Role};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

fn confirmation_for(status: MeetingStatus, name: &str) -> String {
    let name = if name.is_empty() { "The patient" } else { name };
    match status {
        MeetingStatus::Accepted => format!("Meeting request accepted. {name} has been notified."),
        MeetingStatus::Rejected => format!("Meeting request declined. {name} has been notified."),
        MeetingStatus::Proposed => format!("New time proposed. {name} has been notified."),
        MeetingStatus::Cancelled => format!("Meeting cancelled. {name} has been notified."),
        _ => "Meeting request updated.".to_string(),
    }
}

#[component]
pub fn ResearcherDashboard() -> impl IntoView {
    view! { <RequireRole role=Role::Researcher render=|me| view! { <Board name=me.user.full_name/> }/> }
}

#[component]
fn Board(name: String) -> impl IntoView {
    let board = Board::new(confirmation_for);
    let live = board.live;
    let answer = board.answer;
    let banner = board.banner;
    let upcoming = Upcoming::load();
    let pending_list = PagedList::new(Some(MeetingStatus::Pending), "pending_before");
    let all_list = PagedList::new(None, "before");
    let pending_shown = move || {
        pending_list.items().and_then(Result::ok).map(|all| {
            all.into_iter()
                .filter(|r| r.status == MeetingStatus::Pending)
                .collect::<Vec<_>>()
        })
    };
    // Every pending request is on the page unless older ones remain to be
    // shown; then the server's announced count is the one to believe.
    let pending_count = move || {
        let shown = pending_shown().map(|p| p.len() as i64);
        if pending_list.has_more() {
            live.pending_count.get().or(shown)
        } else {
            shown
        }
    };
    // The server announces its count; when it differs from a complete list
    // on this page, something was missed: load the lists again. Only a new
    // announcement runs this (the lists are read untracked), so a reload
    // never sets it off again.
    Effect::new(move |_| {
        let Some(announced) = live.pending_count.get() else {
            return;
        };
        let shown = untrack(move || {
            if pending_list.has_more() {
                None
            } else {
                pending_shown().map(|p| p.len() as i64)
            }
        });
        if shown.is_some_and(|shown| shown != announced) {
            pending_list.reload();
            all_list.reload();
        }
    });
    // The tab title carries the count: "(3) Dashboard".
    let title_count = RwSignal::new(None::<i64>);
    Effect::new(move |_| title_count.set(pending_count()));

    view! {
        <Title text=move || match title_count.get() {
            Some(n) => format!("({n}) Dashboard"),
            None => "Dashboard".to_string(),
        }/>
        <section class="page">
            <div class="page-head">
                <h1>"Dashboard"</h1>
                <p class="lead">{format!("Welcome, {name}.")}</p>
            </div>
            <DesktopNotifications/>
            {move || banner.get().map(|(text, error)| view! { <Banner text error/> })}
            <UpcomingMeetings upcoming answer/>
            <Suspense fallback=|| view! { <p class="loading">"Loading your requests…"</p> }>
                {move || {
                    let (pending, all) = (pending_shown(), all_list.items());
                    match (pending, all) {
                        (None, _) | (_, None) => None,
                        (_, Some(Err(err))) => Some(view! { <Banner text=err.message error=true/> }.into_any()),
                        (Some(pending), Some(Ok(all))) => {
                            let answered: Vec<_> = all
                                .into_iter()
                                .filter(|r| r.status != MeetingStatus::Pending)
                                .collect();
                            let count = pending_count().unwrap_or(pending.len() as i64);
                            Some(view! {
                                <section class="panel" aria-labelledby="pending-heading">
                                    <h2 id="pending-heading">
                                        {format!("Pending Meeting Requests ({count})")}
                                    </h2>
                                    {if pending.is_empty() {
                                        view! { <p class="empty">"No pending meeting requests"</p> }.into_any()
                                    } else {
                                        view! {
                                            <ul class="request-list">
                                                {pending
                                                    .into_iter()
                                                    .map(|r| view! { <PendingCard request=r answer upcoming/> })
                                                    .collect_view()}
                                            </ul>
                                        }
                                            .into_any()
                                    }}
                                    <ShowMore list=pending_list/>
                                </section>
                                <section class="panel" aria-labelledby="answered-heading">
                                    <h2 id="answered-heading">"Answered requests"</h2>
                                    {if answered.is_empty() {
                                        view! { <p class="empty">"Nothing answered yet."</p> }.into_any()
                                    } else {
                                        view! {
                                            <ul class="request-list compact">
                                                {answered
                                                    .into_iter()
                                                    .map(|r| view! { <AnsweredRow request=r/> })
                                                    .collect_view()}
                                            </ul>
                                        }
                                            .into_any()
                                    }}
                                    <ShowMore list=all_list/>
                                </section>
                            }
                                .into_any())
                        }
                    }
                }}
            </Suspense>
        </section>
    }
}

#[component]
fn PendingCard(
    request: MeetingRequestView,
    answer: ServerAction<AnswerRequest>,
    upcoming: Upcoming,
) -> impl IntoView {
    let id = request.id;
    let reason_id = format!("reason-{id}");
    let details_id = format!("details-{id}");
    let proposed_id = format!("proposed-{id}");
    let propose_reason_id = format!("propose-reason-{id}");
    // Open when the URL asks (`?propose=ID`: the link without WebAssembly).
    let asked = use_query_map().with_untracked(|q| q.get("propose")) == Some(id.to_string());
    let proposing = RwSignal::new(asked);
    let zone = browser_zone();
    view! {
        <li class="card request">
            <div class="request-head">
                <h3>{request.counterpart_name().to_string()}</h3>
                <StatusBadge status=request.status/>
            </div>
            <p class="meta">
                "Received " <LocalTime at=request.created_at.clone()/>
                {format!(" · {} minutes", request.duration_minutes)}
            </p>
            <OverlapNote upcoming request=request.clone()/>
            <p class="message">{request.message.clone()}</p>
            <div class="request-actions">
                <Form action=answer attr:class="accept-form">
                    <input type="hidden" name="id" value=id/>
                    <input type="hidden" name="status" value="accepted"/>
                    <label for=details_id.clone()>"How to join"</label>
                    <textarea
                        id=details_id
                        name="details"
                        rows="2"
                        maxlength=DETAILS_MAX_CHARS
                        placeholder="A video link, an address or a phone number (optional)"
                    ></textarea>
                    <button type="submit" class="button">"Accept"</button>
                </Form>
                <Form action=answer attr:class="decline-form">
                    <input type="hidden" name="id" value=id/>
                    <input type="hidden" name="status" value="rejected"/>
                    <label for=reason_id.clone()>"Reason (optional)"</label>
                    <input id=reason_id name="reason" maxlength="500" placeholder="e.g. Not my field of research"/>
                    <button type="submit" class="button danger">"Decline"</button>
                </Form>
            </div>
            <p class="propose-toggle">
                <a
                    href=format!("?propose={id}")
                    role="button"
                    class="button secondary small"
                    aria-expanded=move || proposing.get().to_string()
                    on:click=move |ev| {
                        ev.prevent_default();
                        proposing.update(|open| *open = !*open);
                    }
                >
                    "Propose another time"
                </a>
            </p>
            {move || {
                let (proposed_id, propose_reason_id) = (
                    proposed_id.clone(),
                    propose_reason_id.clone(),
                );
                proposing
                    .get()
                    .then(move || {
                        view! {
                            <Form action=answer attr:class="propose-form">
                                <input type="hidden" name="id" value=id/>
                                <input type="hidden" name="status" value="proposed"/>
                                <input type="hidden" name="time_zone" value=move || zone.get()/>
                                <div class="field">
                                    <label for=proposed_id.clone()>"New date and time"</label>
                                    <input
                                        id=proposed_id.clone()
                                        type="datetime-local"
                                        name="proposed_at"
                                        required
                                    />
                                    <p class="hint">{move || format!("In your time zone: {}", zone.get())}</p>
                                </div>
                                <div class="field">
                                    <label for=propose_reason_id.clone()>"Reason"</label>
                                    <input
                                        id=propose_reason_id.clone()
                                        name="reason"
                                        maxlength="500"
                                        placeholder="Optional"
                                    />
                                </div>
                                <button type="submit" class="button">"Send proposal"</button>
                            </Form>
                        }
                    })
            }}
        </li>
    }
}

#[component]
fn AnsweredRow(request: MeetingRequestView) -> impl IntoView {
    view! {
        <li class="card request answered">
            <RequestSummary request=request.clone()/>
            <DecisionReason reason=request.decision_reason/>
        </li>
    }
}
