//! The live event stream as Leptos signals. One WebSocket per tab, opened
//! once the page is hydrated and a user is logged in; it reconnects by itself
//! with backoff and resumes with `since`, so nothing is missed.

use crate::components::session::Auth;
use crate::shared::model::{LiveEvent, MeetingRequestView, MeetingStatus, Party, Role};
use crate::shared::notice::notice_text;
use leptos::prelude::*;
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkState {
    /// Not started (server render, logged out, or before hydration).
    Idle,
    Online,
    /// Lost; trying again.
    Offline,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub id: u64,
    pub text: String,
    pub tone: Tone,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Info,
    Success,
    Warning,
}

impl Tone {
    fn class(self) -> &'static str {
        match self {
            Tone::Info => "notice info",
            Tone::Success => "notice success",
            Tone::Warning => "notice warning",
        }
    }
}

/// Signals fed by the stream and by the page's own actions. Pages derive
/// their lists from their loaded data with `overlay` laid over it.
#[derive(Clone, Copy)]
pub struct Live {
    /// The newest known version of each request, by id.
    pub overlay: RwSignal<HashMap<i64, MeetingRequestView>>,
    /// The researcher's pending count as the server last announced it.
    pub pending_count: RwSignal<Option<i64>>,
    pub link: RwSignal<LinkState>,
    pub notices: RwSignal<Vec<Notice>>,
    /// Bumped when the server says too much was missed to replay: lists
    /// load again from the server.
    pub resyncs: RwSignal<u64>,
    /// The id of the newest event seen: where a reconnect resumes.
    last_event_id: StoredValue<i64>,
    next_notice: StoredValue<u64>,
}

impl Live {
    /// Records a newer version of a request (from the stream or an action).
    pub fn upsert(&self, item: MeetingRequestView) {
        self.overlay.update(|map| {
            if map.get(&item.id).is_none_or(|old| supersedes(&item, old)) {
                map.insert(item.id, item);
            }
        });
    }

    pub fn notify(&self, text: impl Into<String>, tone: Tone) {
        let id = self.next_notice.get_value();
        self.next_notice.set_value(id + 1);
        self.notices.update(|n| {
            n.push(Notice {
                id,
                text: text.into(),
                tone,
            });
            // Keep the area short: the newest few are enough.
            let excess = n.len().saturating_sub(4);
            n.drain(..excess);
        });
        #[cfg(feature = "hydrate")]
        {
            let notices = self.notices;
            leptos::task::spawn_local(async move {
                gloo_timers::future::TimeoutFuture::new(12_000).await;
                notices.update(|n| n.retain(|x| x.id != id));
            });
        }
    }

    pub fn dismiss(&self, id: u64) {
        self.notices.update(|n| n.retain(|x| x.id != id));
    }

    /// Applies one frame of the stream for a viewer of `role`.
    pub fn apply(&self, event: LiveEvent, role: Role) {
        if let Some(id) = event.event_id()
            && id > self.last_event_id.get_value()
        {
            self.last_event_id.set_value(id);
        }
        match event {
            LiveEvent::Created { request, .. } => {
                // The patient's own other tabs learn of it silently.
                if let Some((text, tone)) = notice_for(&request, role, Party::Requester) {
                    super::browser::desktop_notify(&text);
                    self.notify(text, tone);
                }
                self.upsert(request);
            }
            LiveEvent::StatusChanged { request, by, .. } => {
                if let Some((text, tone)) = notice_for(&request, role, by) {
                    super::browser::desktop_notify(&text);
                    self.notify(text, tone);
                }
                self.upsert(request);
            }
            LiveEvent::PendingCount { count } => self.pending_count.set(Some(count)),
            LiveEvent::Resync => self.resyncs.update(|n| *n += 1),
        }
    }

    /// Starts following from `event_id` unless already further along.
    pub fn resume_from(&self, event_id: i64) {
        if event_id > self.last_event_id.get_value() {
            self.last_event_id.set_value(event_id);
        }
    }
}

