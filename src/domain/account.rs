//! Accounts as they arrive: a registration, and the credentials of a login.

use super::kinds::Role;
use super::text::{Bio, Email, FullName, NewPassword, PASSWORD_MAX_CHARS, ProfileText};
use crate::shared::error::ApiError;

/// A registration as it arrives, still raw.
#[derive(Clone, Debug, Default)]
pub struct NewAccountInput {
    pub email: String,
    pub password: String,
    pub full_name: String,
    pub role: String,
    pub specialty: Option<String>,
    pub institution: Option<String>,
    pub bio: Option<String>,
}

/// A researcher's public profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    pub specialty: ProfileText,
    pub institution: ProfileText,
    pub bio: Bio,
}

/// A valid registration. Researchers have a profile; patients never do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAccount {
    pub email: Email,
    pub password: NewPassword,
    pub full_name: FullName,
    pub role: Role,
    pub profile: Option<Profile>,
}

impl NewAccount {
    pub fn parse(input: &NewAccountInput) -> Result<NewAccount, ApiError> {
        let email = Email::parse(&input.email)?;
        let password = NewPassword::parse(&input.password)?;
        let full_name = FullName::parse(&input.full_name)?;
        let role = Role::parse(&input.role).ok_or_else(|| {
            ApiError::invalid("role", "Choose whether you are a patient or a researcher.")
        })?;
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let profile = match role {
            Role::Researcher => Some(Profile {
                specialty: ProfileText::parse("specialty", "specialty", &text(&input.specialty))?,
                institution: ProfileText::parse(
                    "institution",
                    "institution",
                    &text(&input.institution),
                )?,
                bio: Bio::parse(&text(&input.bio))?,
            }),
            Role::Patient => None,
        };
        Ok(NewAccount {
            email,
            password,
            full_name,
            role,
            profile,
        })
    }
}

/// What a login offers. It never fails to parse: input that could not
/// belong to an account is answered like a wrong password, after the same
/// work, so nothing tells which part was wrong.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// Normalized as emails are stored.
    pub email: String,
    pub password: String,
}

impl Credentials {
    pub fn new(email: &str, password: &str) -> Credentials {
        Credentials {
            email: Email::parse(email)
                .map(Email::into_inner)
                .unwrap_or_else(|_| email.trim().to_lowercase()),
            password: password.to_string(),
        }
    }

    /// Whether the password could be anyone's at all.
    pub fn plausible(&self) -> bool {
        !self.password.is_empty()
            && self.password.chars().count() <= PASSWORD_MAX_CHARS
            && self.email.chars().count() <= super::text::EMAIL_MAX_CHARS
            && !super::text::has_forbidden_chars(&self.email)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(role: &str) -> NewAccountInput {
        NewAccountInput {
            email: "A@B.org".into(),
            password: "password123".into(),
            full_name: "Ada".into(),
            role: role.into(),
            specialty: Some("Cardiology".into()),
            institution: None,
            bio: None,
        }
    }

    #[test]
    fn researchers_need_a_profile_and_patients_have_none() {
        let patient = NewAccount::parse(&input("patient")).unwrap();
        assert_eq!(patient.profile, None);
        assert_eq!(patient.email.as_str(), "a@b.org");
        let err = NewAccount::parse(&input("researcher")).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("institution"));
        let err = NewAccount::parse(&input("admin")).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("role"));
    }

    #[test]
    fn credentials_never_fail_but_can_be_implausible() {
        let c = Credentials::new(" X@Y.org ", "");
        assert_eq!(c.email, "x@y.org");
        assert!(!c.plausible());
        assert!(!Credentials::new("x", &"p".repeat(129)).plausible());
        assert!(Credentials::new("not an email", "secret").plausible());
        assert!(!Credentials::new("a\u{0}@b.org", "secret").plausible());
    }
}
