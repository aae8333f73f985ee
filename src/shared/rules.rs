//! Input rules (SPEC section 5), written once: the server enforces them and
//! the dialog uses the same functions to explain a mistake before sending.
//! Each function parses raw input into a value that is known to be valid.

use super::error::ApiError;
use super::model::MeetingType;
use chrono::{DateTime, Duration, Utc};

pub const MESSAGE_MAX_CHARS: usize = 2000;
pub const REASON_MAX_CHARS: usize = 500;
pub const PASSWORD_MIN_CHARS: usize = 8;
pub const PASSWORD_MAX_CHARS: usize = 128;
pub const NAME_MAX_CHARS: usize = 100;
pub const PROFILE_FIELD_MAX_CHARS: usize = 120;
pub const BIO_MAX_CHARS: usize = 1000;
pub const EMAIL_MAX_CHARS: usize = 254;
/// How far ahead a meeting may be asked for.
pub const MAX_DAYS_AHEAD: i64 = 365;

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Trimmed and lower-cased: emails are unique regardless of case.
pub fn parse_email(raw: &str) -> Result<String, ApiError> {
    let email = raw.trim().to_lowercase();
    let valid_shape = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if email.is_empty() {
        return Err(ApiError::invalid("email", "Enter your email address."));
    }
    if !valid_shape || chars(&email) > EMAIL_MAX_CHARS {
        return Err(ApiError::invalid(
            "email",
            "Enter a valid email address, like name@example.com.",
        ));
    }
    Ok(email)
}

/// A new password: 8 to 128 characters, kept exactly as typed.
pub fn parse_new_password(raw: &str) -> Result<String, ApiError> {
    let n = chars(raw);
    if n < PASSWORD_MIN_CHARS {
        return Err(ApiError::invalid(
            "password",
            format!("Use at least {PASSWORD_MIN_CHARS} characters for your password."),
        ));
    }
    if n > PASSWORD_MAX_CHARS {
        return Err(ApiError::invalid(
            "password",
            format!("Use at most {PASSWORD_MAX_CHARS} characters for your password."),
        ));
    }
    Ok(raw.to_string())
}

pub fn parse_full_name(raw: &str) -> Result<String, ApiError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(ApiError::invalid("full_name", "Enter your full name."));
    }
    if chars(name) > NAME_MAX_CHARS || name.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            "full_name",
            format!("Your name can have at most {NAME_MAX_CHARS} characters."),
        ));
    }
    Ok(name.to_string())
}

/// A required one-line profile field of a researcher (specialty, institution).
pub fn parse_profile_field(field: &str, label: &str, raw: &str) -> Result<String, ApiError> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(ApiError::invalid(field, format!("Enter your {label}.")));
    }
    if chars(value) > PROFILE_FIELD_MAX_CHARS || value.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            field,
            format!("Your {label} can have at most {PROFILE_FIELD_MAX_CHARS} characters."),
        ));
    }
    Ok(value.to_string())
}

pub fn parse_bio(raw: &str) -> Result<String, ApiError> {
    let bio = raw.trim();
    if chars(bio) > BIO_MAX_CHARS {
        return Err(ApiError::invalid(
            "bio",
            format!("The bio can have at most {BIO_MAX_CHARS} characters."),
        ));
    }
    Ok(bio.to_string())
}

/// The patient's note: 1 to 2,000 characters after trimming.
pub fn parse_note(raw: &str) -> Result<String, ApiError> {
    let note = raw.trim();
    if note.is_empty() {
        return Err(ApiError::invalid(
            "message",
            "Write a short message for the researcher.",
        ));
    }
    if chars(note) > MESSAGE_MAX_CHARS {
        return Err(ApiError::invalid(
            "message",
            format!(
                "The message is too long: {} characters, at most {MESSAGE_MAX_CHARS}.",
                chars(note)
            ),
        ));
    }
    Ok(note.to_string())
}

pub fn parse_meeting_type(raw: &str) -> Result<MeetingType, ApiError> {
    MeetingType::parse(raw).ok_or_else(|| {
        ApiError::invalid(
            "meeting_type",
            "Choose a meeting type: Video Call, Phone Call or In Person.",
        )
    })
}