pub fn provide_live() -> Live {
    let live = Live {
        overlay: RwSignal::new(HashMap::new()),
        pending_count: RwSignal::new(None),
        link: RwSignal::new(LinkState::Idle),
        notices: RwSignal::new(Vec::new()),
        resyncs: RwSignal::new(0),
        last_event_id: StoredValue::new(0),
        next_notice: StoredValue::new(1),
    };
    provide_context(live);
    live
}

pub fn use_live() -> Live {
    expect_context::<Live>()
}

/// Opens the stream for the logged-in user and keeps it open. Renders nothing.
#[component]
pub fn LiveConnection() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let live = use_live();
    // Each login starts a new generation; older loops see it and stop.
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| {
        let me = auth.user();
        let current = generation.get_value() + 1;
        generation.set_value(current);
        live.overlay.set(HashMap::new());
        live.pending_count.set(None);
        match me {
            Some(me) => {
                live.resume_from(me.last_event_id);
                run(live, generation, current, me.user.role);
            }
            None => live.link.set(LinkState::Idle),
        }
    });
}

#[cfg(feature = "hydrate")]
fn run(live: Live, generation: StoredValue<u64>, mine: u64, role: Role) {
    use crate::shared::model::close_code;
    use futures::{SinkExt, StreamExt};
    use gloo_net::websocket::{Message, WebSocketError, futures::WebSocket};

    leptos::task::spawn_local(async move {
        let still_mine = move || generation.try_get_value() == Some(mine);
        let mut attempt: u32 = 0;
        while still_mine() {
            let Some(url) = super::browser::live_url(live.last_event_id.get_value()) else {
                return;
            };
            if let Ok(socket) = WebSocket::open(&url) {
                let (mut write, mut read) = socket.split();
                // The send completes once the socket is open; the server
                // ignores text from clients.
                if write.send(Message::Text("hello".into())).await.is_ok() {
                    live.link.set(LinkState::Online);
                    let opened_at = js_sys::Date::now();
                    let mut closed_with = None;
                    while let Some(frame) = read.next().await {
                        if !still_mine() {
                            return;
                        }
                        match frame {
                            Ok(Message::Text(text)) => {
                                if let Some(event) = LiveEvent::read(text.as_bytes()) {
                                    live.apply(event, role);
                                }
                            }
                            Ok(_) => {}
                            Err(WebSocketError::ConnectionClose(close)) => {
                                closed_with = Some(close.code);
                                break;
                            }
                            Err(_) => break,
                        }
                    }
                    match closed_with {
                        // Logged out, idle or too old: the login page says so.
                        Some(close_code::SESSION_ENDED) => {
                            super::browser::go_to("/login");
                            return;
                        }
                        // Newer tabs took this one's place: reconnecting
                        // would only close another. Shown as offline.
                        Some(close_code::REPLACED) => {
                            live.link.set(LinkState::Offline);
                            return;
                        }
                        _ => {}
                    }
                    // Only a connection that lasted counts as a success: a
                    // server that accepts and drops at once still backs off.
                    if js_sys::Date::now() - opened_at > 5_000.0 {
                        attempt = 0;
                    }
                }
            }
            if !still_mine() {
                return;
            }
            live.link.set(LinkState::Offline);
            // Exponential backoff with jitter, capped at 15 s.
            let base = (500.0 * 2f64.powi(attempt.min(5) as i32)).min(15_000.0);
            let delay = base * (0.7 + 0.6 * super::browser::random());
            attempt += 1;
            gloo_timers::future::TimeoutFuture::new(delay as u32).await;
        }
    });
}

#[cfg(not(feature = "hydrate"))]
fn run(_live: Live, _generation: StoredValue<u64>, _mine: u64, _role: Role) {}

