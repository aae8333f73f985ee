//! The status flow of SPEC sections 5 and 11, as data: who may move a request
//! from which status to which. Everything else (the API's 400/403/409, what
//! the dashboards offer, which statuses are final) is read from this table.

use super::kinds::MeetingStatus::{
    self, Accepted, Cancelled, Expired, Pending, Proposed, Rejected,
};
use super::text::{Details, Reason};
use super::time::{MeetingTime, TimeInput, ZoneName, Zones, parse_zone};
use crate::shared::error::ApiError;
use chrono::{DateTime, Utc};

/// Who moves a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Party {
    /// The patient who sent it.
    Requester,
    /// The researcher it was sent to.
    Expert,
    /// The server itself (expiry).
    Server,
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
    step(Party::Expert, Pending, Proposed),
    step(Party::Requester, Pending, Cancelled),
    step(Party::Requester, Proposed, Accepted),
    step(Party::Requester, Proposed, Cancelled),
    step(Party::Requester, Accepted, Cancelled),
    step(Party::Expert, Accepted, Cancelled),
    step(Party::Server, Pending, Expired),
    step(Party::Server, Proposed, Expired),
];

/// Why a move was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// This party never makes this move from here (403).
    NotYours { by: Party },
    /// The move exists, but not from where the request is now (409).
    AlreadyMoved { now: MeetingStatus },
}

/// Whether `by` may move a request from `from` to `to`. A move you make,
/// but from an earlier stage, comes too late (409: someone moved it first,
/// or a proposal now waits for the patient); anything else is not yours to
/// make (403).
pub fn authorize(by: Party, from: MeetingStatus, to: MeetingStatus) -> Result<(), Refusal> {
    if TRANSITIONS.contains(&step(by, from, to)) {
        Ok(())
    } else if TRANSITIONS
        .iter()
        .any(|t| t.by == by && t.to == to && t.from.stage() < from.stage())
    {
        Err(Refusal::AlreadyMoved { now: from })
    } else {
        Err(Refusal::NotYours { by })
    }
}

/// The statuses a party may ask for (the server's own moves are not).
pub fn requestable(to: MeetingStatus) -> bool {
    TRANSITIONS
        .iter()
        .any(|t| t.to == to && t.by != Party::Server)
}

/// Whether `party` has a move from `from` to `to`: what a page offers.
pub fn offers(party: Party, from: MeetingStatus, to: MeetingStatus) -> bool {
    TRANSITIONS.contains(&step(party, from, to))
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> ApiError {
        match refusal {
            Refusal::NotYours {
                by: Party::Requester,
            } => ApiError::forbidden("Only the researcher a request was sent to can answer it."),
            Refusal::NotYours { .. } => ApiError::forbidden(
                "Only the patient who sent a request can cancel it or answer a proposed time.",
            ),
            Refusal::AlreadyMoved { now: Proposed } => ApiError::conflict(
                "Another time was proposed for this request: it waits for the patient's answer.",
            ),
            Refusal::AlreadyMoved { now } => ApiError::conflict(format!(
                "This request is no longer pending: it was already {}.",
                now.label().to_lowercase()
            )),
        }
    }
}

/// A requested change of status, as it arrives: `{status, reason?,
/// details?, proposed_at?}` (and, from a page's form, the zone a
/// wall-clock `proposed_at` is read in).
#[derive(Clone, Debug, Default)]
pub struct StatusChangeInput {
    pub status: String,
    pub reason: Option<String>,
    pub details: Option<String>,
    pub proposed_at: Option<TimeInput>,
    pub time_zone: Option<String>,
}

/// A requested change of status, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusChange {
    pub to: MeetingStatus,
    pub reason: Option<Reason>,
    /// How to join: only with `accepted`.
    pub details: Option<Details>,
    /// The other time: always with `proposed`, never otherwise.
    pub proposed_at: Option<DateTime<Utc>>,
}

