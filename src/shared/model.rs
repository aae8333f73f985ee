use serde::{Deserialize, Serialize};

/// The two kinds of account. A user has exactly one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Patient,
    Researcher,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Patient => "patient",
            Role::Researcher => "researcher",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        match value.trim().to_ascii_lowercase().as_str() {
            "patient" => Some(Role::Patient),
            "researcher" => Some(Role::Researcher),
            _ => None,
        }
    }

    /// Where a user of this role lands after logging in.
    pub fn dashboard_path(self) -> &'static str {
        match self {
            Role::Patient => "/dashboard/patient",
            Role::Researcher => "/dashboard/researcher",
        }
    }
}

/// `user` of the HTTP API: never carries the password hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: i64,
    pub full_name: String,
    pub role: Role,
    pub email: String,
}

/// A researcher as listed on the Experts page and by `GET /api/experts`.
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyView {
    pub id: i64,
    pub full_name: String,
    pub role: Role,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RequestStatus {
    Pending,
    Accepted,
    Rejected,
    Cancelled,
}

impl RequestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Pending => "pending",
            RequestStatus::Accepted => "accepted",
            RequestStatus::Rejected => "rejected",
            RequestStatus::Cancelled => "cancelled",
        }
    }

    /// Parses a stored or requested status; `declined` is accepted as an alias
    /// of `rejected`, as the API allows.
    pub fn parse(value: &str) -> Option<RequestStatus> {
        match value.trim().to_ascii_lowercase().as_str() {
            "pending" => Some(RequestStatus::Pending),
            "accepted" => Some(RequestStatus::Accepted),
            "rejected" | "declined" => Some(RequestStatus::Rejected),
            "cancelled" | "canceled" => Some(RequestStatus::Cancelled),
            _ => None,
        }
    }

    /// The word on the status badge.
    pub fn label(self) -> &'static str {
        match self {
            RequestStatus::Pending => "Pending",
            RequestStatus::Accepted => "Accepted",
            RequestStatus::Rejected => "Declined",
            RequestStatus::Cancelled => "Cancelled",
        }
    }

    pub fn is_final(self) -> bool {
        !matches!(self, RequestStatus::Pending)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MeetingType {
    #[serde(rename = "Video Call")]
    VideoCall,
    #[serde(rename = "Phone Call")]
    PhoneCall,
    #[serde(rename = "In Person")]
    InPerson,
}

impl MeetingType {
    pub const ALL: [MeetingType; 3] = [
        MeetingType::VideoCall,
        MeetingType::PhoneCall,
        MeetingType::InPerson,
    ];

    pub fn label(self) -> &'static str {
        match self {
            MeetingType::VideoCall => "Video Call",
            MeetingType::PhoneCall => "Phone Call",
            MeetingType::InPerson => "In Person",
        }
    }

    /// Accepts the label (`Video Call`) and the snake form (`video_call`).
    pub fn parse(value: &str) -> Option<MeetingType> {
        let normal: String = value
            .trim()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        match normal.as_str() {
            "videocall" | "video" => Some(MeetingType::VideoCall),
            "phonecall" | "phone" => Some(MeetingType::PhoneCall),
            "inperson" => Some(MeetingType::InPerson),
            _ => None,
        }
    }
}

/// Whether the caller sent or received a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Sent,
    Received,
}

/// One meeting request as one of its two parties sees it (the `ITEM` of the
/// API and of the live stream). A researcher sees `requester`, a patient
/// sees `expert`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingRequestView {
    pub id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester: Option<PartyView>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expert: Option<PartyView>,
    pub message: String,
    pub status: RequestStatus,
    pub created_at: String,
    pub updated_at: Option<String>,
    pub preferred_at: String,
    pub meeting_type: MeetingType,
    pub time_zone: String,
    pub decision_reason: Option<String>,
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
    },
    #[serde(rename = "pending_count")]
    PendingCount { count: i64 },
}

impl LiveEvent {
    pub fn event_id(&self) -> Option<i64> {
        match self {
            LiveEvent::Created { event_id, .. } | LiveEvent::StatusChanged { event_id, .. } => {
                Some(*event_id)
            }
            LiveEvent::PendingCount { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declined_is_an_alias_of_rejected() {
        assert_eq!(
            RequestStatus::parse("declined"),
            Some(RequestStatus::Rejected)
        );
        assert_eq!(
            RequestStatus::parse("Rejected"),
            Some(RequestStatus::Rejected)
        );
        assert_eq!(RequestStatus::parse("done"), None);
        assert_eq!(RequestStatus::Rejected.label(), "Declined");
    }

    #[test]
    fn meeting_types_parse_from_label_and_snake_case() {
        for t in MeetingType::ALL {
            assert_eq!(MeetingType::parse(t.label()), Some(t));
        }
        assert_eq!(MeetingType::parse("in_person"), Some(MeetingType::InPerson));
        assert_eq!(MeetingType::parse("Carrier pigeon"), None);
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
