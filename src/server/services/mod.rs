//! The rules of the application. The JSON API, the server functions behind
//! the pages and the WebSocket all call these functions, and nothing else
//! decides who may do what.

pub mod accounts;
pub mod meetings;