impl StatusChange {
    pub fn parse(
        input: &StatusChangeInput,
        zones: &impl Zones,
        now: DateTime<Utc>,
    ) -> Result<StatusChange, ApiError> {
        let to = MeetingStatus::parse(&input.status)
            .filter(|s| requestable(*s))
            .ok_or_else(|| {
                ApiError::invalid(
                    "status",
                    "Status must be accepted, rejected (or declined), proposed or cancelled.",
                )
            })?;
        let reason = Reason::parse(input.reason.as_deref())?;
        let details = match to {
            Accepted => Details::parse(input.details.as_deref())?,
            _ => None,
        };
        let proposed_at = match (to, &input.proposed_at) {
            (Proposed, None) => {
                return Err(ApiError::invalid(
                    "proposed_at",
                    "Choose the new date and time.",
                ));
            }
            (Proposed, Some(time)) => {
                let zone = match input.time_zone.as_deref().map(str::trim) {
                    Some(z) if !z.is_empty() => parse_zone(z, zones)?,
                    // A form without the browser's zone: read it as UTC.
                    _ => ZoneName::known("UTC"),
                };
                Some(MeetingTime::parse("proposed_at", time, zone, zones, now)?.at)
            }
            _ => None,
        };
        Ok(StatusChange {
            to,
            reason,
            details,
            proposed_at,
        })
    }

    /// A change with no more than a status and a reason (tests, the server).
    pub fn simple(to: MeetingStatus, reason: Option<Reason>) -> StatusChange {
        StatusChange {
            to,
            reason,
            details: None,
            proposed_at: None,
        }
    }
}

