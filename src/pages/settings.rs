use crate::api::settings::{SavePreferences, my_preferences};
use crate::components::codec::Loaded;
use crate::components::form::Form;
use crate::components::guard::RequireRole;
use crate::components::widgets::Banner;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// `/settings`, for everyone: whether to be emailed (SPEC 12). A plain form:
/// it works before (and without) the WebAssembly.
#[component]
pub fn SettingsPage() -> impl IntoView {
    view! {
        <Title text="Settings"/>
        <RequireRole render=|_| view! { <SettingsForm/> }/>
    }
}

#[component]
fn SettingsForm() -> impl IntoView {
    let save = ServerAction::<SavePreferences>::new();
    let loaded =
        Loaded::new_with_options(move || save.version().get(), |_| my_preferences(), false);
    let saved_before = use_query_map().with_untracked(|q| q.get("saved").is_some());
    let banner = move || match save.value().get() {
        Some(Ok(_)) => Some((String::from("Your settings were saved."), false)),
        Some(Err(err)) => Some((err.message, true)),
        None => saved_before.then(|| (String::from("Your settings were saved."), false)),
    };
    view! {
        <section class="page narrow">
            <div class="card form-card">
                <h1>"Settings"</h1>
                {move || banner().map(|(text, error)| view! { <Banner text error/> })}
                <Suspense fallback=|| view! { <p class="loading">"Loading your settings…"</p> }>
                    {move || {
                        loaded
                            .get()
                            .map(|result| match result {
                                Err(err) => view! { <Banner text=err.message error=true/> }.into_any(),
                                Ok(prefs) => {
                                    view! {
                                        <Form action=save>
                                            <div class="check">
                                                <input
                                                    type="checkbox"
                                                    id="email_notifications"
                                                    name="email_notifications"
                                                    value="on"
                                                    checked=prefs.email_notifications
                                                    aria-describedby="email-hint"
                                                />
                                                <label for="email_notifications">
                                                    "Email me about my meeting requests"
                                                </label>
                                            </div>
                                            <p class="hint" id="email-hint">
                                                "An email when the other person answers, proposes a time, cancels, or when a request expires. "
                                                "It never contains your message or how to join: those stay in the app."
                                            </p>
                                            <button type="submit" class="button" disabled=move || save.pending().get()>
                                                "Save"
                                            </button>
                                        </Form>
                                    }
                                        .into_any()
                                }
                            })
                    }}
                </Suspense>
            </div>
        </section>
    }
}
