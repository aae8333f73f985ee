//! The words that tell someone of a change to their request made by the
//! other party or by the server: the in-page notice, the desktop
//! notification and the email's headline say the same thing.

use crate::domain::{MeetingStatus, Party, Role};

/// What a viewer of `role` is told when a request with the other party
/// `who` moves to `status` by `by`; `None` for the viewer's own moves and
/// for moves nobody needs telling of. `declined_proposal`: a cancellation
/// that answered a proposed time.
pub fn notice_text(
    role: Role,
    status: MeetingStatus,
    by: Party,
    who: &str,
    declined_proposal: bool,
) -> Option<String> {
    let own = match role {
        Role::Patient => Party::Requester,
        Role::Researcher => Party::Expert,
    };
    if by == own {
        return None;
    }
    Some(match (role, status) {
        (Role::Researcher, MeetingStatus::Pending) => format!("New meeting request from {who}"),
        (Role::Researcher, MeetingStatus::Accepted) => format!("{who} accepted the new time"),
        (Role::Researcher, MeetingStatus::Cancelled) if declined_proposal => {
            format!("{who} declined the new time")
        }
        (Role::Researcher, MeetingStatus::Cancelled) => {
            format!("{who} cancelled their meeting request")
        }
        (Role::Researcher, MeetingStatus::Expired) => {
            format!("The meeting request from {who} expired")
        }
        (Role::Patient, MeetingStatus::Accepted) => {
            format!("{who} accepted your meeting request")
        }
        (Role::Patient, MeetingStatus::Rejected) => {
            format!("{who} declined your meeting request")
        }
        (Role::Patient, MeetingStatus::Proposed) => format!("{who} proposed another time"),
        (Role::Patient, MeetingStatus::Cancelled) => format!("{who} cancelled the meeting"),
        (Role::Patient, MeetingStatus::Expired) => {
            format!("Your meeting request to {who} expired")
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_moves_are_no_news() {
        use MeetingStatus::*;
        let say = |role, status, by, declined| notice_text(role, status, by, "X", declined);
        assert_eq!(say(Role::Patient, Accepted, Party::Requester, false), None);
        assert_eq!(say(Role::Researcher, Rejected, Party::Expert, false), None);
        assert_eq!(
            say(Role::Researcher, Pending, Party::Requester, false).as_deref(),
            Some("New meeting request from X")
        );
        assert_eq!(
            say(Role::Researcher, Cancelled, Party::Requester, true).as_deref(),
            Some("X declined the new time")
        );
        assert_eq!(
            say(Role::Patient, Expired, Party::Server, false).as_deref(),
            Some("Your meeting request to X expired")
        );
        assert_eq!(
            say(Role::Researcher, Expired, Party::Server, false).as_deref(),
            Some("The meeting request from X expired")
        );
    }
}