/// The `?status=` filter of a list: blank means every status.
pub fn parse_filter(raw: Option<&str>) -> Result<Option<MeetingStatus>, ApiError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => MeetingStatus::parse(s).map(Some).ok_or_else(|| {
            ApiError::invalid(
                "status",
                "Status must be pending, proposed, accepted, rejected, cancelled or expired.",
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::tests::FixedZones;
    use crate::shared::error::ErrorCode;
    use chrono::TimeZone;

    #[test]
    fn the_flow_of_sections_5_and_11() {
        use Party::*;
        assert_eq!(authorize(Expert, Pending, Accepted), Ok(()));
        assert_eq!(authorize(Expert, Pending, Rejected), Ok(()));
        assert_eq!(authorize(Expert, Pending, Proposed), Ok(()));
        assert_eq!(authorize(Requester, Pending, Cancelled), Ok(()));
        assert_eq!(authorize(Requester, Proposed, Accepted), Ok(()));
        assert_eq!(authorize(Requester, Proposed, Cancelled), Ok(()));
        assert_eq!(authorize(Requester, Accepted, Cancelled), Ok(()));
        assert_eq!(authorize(Expert, Accepted, Cancelled), Ok(()));
        assert_eq!(authorize(Server, Pending, Expired), Ok(()));
        assert_eq!(authorize(Server, Proposed, Expired), Ok(()));
        // The other side's moves are not yours.
        assert_eq!(
            authorize(Requester, Pending, Accepted),
            Err(Refusal::NotYours { by: Requester })
        );
        assert_eq!(
            authorize(Requester, Pending, Proposed),
            Err(Refusal::NotYours { by: Requester })
        );
        assert_eq!(
            authorize(Expert, Pending, Cancelled),
            Err(Refusal::NotYours { by: Expert })
        );
        assert_eq!(
            authorize(Expert, Proposed, Cancelled),
            Err(Refusal::NotYours { by: Expert })
        );
        assert_eq!(
            authorize(Requester, Pending, Expired),
            Err(Refusal::NotYours { by: Requester })
        );
        // While a proposal waits, the expert cannot answer again.
        for to in [Accepted, Rejected, Proposed] {
            assert_eq!(
                authorize(Expert, Proposed, to),
                Err(Refusal::AlreadyMoved { now: Proposed })
            );
        }
        // Nothing leaves a final status.
        for from in [Rejected, Cancelled, Expired] {
            assert!(from.is_final());
            assert_eq!(
                authorize(Expert, from, Accepted),
                Err(Refusal::AlreadyMoved { now: from })
            );
            assert_eq!(
                authorize(Requester, from, Cancelled),
                Err(Refusal::AlreadyMoved { now: from })
            );
        }
        assert!(!Accepted.is_final());
        assert!(offers(Expert, Accepted, Cancelled));
        assert!(!offers(Expert, Proposed, Accepted));
    }

    #[test]
    fn refusals_map_to_403_and_409() {
        let e: ApiError = Refusal::NotYours { by: Party::Expert }.into();
        assert_eq!(e.code, ErrorCode::Forbidden);
        let e: ApiError = Refusal::AlreadyMoved { now: Rejected }.into();
        assert_eq!(e.code, ErrorCode::Conflict);
        assert!(e.message.contains("already declined"), "{}", e.message);
        let e: ApiError = Refusal::AlreadyMoved { now: Proposed }.into();
        assert!(e.message.contains("proposed"), "{}", e.message);
    }

    fn parse(
        status: &str,
        f: impl FnOnce(&mut StatusChangeInput),
    ) -> Result<StatusChange, ApiError> {
        let now = Utc.with_ymd_and_hms(2025, 11, 2, 12, 0, 0).unwrap();
        let mut input = StatusChangeInput {
            status: status.into(),
            ..Default::default()
        };
        f(&mut input);
        StatusChange::parse(&input, &FixedZones, now)
    }

    #[test]
    fn status_changes_parse_once() {
        let change = parse("Declined", |i| i.reason = Some("  busy ".into())).unwrap();
        assert_eq!(change.to, Rejected);
        assert_eq!(change.reason.as_ref().map(Reason::as_str), Some("busy"));
        for bad in ["pending", "done", "", "expired"] {
            let err = parse(bad, |_| {}).unwrap_err();
            assert_eq!(err.field.as_deref(), Some("status"), "{bad}");
        }
        assert_eq!(parse_filter(Some(" ")), Ok(None));
        assert_eq!(parse_filter(Some("declined")), Ok(Some(Rejected)));
        assert_eq!(parse_filter(Some("expired")), Ok(Some(Expired)));
        assert!(parse_filter(Some("nope")).is_err());
        let err = parse("accepted", |i| i.reason = Some("r".repeat(501))).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("reason"));
    }

    #[test]
    fn details_go_with_accepting_and_a_time_with_proposing() {
        let change = parse("accepted", |i| {
            i.details = Some(" https://meet.example/x ".into())
        })
        .unwrap();
        assert_eq!(change.details.unwrap().as_str(), "https://meet.example/x");
        // Details mean nothing with another status.
        let change = parse("rejected", |i| i.details = Some("x".into())).unwrap();
        assert_eq!(change.details, None);
        let err = parse("accepted", |i| i.details = Some("d".repeat(501))).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("details"));

        let err = parse("proposed", |_| {}).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("proposed_at"));
        let err = parse("proposed", |i| {
            i.proposed_at = Some(TimeInput::Rfc3339("2020-01-01T10:00:00Z".into()))
        })
        .unwrap_err();
        assert_eq!(err.field.as_deref(), Some("proposed_at"));
        let change = parse("proposed", |i| {
            i.proposed_at = Some(TimeInput::Local("2025-11-05T16:00".into()));
            i.time_zone = Some("Test/Plus_Two".into());
        })
        .unwrap();
        assert_eq!(
            change.proposed_at,
            Some(Utc.with_ymd_and_hms(2025, 11, 5, 14, 0, 0).unwrap())
        );
        let err = parse("proposed", |i| {
            i.proposed_at = Some(TimeInput::Local("2025-11-05T16:00".into()));
            i.time_zone = Some("Mars/Base".into());
        })
        .unwrap_err();
        assert_eq!(err.field.as_deref(), Some("time_zone"));
    }
}
