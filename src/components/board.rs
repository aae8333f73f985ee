//! What both dashboards share: lists of the caller's requests loaded a page
//! at a time, with the live overlay laid over them, and the action that
//! answers or cancels one, with its confirmation banner.

use crate::api::meetings::{AnswerRequest, my_requests};
use crate::components::codec::Loaded;
use crate::components::live::{Live, merge_requests, use_live};
use crate::shared::error::ApiError;
use crate::shared::model::{MeetingRequestView, MeetingStatus, RequestPage};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// A banner's text, and whether it reports an error.
pub type BannerText = Option<(String, bool)>;

#[derive(Clone, Copy)]
pub struct Board {
    pub live: Live,
    pub answer: ServerAction<AnswerRequest>,
    pub banner: RwSignal<BannerText>,
}

impl Board {
    /// `confirm` words the banner after a change of status, naming the other
    /// party (an empty name when unknown: a plain form post comes back with
    /// only `?done=<status>`).
    pub fn new(confirm: fn(MeetingStatus, &str) -> String) -> Board {
        let live = use_live();
        let answer = ServerAction::<AnswerRequest>::new();
        let done = use_query_map().with_untracked(|q| q.get("done"));
        let banner = RwSignal::new(
            done.and_then(|d| MeetingStatus::parse(&d))
                .map(|status| (confirm(status, ""), false)),
        );
        Effect::new(move |_| match answer.value().get() {
            Some(Ok(item)) => {
                banner.set(Some((confirm(item.status, item.counterpart_name()), false)));
                live.upsert(item);
            }
            Some(Err(err)) => banner.set(Some((err.message, true))),
            None => {}
        });
        Board {
            live,
            answer,
            banner,
        }
    }
}

/// One list of the caller's requests, newest first, a page at a time. The
/// first page starts below `?{param}=ID` when the URL has it (so "Show more"
/// works as a plain link before the WebAssembly has loaded); once hydrated,
/// "Show more" appends the next page in place.
#[derive(Clone, Copy)]
pub struct PagedList {
    live: Live,
    status: Option<MeetingStatus>,
    param: &'static str,
    first: Loaded<Result<RequestPage, ApiError>>,
    older: RwSignal<Vec<MeetingRequestView>>,
    /// Whether older pages remain, once a later page has said so.
    more: RwSignal<Option<bool>>,
    loading: RwSignal<bool>,
}

impl PagedList {
    pub fn new(status: Option<MeetingStatus>, param: &'static str) -> PagedList {
        let query = use_query_map();
        let before = move || query.with(|q| q.get(param).and_then(|b| b.parse::<i64>().ok()));
        let first = Loaded::new_with_options(
            before,
            move |before| my_requests(status.map(|s| s.as_str().to_string()), before),
            false,
        );
        let live = use_live();
        let list = PagedList {
            live,
            status,
            param,
            first,
            older: RwSignal::new(Vec::new()),
            more: RwSignal::new(None),
            loading: RwSignal::new(false),
        };
        // The stream missed too much to replay: load the list again.
        Effect::watch(
            move || live.resyncs.get(),
            move |_, _, _| list.reload(),
            false,
        );
        list
    }

    /// The requests loaded so far, with newer versions laid over.
    pub fn items(&self) -> Option<Result<Vec<MeetingRequestView>, ApiError>> {
        let (older, overlay) = (self.older, self.live.overlay);
        self.first.get().map(|page| {
            page.map(|page| {
                let mut base = page.items;
                base.extend(older.get());
                merge_requests(&base, &overlay.get())
            })
        })
    }

    /// Whether older requests remain to be shown.
    pub fn has_more(&self) -> bool {
        self.more
            .get()
            .or_else(|| self.first.get().and_then(Result::ok).map(|p| p.more))
            .unwrap_or(false)
    }

    /// Loads the first page again and forgets the older ones.
    pub fn reload(&self) {
        self.older.set(Vec::new());
        self.more.set(None);
        self.first.refetch();
    }

    fn oldest_id(&self) -> Option<i64> {
        let first = self.first.get_untracked().and_then(Result::ok)?;
        first
            .items
            .iter()
            .chain(self.older.get_untracked().iter())
            .map(|r| r.id)
            .min()
    }

    fn load_more(self) {
        let Some(before) = self.oldest_id() else {
            return;
        };
        if self.loading.get_untracked() {
            return;
        }
        self.loading.set(true);
        let status = self.status.map(|s| s.as_str().to_string());
        leptos::task::spawn_local(async move {
            if let Ok(page) = my_requests(status, Some(before)).await {
                self.older.update(|o| o.extend(page.items));
                self.more.set(Some(page.more));
            }
            self.loading.set(false);
        });
    }
}

/// "Show more" at the end of a list that has older pages: a link to the next
/// page that, once hydrated, appends it instead.
#[component]
pub fn ShowMore(list: PagedList) -> impl IntoView {
    move || {
        list.has_more().then(|| {
            let href = list
                .oldest_id()
                .map(|id| format!("?{}={id}", list.param))
                .unwrap_or_default();
            view! {
                <p class="show-more">
                    <a
                        href=href
                        class="button secondary"
                        role="button"
                        aria-disabled=move || list.loading.get().to_string()
                        on:click=move |ev| {
                            ev.prevent_default();
                            list.load_more();
                        }
                    >
                        "Show more"
                    </a>
                </p>
            }
        })
    }
}
