//! Pieces shared by the pages.

pub mod board;
pub mod browser;
pub mod codec;
pub mod dialog;
pub mod form;
pub mod guard;
pub mod live;
pub mod meetings;
pub mod nav;
pub mod session;
pub mod widgets;