/// The notification area: live news and confirmations, announced politely.
#[component]
pub fn Notices() -> impl IntoView {
    let live = use_live();
    view! {
        <div class="notices" role="status" aria-live="polite">
            <For each=move || live.notices.get() key=|n| n.id let:notice>
                <div class=notice.tone.class()>
                    <span>{notice.text.clone()}</span>
                    <button
                        type="button"
                        class="notice-close"
                        aria-label="Dismiss notification"
                        on:click=move |_| live.dismiss(notice.id)
                    >
                        "×"
                    </button>
                </div>
            </For>
        </div>
    }
}

/// Whether `newer` may replace `older`: status only moves forward, so a
/// later stage is never undone by a stale copy.
fn supersedes(newer: &MeetingRequestView, older: &MeetingRequestView) -> bool {
    newer.status.stage() >= older.status.stage()
}

/// The in-page notice of a live change, for a viewer of `role`; `None` for
/// the viewer's own moves (made in another tab).
pub fn notice_for(request: &MeetingRequestView, role: Role, by: Party) -> Option<(String, Tone)> {
    // A proposal not taken up leaves the time as it was.
    let declined_proposal = request
        .proposed_at
        .as_ref()
        .is_some_and(|p| *p != request.preferred_at);
    let text = notice_text(
        role,
        request.status,
        by,
        request.counterpart_name(),
        declined_proposal,
    )?;
    let tone = match request.status {
        MeetingStatus::Accepted => Tone::Success,
        MeetingStatus::Rejected | MeetingStatus::Expired => Tone::Warning,
        MeetingStatus::Cancelled if role == Role::Patient => Tone::Warning,
        _ => Tone::Info,
    };
    Some((text, tone))
}

