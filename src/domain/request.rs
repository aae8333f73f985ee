//! A new meeting request, parsed once: the JSON API, the server function
//! and the dialog (before sending) all call `NewMeetingRequest::parse`.

use super::kinds::MeetingType;
use super::text::Note;
use super::time::{MeetingTime, TimeInput, Zones, parse_duration, parse_zone};
use crate::shared::error::ApiError;
use chrono::{DateTime, Utc};

/// A new request as it arrives, still raw.
#[derive(Clone, Debug)]
pub struct NewMeetingRequestInput {
    pub expert_id: i64,
    pub note: String,
    pub preferred_at: TimeInput,
    pub meeting_type: String,
    pub time_zone: String,
    /// Absent means the default length.
    pub duration_minutes: Option<i64>,
}

/// A new request whose every field is valid. (Whether the expert exists and
/// may be asked is for the service to say: it needs the database.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMeetingRequest {
    pub expert_id: i64,
    pub note: Note,
    pub preferred: MeetingTime,
    pub meeting_type: MeetingType,
    pub duration_minutes: u32,
}

impl NewMeetingRequest {
    /// The first mistake, naming its field: message, time zone, preferred
    /// time, meeting type, duration.
    pub fn parse(
        input: &NewMeetingRequestInput,
        zones: &impl Zones,
        now: DateTime<Utc>,
    ) -> Result<NewMeetingRequest, ApiError> {
        let note = Note::parse(&input.note)?;
        let zone = parse_zone(&input.time_zone, zones)?;
        let preferred = MeetingTime::parse("preferred_at", &input.preferred_at, zone, zones, now)?;
        let meeting_type = MeetingType::parse(&input.meeting_type).ok_or_else(|| {
            ApiError::invalid(
                "meeting_type",
                "Choose a meeting type: Video Call, Phone Call or In Person.",
            )
        })?;
        Ok(NewMeetingRequest {
            expert_id: input.expert_id,
            note,
            preferred,
            meeting_type,
            duration_minutes: parse_duration(input.duration_minutes)?,
        })
    }

    /// The message as the researcher reads it (SPEC section 4): the note, a
    /// blank line, the preferred time in the patient's zone (`local_time`,
    /// written with `MESSAGE_TIME_FORMAT`), and the meeting type.
    pub fn message(&self, local_time: &str) -> String {
        format!(
            "{}\n\nPreferred Date & Time: {local_time} ({})\nMeeting Type: {}",
            self.note,
            self.preferred.zone.as_str(),
            self.meeting_type.label()
        )
    }
}

/// `Tuesday, November 5, 2025, 02:00 PM`: how the composed message writes a time.
pub const MESSAGE_TIME_FORMAT: &str = "%A, %B %-d, %Y, %I:%M %p";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::tests::FixedZones;
    use chrono::TimeZone;

    fn input() -> NewMeetingRequestInput {
        NewMeetingRequestInput {
            expert_id: 3,
            note: " Hi ".into(),
            preferred_at: TimeInput::Local("2025-11-05T16:00".into()),
            meeting_type: "video_call".into(),
            time_zone: "Test/Plus_Two".into(),
            duration_minutes: None,
        }
    }

    #[test]
    fn parses_every_field_or_names_the_first_bad_one() {
        let now = Utc.with_ymd_and_hms(2025, 11, 2, 12, 0, 0).unwrap();
        let ok = NewMeetingRequest::parse(&input(), &FixedZones, now).unwrap();
        assert_eq!(ok.note.as_str(), "Hi");
        assert_eq!(ok.meeting_type, MeetingType::VideoCall);
        assert_eq!(ok.duration_minutes, 30);
        assert_eq!(
            ok.preferred.at,
            Utc.with_ymd_and_hms(2025, 11, 5, 14, 0, 0).unwrap()
        );

        let field = |f: fn(&mut NewMeetingRequestInput)| {
            let mut i = input();
            f(&mut i);
            NewMeetingRequest::parse(&i, &FixedZones, now)
                .unwrap_err()
                .field
        };
        assert_eq!(field(|i| i.note = " ".into()).as_deref(), Some("message"));
        assert_eq!(
            field(|i| i.time_zone = "Mars/X".into()).as_deref(),
            Some("time_zone")
        );
        assert_eq!(
            field(|i| i.preferred_at = TimeInput::Local("2020-01-01T10:00".into())).as_deref(),
            Some("preferred_at")
        );
        assert_eq!(
            field(|i| i.meeting_type = "Pigeon".into()).as_deref(),
            Some("meeting_type")
        );
        assert_eq!(
            field(|i| i.duration_minutes = Some(20)).as_deref(),
            Some("duration_minutes")
        );
        // Several mistakes: the message is named first.
        assert_eq!(
            field(|i| {
                i.note = String::new();
                i.meeting_type = String::new();
            })
            .as_deref(),
            Some("message")
        );
    }

    #[test]
    fn composed_message_matches_the_seed() {
        // The seed's example says "Tuesday, November 5, 2025"; that date was a
        // Wednesday, and the weekday comes from the calendar.
        let now = Utc.with_ymd_and_hms(2025, 11, 2, 12, 0, 0).unwrap();
        let request = NewMeetingRequest::parse(&input(), &FixedZones, now).unwrap();
        let local = Utc
            .with_ymd_and_hms(2025, 11, 5, 14, 0, 0)
            .unwrap()
            .format(MESSAGE_TIME_FORMAT)
            .to_string();
        assert_eq!(local, "Wednesday, November 5, 2025, 02:00 PM");
        assert_eq!(
            request.message(&local),
            "Hi\n\nPreferred Date & Time: Wednesday, November 5, 2025, 02:00 PM (Test/Plus_Two)\nMeeting Type: Video Call"
        );
    }
}
