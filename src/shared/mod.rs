//! What the server and the WebAssembly client exchange: the wire format and
//! the error shape, defined once. The input rules live in `crate::domain`.

pub mod error;
pub mod model;
pub mod notice;

/// The product's name, in titles and the header.
pub const PRODUCT_NAME: &str = "CareBridge";
