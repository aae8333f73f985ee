//! The status flow of SPEC sections 5 and 11, as data: who may move a request
//! from which status to which. Everything else (the API's 400/403/409, what
//! the dashboards offer, which statuses are final) is read from this table.

use super::kinds::MeetingStatus::{self, Accepted, Cancelled, Pending, Rejected};
use super::text::Reason;
use crate::shared::error::ApiError;

/// The side of a request someone is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Party {
    /// The patient who sent it.
    Requester,
    /// The researcher it was sent to.
    Expert,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    pub by: Party,
    pub from: MeetingStatus,
    pub to: MeetingStatus,
}

const fn step(by: Party, from: MeetingStatus, to: MeetingStatus) -> Transition {
    Transition { by, from, to }
}

/// Every move a request can make. Nothing leaves a status that is not a
/// `from` here.
pub const TRANSITIONS: &[Transition] = &[
    step(Party::Expert, Pending, Accepted),
    step(Party::Expert, Pending, Rejected),
    step(Party::Requester, Pending, Cancelled),
];

/// Why a move was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// This party never makes this move (403).
    NotYours { to: MeetingStatus },
    /// The move exists, but not from where the request is now (409).
    AlreadyMoved { now: MeetingStatus },
}

/// Whether `by` may move a request from `from` to `to`.
pub fn authorize(by: Party, from: MeetingStatus, to: MeetingStatus) -> Result<(), Refusal> {
    if TRANSITIONS.contains(&step(by, from, to)) {
        Ok(())
    } else if TRANSITIONS.iter().any(|t| t.by == by && t.to == to) {
        Err(Refusal::AlreadyMoved { now: from })
    } else {
        Err(Refusal::NotYours { to })
    }
}

/// The statuses someone may ask for.
pub fn requestable(to: MeetingStatus) -> bool {
    TRANSITIONS.iter().any(|t| t.to == to)
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> ApiError {
        match refusal {
            Refusal::NotYours { to } => {
                let party = TRANSITIONS.iter().find(|t| t.to == to).map(|t| t.by);
                ApiError::forbidden(match party {
                    Some(Party::Requester) => "Only the patient who sent a request can cancel it.",
                    _ => "Only the researcher a request was sent to can answer it.",
                })
            }
            Refusal::AlreadyMoved { now } => ApiError::conflict(format!(
                "This request is no longer pending: it was already {}.",
                now.label().to_lowercase()
            )),
        }
    }
}

/// A requested change of status, parsed: `{status, reason?}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusChange {
    pub to: MeetingStatus,
    pub reason: Option<Reason>,
}

impl StatusChange {
    pub fn parse(status: &str, reason: Option<&str>) -> Result<StatusChange, ApiError> {
        let to = MeetingStatus::parse(status)
            .filter(|s| requestable(*s))
            .ok_or_else(|| {
                ApiError::invalid(
                    "status",
                    "Status must be accepted, rejected (or declined) or cancelled.",
                )
            })?;
        Ok(StatusChange {
            to,
            reason: Reason::parse(reason)?,
        })
    }
}

/// The `?status=` filter of a list: blank means every status.
pub fn parse_filter(raw: Option<&str>) -> Result<Option<MeetingStatus>, ApiError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => MeetingStatus::parse(s).map(Some).ok_or_else(|| {
            ApiError::invalid(
                "status",
                "Status must be pending, accepted, rejected or cancelled.",
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared::error::ErrorCode;

    #[test]
    fn the_flow_of_section_5() {
        use Party::*;
        assert_eq!(authorize(Expert, Pending, Accepted), Ok(()));
        assert_eq!(authorize(Expert, Pending, Rejected), Ok(()));
        assert_eq!(authorize(Requester, Pending, Cancelled), Ok(()));
        // The other side may not.
        assert_eq!(
            authorize(Requester, Pending, Accepted),
            Err(Refusal::NotYours { to: Accepted })
        );
        assert_eq!(
            authorize(Expert, Pending, Cancelled),
            Err(Refusal::NotYours { to: Cancelled })
        );
        // Nothing leaves a final status.
        for from in [Accepted, Rejected, Cancelled] {
            assert!(from.is_final());
            assert_eq!(
                authorize(Expert, from, Accepted),
                Err(Refusal::AlreadyMoved { now: from })
            );
        }
    }

    #[test]
    fn refusals_map_to_403_and_409() {
        let e: ApiError = Refusal::NotYours { to: Cancelled }.into();
        assert_eq!(e.code, ErrorCode::Forbidden);
        let e: ApiError = Refusal::AlreadyMoved { now: Rejected }.into();
        assert_eq!(e.code, ErrorCode::Conflict);
        assert!(e.message.contains("already declined"), "{}", e.message);
    }

    #[test]
    fn status_changes_parse_once() {
        let change = StatusChange::parse("Declined", Some("  busy ")).unwrap();
        assert_eq!(change.to, Rejected);
        assert_eq!(change.reason.as_ref().map(Reason::as_str), Some("busy"));
        for bad in ["pending", "done", ""] {
            let err = StatusChange::parse(bad, None).unwrap_err();
            assert_eq!(err.field.as_deref(), Some("status"), "{bad}");
        }
        assert_eq!(parse_filter(Some(" ")), Ok(None));
        assert_eq!(parse_filter(Some("declined")), Ok(Some(Rejected)));
        assert!(parse_filter(Some("nope")).is_err());
        let err = StatusChange::parse("accepted", Some(&"r".repeat(501))).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("reason"));
    }
}
