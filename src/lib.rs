#![recursion_limit = "256"]
//! Real-time meeting requests between patients and researchers.
//!
//! One crate, two builds: `ssr` (the axum server, `server`) and `hydrate`
//! (the WebAssembly client). `shared` and the components compile for both.

pub mod api;
pub mod app;
pub mod components;
pub mod domain;
pub mod pages;
pub mod shared;

#[cfg(feature = "ssr")]
pub mod server;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // Readable panics in the console while developing; the release build
    // leaves the hook (and the formatting it pulls in) out.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
