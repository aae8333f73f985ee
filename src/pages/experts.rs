use crate::api::meetings::{SendRequest, list_experts};
use crate::components::codec::Loaded;
use crate::components::dialog::RequestDialog;
use crate::components::guard::RequireRole;
use crate::components::live::use_live;
use crate::components::widgets::Banner;
use crate::shared::model::{ExpertView, Role};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Whether an expert matches the search box (name or specialty).
pub fn matches(expert: &ExpertView, query: &str) -> bool {
    let query = query.trim().to_lowercase();
    query.is_empty()
        || expert.full_name.to_lowercase().contains(&query)
        || expert.specialty.to_lowercase().contains(&query)
}

#[component]
pub fn ExpertsPage() -> impl IntoView {
    view! {
        <Title text="Experts"/>
        <RequireRole role=Role::Patient render=|_| view! { <Directory/> }/>
    }
}

#[component]
fn Directory() -> impl IntoView {
    let live = use_live();
    let experts = Loaded::new_with_options(|| (), |_| list_experts(), false);
    let query = use_query_map();
    let (initial_search, initial_open, sent) = query.with_untracked(|q| {
        (
            q.get("q").unwrap_or_default(),
            q.get("request").and_then(|v| v.parse::<i64>().ok()),
            q.get("sent").is_some(),
        )
    });
    let search = RwSignal::new(initial_search);
    let open = RwSignal::new(initial_open);
    let confirmation =
        RwSignal::new(sent.then(|| {
            "Meeting request sent. You will see the answer on your dashboard.".to_string()
        }));
    let send = ServerAction::<SendRequest>::new();

    Effect::new(move |_| {
        if let Some(Ok(item)) = send.value().get() {
            confirmation.set(Some(format!(
                "Meeting request sent to {}. You will see the answer on your dashboard.",
                item.counterpart_name()
            )));
            let closed = open.get_untracked();
            open.set(None);
            live.upsert(item);
            send.value().set(None);
            if let Some(id) = closed {
                crate::components::browser::focus_id(&format!("request-{id}"));
            }
        }
    });
    let close = Callback::new(move |_| {
        let closed = open.get_untracked();
        open.set(None);
        send.value().set(None);
        if let Some(id) = closed {
            crate::components::browser::focus_id(&format!("request-{id}"));
        }
    });

    view! {
        <section class="page">
            <div class="page-head">
                <h1>"Experts"</h1>
                <p class="lead">"Researchers you can ask for a meeting."</p>
            </div>
            {move || confirmation.get().map(|text| view! { <Banner text/> })}
            <form class="search" method="get" action="/experts" role="search" on:submit=|ev| ev.prevent_default()>
                <label for="search">"Search by name or specialty"</label>
                <input
                    id="search"
                    name="q"
                    type="search"
                    placeholder="e.g. Cardiology"
                    prop:value=move || search.get()
                    on:input=move |ev| search.set(event_target_value(&ev))
                />
            </form>
            <Suspense fallback=|| view! { <p class="loading">"Loading researchers…"</p> }>
                {move || {
                    experts
                        .get()
                        .map(|result| match result {
                            Err(err) => view! { <Banner text=err.message error=true/> }.into_any(),
                            Ok(list) => {
                                let shown: Vec<ExpertView> = list
                                    .iter()
                                    .filter(|e| matches(e, &search.get()))
                                    .cloned()
                                    .collect();
                                let dialog_expert = open
                                    .get()
                                    .and_then(|id| list.iter().find(|e| e.id == id).cloned());
                                view! {
                                    {if shown.is_empty() {
                                        view! { <p class="empty">"No researchers match your search."</p> }.into_any()
                                    } else {
                                        view! {
                                            <ul class="expert-grid">
                                                {shown
                                                    .into_iter()
                                                    .map(|expert| view! { <ExpertCard expert open/> })
                                                    .collect_view()}
                                            </ul>
                                        }
                                            .into_any()
                                    }}
                                    {dialog_expert
                                        .map(|expert| {
                                            view! { <RequestDialog expert action=send on_close=close/> }
                                        })}
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
fn ExpertCard(expert: ExpertView, open: RwSignal<Option<i64>>) -> impl IntoView {
    let id = expert.id;
    let initials: String = expert
        .full_name
        .split_whitespace()
        .filter(|w| !w.ends_with('.'))
        .filter_map(|w| w.chars().next())
        .take(2)
        .collect();
    view! {
        <li class="card expert">
            <div class="avatar" aria-hidden="true">{initials}</div>
            <div class="expert-body">
                <h2>{expert.full_name.clone()}</h2>
                <p class="specialty">{expert.specialty.clone()}</p>
                <p class="institution">{expert.institution.clone()}</p>
                <p class="bio">{expert.bio.clone()}</p>
                <form method="get" action="/experts">
                    <input type="hidden" name="request" value=id/>
                    <button
                        type="submit"
                        class="button"
                        id=format!("request-{id}")
                        on:click=move |ev| {
                            ev.prevent_default();
                            open.set(Some(id));
                        }
                    >
                        "Request Meeting"
                    </button>
                </form>
            </div>
        </li>
    }
}
