//! Text typed by people, parsed once at the edge into values that cannot be
//! invalid. Every text field goes through `clean`, so a rule about characters
//! (SPEC 13) is written in one place.

use crate::shared::error::ApiError;

pub const MESSAGE_MAX_CHARS: usize = 2000;
pub const REASON_MAX_CHARS: usize = 500;
pub const DETAILS_MAX_CHARS: usize = 500;
pub const PASSWORD_MIN_CHARS: usize = 8;
pub const PASSWORD_MAX_CHARS: usize = 128;
pub const NAME_MAX_CHARS: usize = 100;
pub const PROFILE_FIELD_MAX_CHARS: usize = 120;
pub const BIO_MAX_CHARS: usize = 1000;
pub const EMAIL_MAX_CHARS: usize = 254;

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Whether a field is a single line (names) or may hold paragraphs (notes).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lines {
    One,
    Many,
}

/// The explicit text-direction controls (embeddings, overrides, isolates)
/// that can make text display in another order than it is stored.
const BIDI_CONTROLS: [char; 9] = [
    '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}',
    '\u{2069}',
];

/// Whether `c` may not appear in typed text (SPEC 13): control characters
/// (newline and tab allowed where paragraphs are) and direction overrides.
fn forbidden(c: char, lines: Lines) -> bool {
    let paragraph = lines == Lines::Many && (c == '\n' || c == '\t');
    (c.is_control() && !paragraph) || BIDI_CONTROLS.contains(&c)
}

/// Whether `text` holds a character no one-line text field accepts.
pub fn has_forbidden_chars(text: &str) -> bool {
    text.chars().any(|c| forbidden(c, Lines::One))
}

fn forbidden_message() -> String {
    "Remove the invisible control or text-direction characters from this field.".into()
}

/// The shape every text field shares: line ends as `\n`, trimmed, at most
/// `max` characters, and no forbidden characters. `None` when blank.
fn clean(
    field: &'static str,
    raw: &str,
    max: usize,
    lines: Lines,
    too_long: impl FnOnce(usize) -> String,
) -> Result<Option<String>, ApiError> {
    // Browsers send a textarea's line ends as CRLF.
    let text = if lines == Lines::Many && raw.contains('\r') {
        raw.replace("\r\n", "\n")
    } else {
        raw.to_string()
    };
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().any(|c| forbidden(c, lines)) {
        return Err(ApiError::invalid(field, forbidden_message()));
    }
    let n = chars(text);
    if n > max {
        return Err(ApiError::invalid(field, too_long(n)));
    }
    Ok(Some(text.to_string()))
}

/// A required field: blank answers `missing`.
fn required(
    field: &'static str,
    raw: &str,
    max: usize,
    lines: Lines,
    missing: impl Into<String>,
    too_long: impl FnOnce(usize) -> String,
) -> Result<String, ApiError> {
    clean(field, raw, max, lines, too_long)?.ok_or_else(|| ApiError::invalid(field, missing))
}

macro_rules! text_value {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_value!(
    /// Trimmed and lower-cased: emails are unique regardless of case.
    Email
);
text_value!(
    /// A new password: 8 to 128 characters, kept exactly as typed.
    NewPassword
);
text_value!(FullName);
text_value!(
    /// A researcher's one-line profile field (specialty, institution).
    ProfileText
);
text_value!(Bio);
text_value!(
    /// The patient's note: 1 to 2,000 characters after trimming.
    Note
);
text_value!(
    /// An optional reason given with a decision.
    Reason
);
text_value!(
    /// How to join an accepted meeting: a video link, an address, a phone
    /// arrangement.
    Details
);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, ApiError> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err(ApiError::invalid("email", "Enter your email address."));
        }
        let valid_shape = email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(char::is_whitespace)
                && !has_forbidden_chars(&email)
        });
        if !valid_shape || chars(&email) > EMAIL_MAX_CHARS {
            return Err(ApiError::invalid(
                "email",
                "Enter a valid email address, like name@example.com.",
            ));
        }
        Ok(Email(email))
    }
}

impl NewPassword {
    pub fn parse(raw: &str) -> Result<NewPassword, ApiError> {
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
        Ok(NewPassword(raw.to_string()))
    }
}

impl FullName {
    pub fn parse(raw: &str) -> Result<FullName, ApiError> {
        required(
            "full_name",
            raw,
            NAME_MAX_CHARS,
            Lines::One,
            "Enter your full name.",
            |_| format!("Your name can have at most {NAME_MAX_CHARS} characters, on one line."),
        )
        .map(FullName)
    }

    /// A name as stored (it was parsed when it was saved).
    pub fn from_stored(name: String) -> FullName {
        FullName(name)
    }
}

impl ProfileText {
    /// `field` is the JSON name, `label` how the form calls it.
    pub fn parse(field: &'static str, label: &str, raw: &str) -> Result<ProfileText, ApiError> {
        required(
            field,
            raw,
            PROFILE_FIELD_MAX_CHARS,
            Lines::One,
            format!("Enter your {label}."),
            |_| format!("Your {label} can have at most {PROFILE_FIELD_MAX_CHARS} characters, on one line."),
        )
        .map(ProfileText)
    }
}

impl Bio {
    /// Optional: blank is an empty bio.
    pub fn parse(raw: &str) -> Result<Bio, ApiError> {
        clean("bio", raw, BIO_MAX_CHARS, Lines::Many, |_| {
            format!("The bio can have at most {BIO_MAX_CHARS} characters.")
        })
        .map(|b| Bio(b.unwrap_or_default()))
    }
}

