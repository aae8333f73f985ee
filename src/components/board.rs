//! What both dashboards share: the caller's requests as loaded, with the live
//! overlay laid over them, and the action that answers or cancels one, with
//! its confirmation banner.

use crate::api::meetings::{AnswerRequest, my_requests};
use crate::components::live::{Live, merge_requests, use_live};
use crate::shared::error::ApiError;
use crate::shared::model::{MeetingRequestView, MeetingStatus};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// A banner's text, and whether it reports an error.
pub type BannerText = Option<(String, bool)>;

#[derive(Clone, Copy)]
pub struct Board {
    live: Live,
    pub loaded: Resource<Result<Vec<MeetingRequestView>, ApiError>>,
    pub answer: ServerAction<AnswerRequest>,
    pub banner: RwSignal<BannerText>,
}

impl Board {
    /// `confirm` words the banner after a change of status, naming the other
    /// party (an empty name when unknown: a plain form post comes back with
    /// only `?done=<status>`).
    pub fn new(confirm: fn(MeetingStatus, &str) -> String) -> Board {
        let live = use_live();
        let loaded = Resource::new(|| (), |_| my_requests());
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
            loaded,
            answer,
            banner,
        }
    }

    /// The requests to show: as loaded, with newer versions laid over.
    pub fn requests(&self) -> Option<Result<Vec<MeetingRequestView>, ApiError>> {
        let overlay = self.live.overlay;
        self.loaded
            .get()
            .map(|r| r.map(|base| merge_requests(&base, &overlay.get())))
    }
}
