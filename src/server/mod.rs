//! Everything only the server compiles: configuration, database, services,
//! HTTP and WebSocket handlers.

pub mod calendar;
pub mod config;
pub mod db;
pub mod demo;
pub mod directory;
pub mod error;
pub mod fns;
pub mod http;
pub mod hub;
pub mod jobs;
pub mod mail;
pub mod passwords;
pub mod recent;
pub mod repo;
pub mod serve;
pub mod services;
pub mod session_cache;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod zones;
