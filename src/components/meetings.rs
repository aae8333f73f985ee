//! What both dashboards show of the meeting after "yes" (SPEC 11): the
//! upcoming accepted meetings, with `Add to calendar` and `Cancel meeting`,
//! kept live by the stream; and the overlap a pending request would make.

use crate::api::meetings::{AnswerRequest, upcoming_meetings};
use crate::components::codec::Loaded;
use crate::components::form::Form;
use crate::components::live::{Live, merge_requests, use_live};
use crate::components::widgets::{Banner, LocalTime};
use crate::domain::time::{meeting_end, overlaps};
use crate::shared::error::ApiError;
use crate::shared::model::{MeetingRequestView, MeetingStatus, RequestPage};
use leptos::prelude::*;

/// The caller's accepted meetings that have not ended, as loaded, with the
/// live overlay laid over: a meeting accepted meanwhile appears, one
/// cancelled meanwhile goes.
#[derive(Clone, Copy)]
pub struct Upcoming {
    live: Live,
    loaded: Loaded<Result<RequestPage, ApiError>>,
}

impl Upcoming {
    /// Loads the list (a resource of the current page).
    pub fn load() -> Upcoming {
        let live = use_live();
        let loaded = Loaded::new_with_options(|| None::<i64>, |_| upcoming_meetings(), false);
        Effect::watch(
            move || live.resyncs.get(),
            move |_, _, _| loaded.refetch(),
            false,
        );
        Upcoming { live, loaded }
    }

    /// Soonest first.
    pub fn items(&self) -> Option<Result<Vec<MeetingRequestView>, ApiError>> {
        let overlay = self.live.overlay;
        self.loaded.get().map(|loaded| {
            loaded.map(|page| {
                let now = now_stored();
                let mut items: Vec<_> = merge_requests(&page.items, &overlay.get())
                    .into_iter()
                    .filter(|r| r.status == MeetingStatus::Accepted)
                    .filter(|r| {
                        meeting_end(&r.preferred_at, r.duration_minutes)
                            .zip(now)
                            .is_none_or(|(end, now)| end > now)
                    })
                    .collect();
                items.sort_by(|a, b| a.preferred_at.cmp(&b.preferred_at));
                items
            })
        })
    }

    /// The accepted meeting that `request` would overlap, if any.
    pub fn overlap_with(&self, request: &MeetingRequestView) -> Option<MeetingRequestView> {
        self.items()?.ok()?.into_iter().find(|m| {
            m.id != request.id
                && overlaps(
                    &m.preferred_at,
                    m.duration_minutes,
                    &request.preferred_at,
                    request.duration_minutes,
                )
        })
    }
}

/// Now, as a stored instant is read (`parse_stored`).
fn now_stored() -> Option<chrono::NaiveDateTime> {
    #[cfg(feature = "hydrate")]
    let now = chrono::DateTime::from_timestamp_millis(js_sys::Date::now() as i64);
    #[cfg(not(feature = "hydrate"))]
    let now = Some(chrono::Utc::now());
    now.map(|t| t.naive_utc())
}

/// "Upcoming meetings": each with the other party, the time in the viewer's
/// zone, the type and length, how to join, `Add to calendar` and `Cancel
/// meeting`.
#[component]
pub fn UpcomingMeetings(upcoming: Upcoming, answer: ServerAction<AnswerRequest>) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="upcoming-heading">
            <h2 id="upcoming-heading">"Upcoming meetings"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading your meetings…"</p> }>
                {move || {
                    upcoming
                        .items()
                        .map(|result| match result {
                            Err(err) => view! { <Banner text=err.message error=true/> }.into_any(),
                            Ok(items) if items.is_empty() => {
                                view! { <p class="empty">"No upcoming meetings."</p> }.into_any()
                            }
                            Ok(items) => {
                                view! {
                                    <div class="request-list">
                                        {items
                                            .into_iter()
                                            .map(|m| view! { <UpcomingMeeting meeting=m answer/> })
                                            .collect_view()}
                                    </div>
                                }
                                    .into_any()
                            }
                        })
                }}
            </Suspense>
        </section>
    }
}

#[component]
fn UpcomingMeeting(
    meeting: MeetingRequestView,
    answer: ServerAction<AnswerRequest>,
) -> impl IntoView {
    let id = meeting.id;
    let reason_id = format!("cancel-reason-{id}");
    let calendar = format!("/api/meetings/{id}/calendar.ics");
    view! {
        <article class="card request upcoming" data-request-id=id aria-label=format!("Meeting with {}", meeting.counterpart_name())>
            <h3>{meeting.counterpart_name().to_string()}</h3>
            <p class="meta">
                <LocalTime at=meeting.preferred_at.clone()/>
                {format!(" · {} · {} minutes", meeting.meeting_type.label(), meeting.duration_minutes)}
            </p>
            {meeting
                .details
                .clone()
                .map(|d| view! { <p class="details"><strong>"How to join: "</strong>{d}</p> })}
            <div class="request-actions">
                <a class="button secondary" href=calendar download=format!("meeting-{id}.ics")>
                    "Add to calendar"
                </a>
                <Form action=answer attr:class="decline-form">
                    <input type="hidden" name="id" value=id/>
                    <input type="hidden" name="status" value="cancelled"/>
                    <label for=reason_id.clone()>"Reason (optional)"</label>
                    <input id=reason_id name="reason" maxlength="500"/>
                    <button type="submit" class="button danger">"Cancel meeting"</button>
                </Form>
            </div>
        </article>
    }
}

/// "Overlaps with" the accepted meeting a pending request would clash with.
#[component]
pub fn OverlapNote(upcoming: Upcoming, request: MeetingRequestView) -> impl IntoView {
    move || {
        upcoming.overlap_with(&request).map(|other| {
            view! {
                <p class="overlap" role="note">
                    "Overlaps with " {other.counterpart_name().to_string()} " at "
                    <LocalTime at=other.preferred_at.clone()/>
                </p>
            }
        })
    }
}

/// The browser's time zone once hydrated ("UTC" before, and without
/// WebAssembly): the zone a form's wall-clock time is read in.
pub fn browser_zone() -> RwSignal<String> {
    let zone = RwSignal::new("UTC".to_string());
    Effect::new(move |_| {
        if let Some(z) = crate::components::browser::time_zone() {
            zone.set(z);
        }
    });
    zone
}