/// A request list as loaded, with newer versions from `overlay` laid over it
/// and requests it has not seen yet added; newest first.
pub fn merge_requests(
    base: &[MeetingRequestView],
    overlay: &HashMap<i64, MeetingRequestView>,
) -> Vec<MeetingRequestView> {
    let mut out: Vec<MeetingRequestView> = base
        .iter()
        .map(|item| match overlay.get(&item.id) {
            Some(newer) if supersedes(newer, item) => newer.clone(),
            _ => item.clone(),
        })
        .collect();
    for item in overlay.values() {
        if !base.iter().any(|b| b.id == item.id) {
            out.push(item.clone());
        }
    }
    out.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared::model::{Direction, MeetingType, PartyView};

    fn item(id: i64, status: MeetingStatus, created: &str) -> MeetingRequestView {
        MeetingRequestView {
            id,
            requester: Some(PartyView {
                id: 1,
                full_name: "John Doe".into(),
                role: Role::Patient,
            }),
            expert: None,
            message: "m".into(),
            status,
            created_at: created.into(),
            updated_at: None,
            preferred_at: "2030-01-01T10:00:00Z".into(),
            meeting_type: MeetingType::VideoCall,
            time_zone: "UTC".into(),
            decision_reason: None,
            duration_minutes: 30,
            proposed_at: None,
            details: None,
            direction: Direction::Received,
        }
    }

    #[test]
    fn notices_tell_of_the_other_party_only() {
        let mut r = item(1, MeetingStatus::Accepted, "2025-01-01T00:00:00Z");
        r.requester = None;
        r.expert = Some(PartyView {
            id: 2,
            full_name: "Dr. Sarah Smith".into(),
            role: Role::Researcher,
        });
        let text = |r: &MeetingRequestView, role, by| notice_for(r, role, by).map(|(t, _)| t);
        assert_eq!(
            text(&r, Role::Patient, Party::Expert).as_deref(),
            Some("Dr. Sarah Smith accepted your meeting request")
        );
        // Your own move (from another tab) is no news.
        assert_eq!(text(&r, Role::Patient, Party::Requester), None);
        r.status = MeetingStatus::Proposed;
        assert_eq!(
            text(&r, Role::Patient, Party::Expert).as_deref(),
            Some("Dr. Sarah Smith proposed another time")
        );
        r.status = MeetingStatus::Expired;
        assert_eq!(
            text(&r, Role::Patient, Party::Server).as_deref(),
            Some("Your meeting request to Dr. Sarah Smith expired")
        );
        let mut r = item(1, MeetingStatus::Cancelled, "2025-01-01T00:00:00Z");
        assert_eq!(
            text(&r, Role::Researcher, Party::Requester).as_deref(),
            Some("John Doe cancelled their meeting request")
        );
        r.proposed_at = Some("2030-01-02T10:00:00Z".into());
        assert_eq!(
            text(&r, Role::Researcher, Party::Requester).as_deref(),
            Some("John Doe declined the new time")
        );
        r.status = MeetingStatus::Accepted;
        r.preferred_at = "2030-01-02T10:00:00Z".into();
        assert_eq!(
            text(&r, Role::Researcher, Party::Requester).as_deref(),
            Some("John Doe accepted the new time")
        );
    }

    #[test]
    fn a_later_stage_replaces_an_earlier_one() {
        let at = "2025-01-01T00:00:00Z";
        let (pending, accepted, cancelled) = (
            item(1, MeetingStatus::Pending, at),
            item(1, MeetingStatus::Accepted, at),
            item(1, MeetingStatus::Cancelled, at),
        );
        assert!(supersedes(&accepted, &pending));
        assert!(!supersedes(&pending, &accepted));
        assert!(supersedes(&cancelled, &accepted));
        assert!(!supersedes(&accepted, &cancelled));
    }

    #[test]
    fn overlay_updates_adds_and_never_reverts_a_final_status() {
        let base = vec![
            item(2, MeetingStatus::Pending, "2025-01-02T00:00:00Z"),
            item(1, MeetingStatus::Accepted, "2025-01-01T00:00:00Z"),
        ];
        let mut overlay = HashMap::new();
        overlay.insert(2, item(2, MeetingStatus::Rejected, "2025-01-02T00:00:00Z"));
        overlay.insert(1, item(1, MeetingStatus::Pending, "2025-01-01T00:00:00Z"));
        overlay.insert(3, item(3, MeetingStatus::Pending, "2025-01-03T00:00:00Z"));
        let merged = merge_requests(&base, &overlay);
        let got: Vec<(i64, MeetingStatus)> = merged.iter().map(|m| (m.id, m.status)).collect();
        assert_eq!(
            got,
            vec![
                (3, MeetingStatus::Pending),
                (2, MeetingStatus::Rejected),
                (1, MeetingStatus::Accepted)
            ]
        );
    }
}

/// `Turn on desktop notifications`: asks the browser's permission (never at
/// page load), then says whether they are on. Shown once hydrated, where
/// the browser has notifications.
#[component]
pub fn DesktopNotifications() -> impl IntoView {
    let permission = RwSignal::new(None::<&'static str>);
    Effect::new(move |_| permission.set(super::browser::notification_permission()));
    // The paragraph is there from the server's first paint, its height
    // reserved (style/main.css), so what fills it once the browser has
    // answered moves nothing below it.
    let state = move || match permission.get() {
        Some("default") => Some(
            view! {
                <button
                    type="button"
                    class="button secondary small"
                    on:click=move |_| {
                        super::browser::ask_notification_permission(move || {
                            permission.set(super::browser::notification_permission())
                        })
                    }
                >
                    "Turn on desktop notifications"
                </button>
            }
            .into_any(),
        ),
        Some("granted") => {
            Some(view! { <span class="muted">"Desktop notifications are on."</span> }.into_any())
        }
        Some(_) => Some(
            view! {
                <span class="muted">
                    "Desktop notifications are blocked in this browser's site settings."
                </span>
            }
            .into_any(),
        ),
        None => None,
    };
    view! { <p class="desktop-notifications">{state}</p> }
}
