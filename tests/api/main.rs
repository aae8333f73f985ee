//! Integration tests: each starts the real application on a random port
//! against a fresh SQLite database and talks HTTP and WebSocket to it.

mod after_yes;
mod auth;
mod cluster;
mod email;
mod helpers;
mod hostile;
mod live;
mod meetings;
mod openapi;
