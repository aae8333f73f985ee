//! How a resource's value travels from the server's render to the browser:
//! JSON, as with leptos' default codec, but read from bytes, as server
//! functions' answers are read. `serde_json::from_str` and `from_slice` are
//! two readers, each instantiated for every type it reads; with one of them
//! the WebAssembly carries a single JSON reader per type.

use leptos::prelude::Resource;
use leptos::server::codee::{Decoder, Encoder};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub struct Json;

impl<T: Serialize> Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(text: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(text.as_bytes())
    }
}

/// A resource whose value comes with the page (`Json`).
pub type Loaded<T> = Resource<T, Json>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared::error::ApiError;

    #[test]
    fn values_come_back_as_they_went() {
        let value: Result<Vec<i64>, ApiError> = Ok(vec![1, 2]);
        let text = <Json as Encoder<_>>::encode(&value).unwrap();
        let back: Result<Vec<i64>, ApiError> = <Json as Decoder<_>>::decode(&text).unwrap();
        assert_eq!(back, value);
        assert!(<Json as Decoder<Vec<i64>>>::decode("[1,").is_err());
    }
}
