//! The wire format: what the JSON API and the live stream send, compiled for
//! both builds so that it is defined once.

pub use crate::domain::{MeetingStatus, MeetingType, Party, Role};
use serde::{Deserialize, Serialize};

/// `user` of the HTTP API: never carries the password hash.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: i64,
    pub full_name: String,
    pub role: Role,
    pub email: String,
}

/// A researcher as listed on the Experts page and by `GET /api/experts`.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpertView {
    pub id: i64,
    pub full_name: String,
    pub role: Role,
    pub specialty: String,
    pub institution: String,
    pub bio: String,
}

/// The other party of a request, as embedded in a request item.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyView {
    pub id: i64,
    pub full_name: String,
    pub role: Role,
}

/// Whether the caller sent or received a request.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Sent,
    Received,
}

/// One meeting request as one of its two parties sees it (the `ITEM` of the
/// API and of the live stream). A researcher sees `requester`, a patient
/// sees `expert`.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingRequestView {
    pub id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester: Option<PartyView>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expert: Option<PartyView>,
    pub message: String,
    pub status: MeetingStatus,
    pub created_at: String,
    pub updated_at: Option<String>,
    pub preferred_at: String,
    pub meeting_type: MeetingType,
    pub time_zone: String,
    pub decision_reason: Option<String>,
    /// 15, 30, 45 or 60.
    pub duration_minutes: u32,
    /// The other time the expert proposed, if they did.
    pub proposed_at: Option<String>,
    /// How to join; null unless the meeting is accepted.
    pub details: Option<String>,
    #[serde(rename = "type")]
    pub direction: Direction,
}

impl MeetingRequestView {
    /// The other party's name, whichever side the viewer is on.
    pub fn counterpart_name(&self) -> &str {
        self.requester
            .as_ref()
            .or(self.expert.as_ref())
            .map(|p| p.full_name.as_str())
            .unwrap_or("")
    }
}

/// What a user chose to be told (`GET`/`PUT /api/me/preferences`).
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preferences {
    /// Email about changes to one's meeting requests made by the other
    /// party or by the server.
    pub email_notifications: bool,
}

/// A page of a dashboard's list, and whether older requests remain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestPage {
    pub items: Vec<MeetingRequestView>,
    pub more: bool,
}

/// Close codes of the live stream: why the server ended a connection.
pub mod close_code {
    /// The client fell behind: reconnect and resume with `since`.
    pub const FELL_BEHIND: u16 = 4000;
    /// The user opened too many sockets; this one, the oldest, gave way.
    pub const REPLACED: u16 = 4001;
    /// The session ended (logout, idle time, lifetime).
    pub const SESSION_ENDED: u16 = 4002;
}

/// The frames of the live stream at `GET /api/ws`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum LiveEvent {
    #[serde(rename = "meeting_request.created")]
    Created {
        event_id: i64,
        request: MeetingRequestView,
    },
    #[serde(rename = "meeting_request.status_changed")]
    StatusChanged {
        event_id: i64,
        request: MeetingRequestView,
        /// Who made the change: `requester`, `expert` or `server`.
        by: Party,
    },
    #[serde(rename = "pending_count")]
    PendingCount { count: i64 },
    /// Too much was missed to replay: reload the lists, then go on live.
    #[serde(rename = "resync")]
    Resync,
}

/// A frame of the live stream as read in the browser: every field any frame
/// has, side by side. Read straight into this, a frame needs no buffering
/// (an internally tagged enum is read through serde's `Content` first, a
/// second reader of every request in the WebAssembly); `LiveEvent::read`
/// then picks the variant. A test holds it to what `LiveEvent` writes.
#[derive(Deserialize)]
struct Frame {
    #[serde(rename = "type")]
    kind: String,
    event_id: Option<i64>,
    request: Option<MeetingRequestView>,
    by: Option<Party>,
    count: Option<i64>,
}

impl LiveEvent {
    /// The event a text frame carries, if it is one this client knows.
    pub fn read(frame: &[u8]) -> Option<LiveEvent> {
        let f: Frame = serde_json::from_slice(frame).ok()?;
        Some(match f.kind.as_str() {
            "meeting_request.created" => LiveEvent::Created {
                event_id: f.event_id?,
                request: f.request?,
            },
            "meeting_request.status_changed" => LiveEvent::StatusChanged {
                event_id: f.event_id?,
                request: f.request?,
                by: f.by?,
            },
            "pending_count" => LiveEvent::PendingCount { count: f.count? },
            "resync" => LiveEvent::Resync,
            _ => return None,
        })
    }

    pub fn event_id(&self) -> Option<i64> {
        match self {
            LiveEvent::Created { event_id, .. } | LiveEvent::StatusChanged { event_id, .. } => {
                Some(*event_id)
            }
            LiveEvent::PendingCount { .. } | LiveEvent::Resync => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the server writes, the browser reads back as it was.
    #[test]
    fn every_frame_reads_back_as_written() {
        let request: MeetingRequestView = serde_json::from_value(serde_json::json!({
            "id": 7, "requester": {"id": 1, "full_name": "Pat Patient", "role": "patient"},
            "message": "Hello", "status": "accepted", "created_at": "2026-11-27T10:00:00Z",
            "updated_at": "2026-11-27T11:00:00Z", "preferred_at": "2026-11-30T14:00:00Z",
            "meeting_type": "Video Call", "time_zone": "Europe/Paris",
            "decision_reason": null, "duration_minutes": 30, "proposed_at": null,
            "details": "https://meet.example.org/7", "type": "received",
        }))
        .unwrap();
        for event in [
            LiveEvent::Created {
                event_id: 3,
                request: request.clone(),
            },
            LiveEvent::StatusChanged {
                event_id: 4,
                request,
                by: Party::Expert,
            },
            LiveEvent::PendingCount { count: 5 },
            LiveEvent::Resync,
        ] {
            let frame = serde_json::to_vec(&event).unwrap();
            assert_eq!(LiveEvent::read(&frame), Some(event));
        }
        assert_eq!(LiveEvent::read(br#"{"type": "pending_count"}"#), None);
        assert_eq!(LiveEvent::read(br#"{"type": "news", "count": 1}"#), None);
        assert_eq!(LiveEvent::read(b"not json"), None);
    }

    #[test]
    fn live_event_wire_format() {
        let frame = serde_json::to_value(LiveEvent::PendingCount { count: 3 }).unwrap();
        assert_eq!(
            frame,
            serde_json::json!({"type": "pending_count", "count": 3})
        );
    }
}
