//! The closed sets of the domain: roles, meeting types and statuses. Each has
//! one spelling on the wire and in the database (`as_str`), read back by
//! `from_str_exact`; `parse` is the lenient reading of user input.

use serde::{Deserialize, Serialize};

/// The words a closed set is written with, in JSON and in its database
/// column. `repo` maps every such type to a text column through this trait.
pub trait Spelled: Sized + Copy + 'static {
    const ALL: &'static [Self];
    fn as_str(self) -> &'static str;

    /// The value spelled exactly `text`, as stored.
    fn from_str_exact(text: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_str() == text)
    }
}

/// The two kinds of account. A user has exactly one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Patient,
    Researcher,
}

impl Spelled for Role {
    const ALL: &'static [Role] = &[Role::Patient, Role::Researcher];
    fn as_str(self) -> &'static str {
        match self {
            Role::Patient => "patient",
            Role::Researcher => "researcher",
        }
    }
}

impl Role {
    pub fn as_str(self) -> &'static str {
        Spelled::as_str(self)
    }

    /// Case and surrounding space do not matter.
    pub fn parse(value: &str) -> Option<Role> {
        Role::from_str_exact(&value.trim().to_ascii_lowercase())
    }

    /// Where a user of this role lands after logging in.
    pub fn dashboard_path(self) -> &'static str {
        match self {
            Role::Patient => "/dashboard/patient",
            Role::Researcher => "/dashboard/researcher",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum MeetingType {
    #[serde(rename = "Video Call")]
    VideoCall,
    #[serde(rename = "Phone Call")]
    PhoneCall,
    #[serde(rename = "In Person")]
    InPerson,
}

impl Spelled for MeetingType {
    const ALL: &'static [MeetingType] = &[
        MeetingType::VideoCall,
        MeetingType::PhoneCall,
        MeetingType::InPerson,
    ];
    fn as_str(self) -> &'static str {
        self.label()
    }
}

impl MeetingType {
    /// The words shown to people, which are also the stored and JSON values.
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

/// Where a request stands. `status.rs` says who may move it where.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum MeetingStatus {
    Pending,
    /// The expert proposed another time; the requester has not answered.
    Proposed,
    Accepted,
    Rejected,
    Cancelled,
    /// Its time passed unanswered.
    Expired,
}

impl Spelled for MeetingStatus {
    const ALL: &'static [MeetingStatus] = &[
        MeetingStatus::Pending,
        MeetingStatus::Proposed,
        MeetingStatus::Accepted,
        MeetingStatus::Rejected,
        MeetingStatus::Cancelled,
        MeetingStatus::Expired,
    ];
    fn as_str(self) -> &'static str {
        match self {
            MeetingStatus::Pending => "pending",
            MeetingStatus::Proposed => "proposed",
            MeetingStatus::Accepted => "accepted",
            MeetingStatus::Rejected => "rejected",
            MeetingStatus::Cancelled => "cancelled",
            MeetingStatus::Expired => "expired",
        }
    }
}

impl MeetingStatus {
    pub fn as_str(self) -> &'static str {
        Spelled::as_str(self)
    }

    /// A requested status; `declined` is an alias of `rejected`, as the API
    /// allows, and case does not matter.
    pub fn parse(value: &str) -> Option<MeetingStatus> {
        match value.trim().to_ascii_lowercase().as_str() {
            "declined" => Some(MeetingStatus::Rejected),
            "canceled" => Some(MeetingStatus::Cancelled),
            other => MeetingStatus::from_str_exact(other),
        }
    }

    /// The word on the status badge.
    pub fn label(self) -> &'static str {
        match self {
            MeetingStatus::Pending => "Pending",
            MeetingStatus::Proposed => "Proposed",
            MeetingStatus::Accepted => "Accepted",
            MeetingStatus::Rejected => "Declined",
            MeetingStatus::Cancelled => "Cancelled",
            MeetingStatus::Expired => "Expired",
        }
    }

    /// How far along the flow a request is: a later stage always replaces
    /// an earlier one (a frame that arrives late never undoes a newer one).
    pub fn stage(self) -> u8 {
        match self {
            MeetingStatus::Pending => 0,
            MeetingStatus::Proposed => 1,
            MeetingStatus::Accepted => 2,
            _ => 3,
        }
    }

    /// Whether nothing can move the request any more.
    pub fn is_final(self) -> bool {
        !super::status::TRANSITIONS.iter().any(|t| t.from == self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declined_is_an_alias_of_rejected() {
        assert_eq!(
            MeetingStatus::parse("declined"),
            Some(MeetingStatus::Rejected)
        );
        assert_eq!(
            MeetingStatus::parse("Rejected"),
            Some(MeetingStatus::Rejected)
        );
        assert_eq!(MeetingStatus::parse("done"), None);
        assert_eq!(MeetingStatus::Rejected.label(), "Declined");
    }

    #[test]
    fn meeting_types_parse_from_label_and_snake_case() {
        for t in MeetingType::ALL {
            assert_eq!(MeetingType::parse(t.label()), Some(*t));
        }
        assert_eq!(MeetingType::parse("in_person"), Some(MeetingType::InPerson));
        assert_eq!(MeetingType::parse("Carrier pigeon"), None);
    }

    /// The JSON spelling and the stored spelling are one and the same.
    #[test]
    fn serde_names_equal_the_stored_words() {
        fn check<T: Spelled + Serialize + std::fmt::Debug + PartialEq>() {
            for v in T::ALL {
                assert_eq!(serde_json::to_value(v).unwrap(), v.as_str());
                assert_eq!(T::from_str_exact(v.as_str()), Some(*v));
            }
        }
        check::<Role>();
        check::<MeetingType>();
        check::<MeetingStatus>();
        assert_eq!(Role::parse(" Researcher "), Some(Role::Researcher));
        assert!(!MeetingStatus::Pending.is_final());
        assert!(!MeetingStatus::Accepted.is_final());
        assert!(MeetingStatus::Expired.is_final());
    }
}
