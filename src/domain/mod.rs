//! The domain: values that parse once at the edge and cannot hold an invalid
//! value, and the status flow as data. Compiled for the server and the
//! WebAssembly client alike, so the dialog checks input with the very rules
//! the server enforces.

pub mod account;
pub mod kinds;
pub mod page;
pub mod request;
pub mod status;
pub mod text;
pub mod time;

pub use account::{Credentials, NewAccount, NewAccountInput};
pub use kinds::{MeetingStatus, MeetingType, Role, Spelled};
pub use page::ListQuery;
pub use request::{NewMeetingRequest, NewMeetingRequestInput};
pub use status::{Party, StatusChange, StatusChangeInput};
pub use time::{MeetingTime, TimeInput, ZoneName, Zones};
