//! Email (SPEC 12): what each email says, and the SMTP transport that sends
//! it. Emails carry names, the time and the status, and a link to the app;
//! never the message text, a reason or how to join (health data stays in
//! the app).

use crate::domain::request::MESSAGE_TIME_FORMAT;
use crate::domain::{MeetingStatus, Party, Role};
use crate::server::repo::outbox::DueMail;
use crate::server::zones::TzDatabase;
use crate::shared::PRODUCT_NAME;
use crate::shared::notice::notice_text;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::Error as SmtpError;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// The SMTP settings, checked at start (`Config`).
#[derive(Clone, Debug)]
pub struct MailSettings {
    /// `smtp://host:port`, `smtps://user:pass@host:port`, `smtp://...?tls=starttls`.
    pub smtp_url: String,
    pub from: Mailbox,
}

/// Whether `url` is an SMTP URL lettre can use (nothing is contacted).
pub fn check_smtp_url(url: &str) -> Result<(), String> {
    AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    public_url: String,
}

/// Why an email was not sent.
pub enum SendError {
    /// The server refused it for good (a 5xx): do not try again.
    Refused(String),
    /// Down, busy or unreachable: try again later.
    Later(String),
}

impl Mailer {
    pub fn new(settings: &MailSettings, public_url: &str) -> Result<Mailer, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.smtp_url)
            .map_err(|e| e.to_string())?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        Ok(Mailer {
            transport,
            from: settings.from.clone(),
            public_url: public_url.trim_end_matches('/').to_string(),
        })
    }

    pub async fn send(&self, mail: &DueMail) -> Result<(), SendError> {
        let email = compose(mail, &self.public_url);
        let to = format!("{} <{}>", email.to_name, mail.recipient_email);
        let to: Mailbox = to
            .parse()
            .or_else(|_| mail.recipient_email.parse())
            .map_err(|e: lettre::address::AddressError| SendError::Refused(e.to_string()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject)
            .message_id(Some(email.message_id))
            .multipart(MultiPart::alternative_plain_html(email.text, email.html))
            .map_err(|e| SendError::Refused(e.to_string()))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e: SmtpError| {
                if e.is_permanent() {
                    SendError::Refused(e.to_string())
                } else {
                    SendError::Later(e.to_string())
                }
            })
    }
}

/// One email, written.
pub struct Email {
    pub to_name: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The same for every try of the same event and recipient, so a mail
    /// system that sees it twice can tell it is one email.
    pub message_id: String,
}

/// Writes the email of `mail`: the headline the app shows in its notice,
/// the other party, the time (in the patient's zone for the patient; the
/// server does not know a researcher's zone, so UTC), the status and a link.
pub fn compose(mail: &DueMail, public_url: &str) -> Email {
    let public_url = public_url.trim_end_matches('/');
    let as_expert = mail.recipient_role == Role::Researcher;
    let other = if as_expert {
        &mail.requester_name
    } else {
        &mail.expert_name
    };
    let by = match mail.actor_id {
        None => Party::Server,
        Some(id) if id == mail.recipient_id => {
            // Never about one's own move; kept wording-safe all the same.
            if as_expert {
                Party::Expert
            } else {
                Party::Requester
            }
        }
        Some(_) if as_expert => Party::Requester,
        Some(_) => Party::Expert,
    };
    let declined_proposal = mail.to_status == MeetingStatus::Cancelled
        && mail.from_status == Some(MeetingStatus::Proposed);
    let headline = notice_text(
        mail.recipient_role,
        mail.to_status,
        by,
        other,
        declined_proposal,
    )
    .unwrap_or_else(|| format!("Your meeting request with {other} changed"));
    let at = if mail.to_status == MeetingStatus::Proposed {
        mail.proposed_at.as_deref().unwrap_or(&mail.preferred_at)
    } else {
        &mail.preferred_at
    };
    let zone = if as_expert { "UTC" } else { &mail.time_zone };
    let when = chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| {
            let t = t.with_timezone(&chrono::Utc);
            let zone = crate::domain::ZoneName::known(zone);
            format!(
                "{} ({})",
                TzDatabase.local_text(&zone, t, MESSAGE_TIME_FORMAT),
                zone.as_str()
            )
        })
        .unwrap_or_else(|_| at.to_string());
    let time_label = if mail.to_status == MeetingStatus::Proposed {
        "Proposed time"
    } else {
        "Time"
    };
    let dashboard = format!("{public_url}{}", mail.recipient_role.dashboard_path());
    let settings = format!("{public_url}/settings");
    let status = mail.to_status.label();
    let kind = mail.meeting_type.label();
    let text = format!(
        "Hello {name},\r\n\r\n{headline}.\r\n\r\nWith: {other}\r\nMeeting: {kind}\r\n\
         {time_label}: {when}\r\nStatus: {status}\r\n\r\nSee it in {PRODUCT_NAME}: {dashboard}\r\n\r\n\
         You get these emails about your meeting requests. To stop them, untick the box in \
         your settings: {settings}\r\n",
        name = mail.recipient_name,
    );
    let e = html_escape;
    let html = format!(
        "<!doctype html><html><body style=\"font-family: sans-serif; color: #1b2a35\">\
         <p>Hello {name},</p><p><strong>{headline}.</strong></p>\
         <table><tr><td>With</td><td>{other}</td></tr><tr><td>Meeting</td><td>{kind}</td></tr>\
         <tr><td>{time_label}</td><td>{when}</td></tr><tr><td>Status</td><td>{status}</td></tr></table>\
         <p><a href=\"{dashboard}\">See it in {PRODUCT_NAME}</a></p>\
         <p style=\"color: #51616e\">You get these emails about your meeting requests. \
         To stop them, untick the box in your <a href=\"{settings}\">settings</a>.</p>\
         </body></html>",
        name = e(&mail.recipient_name),
        headline = e(&headline),
        other = e(other),
        kind = e(kind),
        when = e(&when),
        dashboard = e(&dashboard),
        settings = e(&settings),
    );
    let host = public_url
        .split("://")
        .nth(1)
        .unwrap_or("localhost")
        .split(['/', ':'])
        .next()
        .unwrap_or("localhost");
    Email {
        to_name: mail
            .recipient_name
            .replace(['"', '<', '>', '\r', '\n'], " "),
        subject: format!("{PRODUCT_NAME}: {headline}"),
        text,
        html,
        message_id: format!(
            "<meeting-event-{}-to-{}@{host}>",
            mail.event_id, mail.recipient_id
        ),
    }
}

fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::MeetingType;

    fn mail(role: Role, to: MeetingStatus, actor: Option<i64>) -> DueMail {
        DueMail {
            id: 1,
            event_id: 42,
            attempts: 0,
            recipient_id: if role == Role::Patient { 1 } else { 2 },
            recipient_email: "someone@example.org".into(),
            recipient_name: if role == Role::Patient {
                "John <Doe>"
            } else {
                "Dr. Sarah Smith"
            }
            .into(),
            recipient_role: role,
            actor_id: actor,
            from_status: Some(MeetingStatus::Pending),
            to_status: to,
            request_id: 7,
            requester_name: "John <Doe>".into(),
            expert_name: "Dr. Sarah Smith".into(),
            preferred_at: "2026-01-05T13:00:00Z".into(),
            proposed_at: Some("2026-01-06T09:30:00Z".into()),
            meeting_type: MeetingType::VideoCall,
            time_zone: "Europe/Paris".into(),
        }
    }

    #[test]
    fn the_patient_hears_of_an_answer_in_their_zone() {
        let email = compose(
            &mail(Role::Patient, MeetingStatus::Accepted, Some(2)),
            "https://care.example/",
        );
        assert_eq!(
            email.subject,
            "CareBridge: Dr. Sarah Smith accepted your meeting request"
        );
        assert!(
            email
                .text
                .contains("Monday, January 5, 2026, 02:00 PM (Europe/Paris)"),
            "{}",
            email.text
        );
        assert!(email.text.contains("Status: Accepted"));
        assert!(
            email
                .text
                .contains("https://care.example/dashboard/patient\r\n")
        );
        assert!(email.text.contains("https://care.example/settings"));
        assert_eq!(email.message_id, "<meeting-event-42-to-1@care.example>");
        // Names are escaped in the HTML part.
        assert!(email.html.contains("John &lt;Doe&gt;"));
        assert!(!email.html.contains("John <Doe>"));
    }

    #[test]
    fn a_proposal_shows_the_proposed_time_and_the_researcher_hears_in_utc() {
        let email = compose(
            &mail(Role::Patient, MeetingStatus::Proposed, Some(2)),
            "http://x",
        );
        assert!(
            email
                .text
                .contains("Proposed time: Tuesday, January 6, 2026, 10:30 AM (Europe/Paris)"),
            "{}",
            email.text
        );
        let email = compose(
            &mail(Role::Researcher, MeetingStatus::Expired, None),
            "http://x",
        );
        assert_eq!(
            email.subject,
            "CareBridge: The meeting request from John <Doe> expired"
        );
        assert!(email.text.contains("01:00 PM (UTC)"), "{}", email.text);
        let mut declined = mail(Role::Researcher, MeetingStatus::Cancelled, Some(1));
        declined.from_status = Some(MeetingStatus::Proposed);
        assert!(
            compose(&declined, "http://x")
                .subject
                .ends_with("John <Doe> declined the new time")
        );
    }
}
