//! Types and rules compiled for both the server and the WebAssembly client, so
//! that the wire format and the input rules are defined once.

pub mod error;
pub mod model;
pub mod rules;
