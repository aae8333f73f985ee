//! A meeting as an RFC 5545 calendar file: one `VEVENT`, lines ended with
//! CRLF, folded at 75 octets, text escaped. Small enough to write here, with
//! tests for the parts that are easy to get wrong.

use chrono::{DateTime, Utc};

pub struct Event {
    /// Stable across downloads, so a calendar updates the event it has.
    pub uid: String,
    /// When the event last changed.
    pub stamp: DateTime<Utc>,
    pub start: DateTime<Utc>,
    pub minutes: u32,
    pub summary: String,
    pub description: String,
}

impl Event {
    pub fn to_ics(&self) -> String {
        let utc = |t: &DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
        let mut out = String::new();
        for line in [
            "BEGIN:VCALENDAR".to_string(),
            "VERSION:2.0".to_string(),
            "PRODID:-//Meeting Requests//EN".to_string(),
            "CALSCALE:GREGORIAN".to_string(),
            "METHOD:PUBLISH".to_string(),
            "BEGIN:VEVENT".to_string(),
            format!("UID:{}", escape(&self.uid)),
            format!("DTSTAMP:{}", utc(&self.stamp)),
            format!("DTSTART:{}", utc(&self.start)),
            format!("DURATION:PT{}M", self.minutes),
            format!("SUMMARY:{}", escape(&self.summary)),
            format!("DESCRIPTION:{}", escape(&self.description)),
            "END:VEVENT".to_string(),
            "END:VCALENDAR".to_string(),
        ] {
            fold_into(&mut out, &line);
        }
        out
    }
}

/// TEXT values (RFC 5545 3.3.11): backslash, semicolon and comma escaped,
/// line ends as `\n`.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let text = text.replace("\r\n", "\n");
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' | '\r' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends `line` with CRLF, folded so that no line is longer than 75
/// octets (a continuation starts with a space), never inside a character.
fn fold_into(out: &mut String, line: &str) {
    const MAX: usize = 75;
    let mut used = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if used + len > MAX {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += len;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn event(description: &str) -> Event {
        Event {
            uid: "meeting-request-7@meeting-requests".into(),
            stamp: Utc.with_ymd_and_hms(2026, 1, 2, 9, 0, 0).unwrap(),
            start: Utc.with_ymd_and_hms(2026, 1, 5, 14, 0, 0).unwrap(),
            minutes: 45,
            summary: "Video Call with Dr. Sarah Smith and John Doe".into(),
            description: description.into(),
        }
    }

    #[test]
    fn an_event_with_crlf_lines() {
        let ics = event("Room 4").to_ics();
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(ics.ends_with("END:VEVENT\r\nEND:VCALENDAR\r\n"));
        assert!(ics.contains("\r\nUID:meeting-request-7@meeting-requests\r\n"));
        assert!(ics.contains("\r\nDTSTART:20260105T140000Z\r\n"));
        assert!(ics.contains("\r\nDURATION:PT45M\r\n"));
        assert!(ics.contains("\r\nSUMMARY:Video Call with Dr. Sarah Smith and John Doe\r\n"));
        // No bare line feed anywhere.
        assert!(!ics.replace("\r\n", "").contains('\n'));
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("a,b;c\\d\r\ne\nf"), "a\\,b\\;c\\\\d\\ne\\nf");
        let ics = event("Join: https://meet.example/x, room 4;\nbring notes").to_ics();
        assert!(
            ics.contains("DESCRIPTION:Join: https://meet.example/x\\, room 4\\;\\nbring notes\r\n")
        );
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_characters() {
        let long = "é".repeat(100);
        let ics = event(&long).to_ics();
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        // Unfolding gives the value back.
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("DESCRIPTION:{long}\r\n")));
    }
}