impl Note {
    pub fn parse(raw: &str) -> Result<Note, ApiError> {
        required(
            "message",
            raw,
            MESSAGE_MAX_CHARS,
            Lines::Many,
            "Write a short message for the researcher.",
            |n| format!("The message is too long: {n} characters, at most {MESSAGE_MAX_CHARS}."),
        )
        .map(Note)
    }
}

impl Reason {
    /// Blank or absent means no reason.
    pub fn parse(raw: Option<&str>) -> Result<Option<Reason>, ApiError> {
        Ok(clean(
            "reason",
            raw.unwrap_or(""),
            REASON_MAX_CHARS,
            Lines::Many,
            |_| format!("The reason can have at most {REASON_MAX_CHARS} characters."),
        )?
        .map(Reason))
    }
}

impl Details {
    /// Blank or absent means none given.
    pub fn parse(raw: Option<&str>) -> Result<Option<Details>, ApiError> {
        Ok(clean(
            "details",
            raw.unwrap_or(""),
            DETAILS_MAX_CHARS,
            Lines::Many,
            |_| format!("How to join can have at most {DETAILS_MAX_CHARS} characters."),
        )?
        .map(Details))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared::error::ErrorCode;

    #[test]
    fn details_keep_their_lines_and_are_bounded() {
        let d = Details::parse(Some(" Room 4\r\nBuilding B "))
            .unwrap()
            .unwrap();
        assert_eq!(d.as_str(), "Room 4\nBuilding B");
        assert_eq!(Details::parse(Some("  ")), Ok(None));
        assert_eq!(Details::parse(None), Ok(None));
        let err = Details::parse(Some(&"x".repeat(501))).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("details"));
        let err = Details::parse(Some("join\u{202E}here")).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("details"));
    }

    #[test]
    fn email_is_trimmed_and_lowercased() {
        assert_eq!(
            Email::parse("  Patient@Test.COM ").unwrap().as_str(),
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
            let err = Email::parse(bad).unwrap_err();
            assert_eq!(err.code, ErrorCode::ValidationError, "{bad}");
            assert_eq!(err.field.as_deref(), Some("email"));
        }
    }

    #[test]
    fn password_length_is_bounded() {
        assert!(NewPassword::parse("1234567").is_err());
        assert!(NewPassword::parse("12345678").is_ok());
        assert!(NewPassword::parse(&"x".repeat(128)).is_ok());
        assert!(NewPassword::parse(&"x".repeat(129)).is_err());
    }

    #[test]
    fn note_is_one_to_two_thousand_chars_after_trimming() {
        assert!(Note::parse("   ").is_err());
        assert_eq!(Note::parse("  hi  ").unwrap().as_str(), "hi");
        assert!(Note::parse(&"é".repeat(2000)).is_ok());
        assert!(Note::parse("two\nlines").is_ok());
        let err = Note::parse(&"a".repeat(2001)).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("message"));
    }

    #[test]
    fn names_are_one_line() {
        assert_eq!(FullName::parse(" Ada ").unwrap().as_str(), "Ada");
        assert_eq!(
            FullName::parse("").unwrap_err().field.as_deref(),
            Some("full_name")
        );
        assert!(FullName::parse("Ada\nLovelace").is_err());
        assert!(FullName::parse(&"n".repeat(101)).is_err());
        let err = ProfileText::parse("specialty", "specialty", "  ").unwrap_err();
        assert_eq!(err.field.as_deref(), Some("specialty"));
        assert!(ProfileText::parse("institution", "institution", "A\u{7}B").is_err());
        assert_eq!(Bio::parse("   ").unwrap().as_str(), "");
    }

    #[test]
    fn control_and_direction_characters_are_refused_naming_the_field() {
        for bad in [
            "A\u{0}B",
            "A\u{1b}[31mB",
            "A\u{7f}B",
            "A\u{85}B",
            "admin\u{202E}fdp.exe",
            "A\u{2066}B",
        ] {
            assert_eq!(
                FullName::parse(bad).unwrap_err().field.as_deref(),
                Some("full_name"),
                "{bad:?}"
            );
            assert_eq!(
                Note::parse(bad).unwrap_err().field.as_deref(),
                Some("message"),
                "{bad:?}"
            );
            assert_eq!(
                Reason::parse(Some(bad)).unwrap_err().field.as_deref(),
                Some("reason")
            );
            assert_eq!(Bio::parse(bad).unwrap_err().field.as_deref(), Some("bio"));
            assert_eq!(
                Email::parse(&format!("a{bad}@b.org"))
                    .unwrap_err()
                    .field
                    .as_deref(),
                Some("email")
            );
        }
        // Paragraph fields keep newlines and tabs; browsers' CRLF becomes LF.
        assert_eq!(Note::parse("one\r\n\ttwo").unwrap().as_str(), "one\n\ttwo");
        assert!(Note::parse("one\rtwo").is_err());
        assert!(FullName::parse("Ada\tLovelace").is_err());
        // Right-to-left text itself is welcome.
        assert!(Note::parse("שלום عليكم").is_ok());
        assert!(has_forbidden_chars("x\u{0}"));
        assert!(!has_forbidden_chars("plain"));
    }

    #[test]
    fn reason_is_optional_and_bounded() {
        assert_eq!(Reason::parse(None).unwrap(), None);
        assert_eq!(Reason::parse(Some("  ")).unwrap(), None);
        assert_eq!(
            Reason::parse(Some(" busy "))
                .unwrap()
                .map(Reason::into_inner)
                .as_deref(),
            Some("busy")
        );
        assert!(Reason::parse(Some(&"r".repeat(501))).is_err());
    }
}
