//! Server functions used by the pages. Compiled for both targets: the client
//! gets a stub that calls the server; the server runs the body, which only
//! takes what it needs from the request and calls a service.

pub mod auth;
pub mod meetings;
pub mod settings;
