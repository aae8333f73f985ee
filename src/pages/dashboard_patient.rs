use crate::api::meetings::AnswerRequest;
use crate::components::board::{Board, PagedList, ShowMore};
use crate::components::form::Form;
use crate::components::guard::RequireRole;
use crate::components::live::DesktopNotifications;
use crate::components::meetings::{Upcoming, UpcomingMeetings};
use crate::components::widgets::{Banner, DecisionReason, LocalTime, RequestSummary};
use crate::shared::model::{MeetingRequestView, MeetingStatus, Role};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

fn confirmation_for(status: MeetingStatus, name: &str) -> String {
    let name = if name.is_empty() {
        "The researcher"
    } else {
        name
    };
    match status {
        MeetingStatus::Accepted => format!("New time accepted. {name} has been notified."),
        _ => "Your meeting request was cancelled.".to_string(),
    }
}

#[component]
pub fn PatientDashboard() -> impl IntoView {
    view! {
        <Title text="My Meeting Requests"/>
        <RequireRole role=Role::Patient render=|me| view! { <Board name=me.user.full_name/> }/>
    }
}

#[component]
fn Board(name: String) -> impl IntoView {
    let board = Board::new(confirmation_for);
    let cancel = board.answer;
    let banner = board.banner;
    let upcoming = Upcoming::load();
    let list = PagedList::new(None, "before");
    let requests = move || list.items();

    view! {
        <section class="page">
            <div class="page-head">
                <h1>"Your dashboard"</h1>
                <p class="lead">{format!("Welcome, {name}.")}</p>
                <A href="/experts" attr:class="button">"Find an expert"</A>
            </div>
            <DesktopNotifications/>
            {move || banner.get().map(|(text, error)| view! { <Banner text error/> })}
            <UpcomingMeetings upcoming answer=cancel/>
            <section class="panel" aria-labelledby="requests-heading">
                <h2 id="requests-heading">"My Meeting Requests"</h2>
                <Suspense fallback=|| view! { <p class="loading">"Loading your requests…"</p> }>
                    {move || {
                        requests()
                            .map(|result| match result {
                                Err(err) => view! { <Banner text=err.message error=true/> }.into_any(),
                                Ok(items) if items.is_empty() => {
                                    view! {
                                        <p class="empty">
                                            "You have not sent any meeting requests yet. "
                                            <A href="/experts">"Find a researcher"</A>
                                            " to ask for one."
                                        </p>
                                    }
                                        .into_any()
                                }
                                Ok(items) => {
                                    view! {
                                        <ul class="request-list">
                                            {items
                                                .into_iter()
                                                .map(|r| view! { <SentRequest request=r cancel/> })
                                                .collect_view()}
                                        </ul>
                                        <ShowMore list/>
                                    }
                                        .into_any()
                                }
                            })
                    }}
                </Suspense>
            </section>
        </section>
    }
}

#[component]
fn SentRequest(request: MeetingRequestView, cancel: ServerAction<AnswerRequest>) -> impl IntoView {
    let id = request.id;
    let pending = request.status == MeetingStatus::Pending;
    let proposed = request.status == MeetingStatus::Proposed;
    let note = request
        .message
        .split("\n\nPreferred Date & Time:")
        .next()
        .unwrap_or_default()
        .to_string();
    view! {
        <li class="card request" data-request-id=id>
            <RequestSummary request=request.clone()/>
            <p class="message">{note}</p>
            {proposed.then(|| view! { <Proposal request=request.clone() answer=cancel/> })}
            {(!proposed).then(|| view! { <DecisionReason reason=request.decision_reason.clone()/> })}
            <p class="meta">"Sent " <LocalTime at=request.created_at.clone()/></p>
            {pending
                .then(|| {
                    view! {
                        <Form action=cancel>
                            <input type="hidden" name="id" value=id/>
                            <input type="hidden" name="status" value="cancelled"/>
                            <button type="submit" class="button secondary small">"Cancel request"</button>
                        </Form>
                    }
                })}
        </li>
    }
}

/// Another time proposed by the researcher: the patient takes it or not.
#[component]
fn Proposal(request: MeetingRequestView, answer: ServerAction<AnswerRequest>) -> impl IntoView {
    let id = request.id;
    view! {
        <div class="proposal" role="group" aria-label="Another time proposed">
            <p class="proposal-title">
                <strong>{format!("{} proposed another time", request.counterpart_name())}</strong>
            </p>
            {request
                .proposed_at
                .clone()
                .map(|at| view! { <p class="meta">"New time " <LocalTime at/></p> })}
            <DecisionReason reason=request.decision_reason.clone()/>
            <div class="request-actions">
                <Form action=answer>
                    <input type="hidden" name="id" value=id/>
                    <input type="hidden" name="status" value="accepted"/>
                    <button type="submit" class="button">"Accept new time"</button>
                </Form>
                <Form action=answer>
                    <input type="hidden" name="id" value=id/>
                    <input type="hidden" name="status" value="cancelled"/>
                    <button type="submit" class="button secondary">"Decline"</button>
                </Form>
            </div>
        </div>
    }
}