/// The preferred time must be in the future and at most a year ahead.
pub fn check_preferred_time(
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, ApiError> {
    if at <= now {
        return Err(ApiError::invalid(
            "preferred_at",
            "Choose a date and time in the future.",
        ));
    }
    if at > now + Duration::days(MAX_DAYS_AHEAD) {
        return Err(ApiError::invalid(
            "preferred_at",
            "Choose a date within the next year.",
        ));
    }
    Ok(at)
}

/// An optional reason given with a decision; blank means none.
pub fn parse_reason(raw: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(reason) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    if chars(reason) > REASON_MAX_CHARS {
        return Err(ApiError::invalid(
            "reason",
            format!("The reason can have at most {REASON_MAX_CHARS} characters."),
        ));
    }
    Ok(Some(reason.to_string()))
}

/// The message as the researcher reads it (SPEC section 4): the note, a blank
/// line, the preferred time in the patient's zone, and the meeting type.
pub fn compose_message(note: &str, local_time: &str, time_zone: &str, kind: MeetingType) -> String {
    format!(
        "{note}\n\nPreferred Date & Time: {local_time} ({time_zone})\nMeeting Type: {}",
        kind.label()
    )
}

/// `Tuesday, November 5, 2025, 02:00 PM`: how the composed message writes a time.
pub const MESSAGE_TIME_FORMAT: &str = "%A, %B %-d, %Y, %I:%M %p";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared::error::ErrorCode;
    use chrono::TimeZone;

    #[test]
    fn email_is_trimmed_and_lowercased() {
        assert_eq!(
            parse_email("  Patient@Test.COM ").unwrap(),
            "patient@test.com"
        );
        for bad in [
            "",
            "nobody",
            "a@b",
            "a@@b.com",
            "a b@c.com",
            "@x.org",
            "x@.org",
        ] {
            let err = parse_email(bad).unwrap_err();
            assert_eq!(err.code, ErrorCode::ValidationError, "{bad}");
            assert_eq!(err.field.as_deref(), Some("email"));
        }
    }

    #[test]
    fn password_length_is_bounded() {
        assert!(parse_new_password("1234567").is_err());
        assert!(parse_new_password("12345678").is_ok());
        assert!(parse_new_password(&"x".repeat(128)).is_ok());
        assert!(parse_new_password(&"x".repeat(129)).is_err());
    }

    #[test]
    fn note_is_one_to_two_thousand_chars_after_trimming() {
        assert!(parse_note("   ").is_err());
        assert_eq!(parse_note("  hi  ").unwrap(), "hi");
        assert!(parse_note(&"é".repeat(2000)).is_ok());
        let err = parse_note(&"a".repeat(2001)).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("message"));
    }

    #[test]
    fn preferred_time_must_be_future_and_within_a_year() {
        let now = Utc.with_ymd_and_hms(2025, 11, 2, 12, 0, 0).unwrap();
        assert!(check_preferred_time(now, now).is_err());
        assert!(check_preferred_time(now - Duration::minutes(1), now).is_err());
        assert!(check_preferred_time(now + Duration::minutes(1), now).is_ok());
        assert!(check_preferred_time(now + Duration::days(365), now).is_ok());
        let err = check_preferred_time(now + Duration::days(366), now).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("preferred_at"));
    }

    #[test]
    fn meeting_type_must_be_one_of_three() {
        assert_eq!(
            parse_meeting_type("Video Call").unwrap(),
            MeetingType::VideoCall
        );
        assert_eq!(
            parse_meeting_type("xyz").unwrap_err().field.as_deref(),
            Some("meeting_type")
        );
    }

    #[test]
    fn reason_is_optional_and_bounded() {
        assert_eq!(parse_reason(None).unwrap(), None);
        assert_eq!(parse_reason(Some("  ")).unwrap(), None);
        assert_eq!(
            parse_reason(Some(" busy ")).unwrap().as_deref(),
            Some("busy")
        );
        assert!(parse_reason(Some(&"r".repeat(501))).is_err());
    }

    #[test]
    fn composed_message_matches_the_seed() {
        // The seed's example says "Tuesday, November 5, 2025"; that date was a
        // Wednesday, and the weekday comes from the calendar.
        let at = Utc.with_ymd_and_hms(2025, 11, 5, 14, 0, 0).unwrap();
        let local = at.format(MESSAGE_TIME_FORMAT).to_string();
        assert_eq!(local, "Wednesday, November 5, 2025, 02:00 PM");
        assert_eq!(
            compose_message("Hi", &local, "Europe/Paris", MeetingType::VideoCall),
            "Hi\n\nPreferred Date & Time: Wednesday, November 5, 2025, 02:00 PM (Europe/Paris)\nMeeting Type: Video Call"
        );
    }
}
