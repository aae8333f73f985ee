//! When a meeting should take place: an instant, and the IANA zone it was
//! asked in. Zones are resolved through `Zones`: the server knows the whole
//! time zone database, the browser only its own zone.

use crate::shared::error::ApiError;
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};

/// How far ahead a meeting may be asked for.
pub const MAX_DAYS_AHEAD: i64 = 365;

/// An IANA zone name that a `Zones` knows, e.g. `Europe/Paris`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneName(String);

impl ZoneName {
    /// Only a `Zones` makes one: it vouches for the name.
    pub fn known(name: impl Into<String>) -> ZoneName {
        ZoneName(name.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a time zone database answers.
pub trait Zones {
    /// The zone called `name`, if it exists.
    fn zone(&self, name: &str) -> Option<ZoneName>;
    /// A wall-clock time in `zone` as an instant; `None` when the clocks skip it.
    fn to_utc(&self, zone: &ZoneName, local: NaiveDateTime) -> Option<DateTime<Utc>>;
}

/// How a time arrives: RFC 3339 with an offset (the JSON API), or the
/// wall-clock value of a `datetime-local` input in the patient's zone (the
/// page's form).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimeInput {
    Rfc3339(String),
    Local(String),
}

/// A meeting time known to be in the future and at most a year ahead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeetingTime {
    pub at: DateTime<Utc>,
    pub zone: ZoneName,
}

impl MeetingTime {
    /// `field` names the input in errors (`preferred_at`).
    pub fn parse(
        field: &'static str,
        input: &TimeInput,
        zone: ZoneName,
        zones: &impl Zones,
        now: DateTime<Utc>,
    ) -> Result<MeetingTime, ApiError> {
        let at = resolve(field, input, &zone, zones)?;
        Ok(MeetingTime {
            at: check_ahead(field, at, now)?,
            zone,
        })
    }
}

pub fn parse_zone(raw: &str, zones: &impl Zones) -> Result<ZoneName, ApiError> {
    zones.zone(raw.trim()).ok_or_else(|| {
        ApiError::invalid(
            "time_zone",
            "Unknown time zone: use an IANA name such as Europe/Paris.",
        )
    })
}

fn resolve(
    field: &'static str,
    input: &TimeInput,
    zone: &ZoneName,
    zones: &impl Zones,
) -> Result<DateTime<Utc>, ApiError> {
    match input {
        TimeInput::Rfc3339(text) => DateTime::parse_from_rfc3339(text.trim())
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| {
                ApiError::invalid(
                    field,
                    "Give the time as an RFC 3339 date-time with an offset, e.g. 2025-11-05T14:00:00+01:00.",
                )
            }),
        TimeInput::Local(text) => {
            let text = text.trim();
            if text.is_empty() {
                return Err(ApiError::invalid(field, "Choose a preferred date and time."));
            }
            let naive = parse_local(text)
                .ok_or_else(|| ApiError::invalid(field, "Choose a valid date and time."))?;
            zones.to_utc(zone, naive).ok_or_else(|| {
                ApiError::invalid(
                    field,
                    "That time does not exist in your time zone (the clocks change). Choose another.",
                )
            })
        }
    }
}

/// `YYYY-MM-DDTHH:MM`, or with `:SS`, as a `datetime-local` input gives it.
/// (Written out rather than with chrono's format strings, whose parser and
/// formatter the WebAssembly would otherwise carry.)
pub fn parse_local(text: &str) -> Option<NaiveDateTime> {
    fn number(part: &str, len: usize) -> Option<u32> {
        (part.len() == len && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse().ok())
            .flatten()
    }
    let (date, time) = text.split_once('T')?;
    let mut date = date.split('-');
    let (year, month, day) = (date.next()?, date.next()?, date.next()?);
    let mut time = time.split(':');
    let (hour, minute, second) = (time.next()?, time.next()?, time.next().unwrap_or("00"));
    if date.next().is_some() || time.next().is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(number(year, 4)? as i32, number(month, 2)?, number(day, 2)?)?
        .and_hms_opt(number(hour, 2)?, number(minute, 2)?, number(second, 2)?)
}

/// The inverse of `parse_local`, with seconds.
pub fn local_text(at: NaiveDateTime) -> String {
    use chrono::{Datelike, Timelike};
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        at.year(),
        at.month(),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// The lengths a meeting may have, in minutes (SPEC 11).
pub const DURATIONS: [u32; 4] = [15, 30, 45, LONGEST_DURATION];
pub const DEFAULT_DURATION: u32 = 30;
/// The longest a meeting lasts: only meetings that started less than this
/// long before a time can still be running at it.
pub const LONGEST_DURATION: u32 = 60;

/// `duration_minutes`: one of `DURATIONS`; absent means the default.
pub fn parse_duration(raw: Option<i64>) -> Result<u32, ApiError> {
    match raw {
        None => Ok(DEFAULT_DURATION),
        Some(n) => DURATIONS
            .iter()
            .copied()
            .find(|d| i64::from(*d) == n)
            .ok_or_else(|| {
                ApiError::invalid(
                    "duration_minutes",
                    "A meeting lasts 15, 30, 45 or 60 minutes.",
                )
            }),
    }
}

/// A stored instant (`2025-11-05T14:00:00Z`, as the server writes them).
pub fn parse_stored(text: &str) -> Option<NaiveDateTime> {
    parse_local(text.strip_suffix('Z').unwrap_or(text))
}

/// The cookie in which the browser tells the server its time zone, so that
/// pages come with times already in the reader's zone.
pub const ZONE_COOKIE: &str = "tz";

/// The zone a `Cookie` header (or `document.cookie`) names in `ZONE_COOKIE`,
/// as given (the server checks it against its database).
pub fn zone_in_cookies(cookies: &str) -> Option<&str> {
    cookies
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == ZONE_COOKIE)
        .map(|(_, zone)| zone)
}

/// A UTC wall-clock instant as a reader sees it `offset_minutes` east of
/// UTC: `Fri, Nov 27, 2026, 03:30 PM GMT+1` (`UTC` at offset 0). The server
/// (for the zone a page is rendered in) and the browser (for its own zone)
/// both write times with it, so a page's times do not change, and nothing
/// moves, when the page comes alive.
pub fn display_time(utc: NaiveDateTime, offset_minutes: i32) -> String {
    use chrono::{Datelike, Timelike};
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let at = utc + Duration::minutes(i64::from(offset_minutes));
    let hour = match at.hour() % 12 {
        0 => 12,
        h => h,
    };
    let half = if at.hour() < 12 { "AM" } else { "PM" };
    let zone = match offset_minutes {
        0 => "UTC".to_string(),
        m => {
            let sign = if m < 0 { '-' } else { '+' };
            let (h, min) = (m.abs() / 60, m.abs() % 60);
            if min == 0 {
                format!("GMT{sign}{h}")
            } else {
                format!("GMT{sign}{h}:{min:02}")
            }
        }
    };
    format!(
        "{}, {} {}, {}, {hour:02}:{:02} {half} {zone}",
        DAYS[at.weekday().num_days_from_monday() as usize],
        MONTHS[at.month0() as usize],
        at.day(),
        at.year(),
        at.minute(),
    )
}

/// When a meeting that starts at the stored instant `start` ends.
pub fn meeting_end(start: &str, minutes: u32) -> Option<NaiveDateTime> {
    Some(parse_stored(start)? + Duration::minutes(i64::from(minutes)))
}

/// Whether two meetings (stored start, length in minutes) share any minute.
/// Back to back is not an overlap.
pub fn overlaps(a: &str, a_minutes: u32, b: &str, b_minutes: u32) -> bool {
    match (parse_stored(a), parse_stored(b)) {
        (Some(a_start), Some(b_start)) => {
            let a_end = a_start + Duration::minutes(i64::from(a_minutes));
            let b_end = b_start + Duration::minutes(i64::from(b_minutes));
            a_start < b_end && b_start < a_end
        }
        _ => false,
    }
}

/// The rule of `overlaps` as bounds on the other meeting's start, for a
/// query to test: a meeting of `d` minutes shares a minute with the one
/// from `start` lasting `minutes` if, and only if, it starts before `end`
/// and after `start - d`. Gives `end` and, for each of `DURATIONS`, that
/// earliest start (exclusive).
pub fn overlap_bounds(
    start: NaiveDateTime,
    minutes: u32,
) -> (NaiveDateTime, [(u32, NaiveDateTime); DURATIONS.len()]) {
    let end = start + Duration::minutes(i64::from(minutes));
    (
        end,
        DURATIONS.map(|d| (d, start - Duration::minutes(i64::from(d)))),
    )
}

/// In the future, and at most a year ahead.
fn check_ahead(
    field: &'static str,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, ApiError> {
    if at <= now {
        return Err(ApiError::invalid(
            field,
            "Choose a date and time in the future.",
        ));
    }
    if at > now + Duration::days(MAX_DAYS_AHEAD) {
        return Err(ApiError::invalid(
            field,
            "Choose a date within the next year.",
        ));
    }
    Ok(at)
}

#[cfg(test)]
pub(crate) mod tests {
    /// `overlap_bounds` says what `overlaps` says, for every length and
    /// every start from two hours before to two hours after.
    #[test]
    fn overlap_bounds_agree_with_overlaps() {
        let a = "2026-05-04T10:00:00Z";
        let a_start = parse_stored(a).unwrap();
        for a_minutes in DURATIONS {
            let (end, earliest) = overlap_bounds(a_start, a_minutes);
            for offset in -120..=120 {
                let b_start = a_start + Duration::minutes(offset);
                let b = format!("{}Z", local_text(b_start));
                for (b_minutes, after) in earliest {
                    assert_eq!(
                        overlaps(a, a_minutes, &b, b_minutes),
                        b_start < end && b_start > after,
                        "{a} {a_minutes} / {b} {b_minutes}"
                    );
                }
            }
        }
    }

    #[test]
    fn local_input_is_read_as_a_datetime_local_value() {
        let t = parse_local("2026-03-29T14:05").unwrap();
        assert_eq!(local_text(t), "2026-03-29T14:05:00");
        assert_eq!(
            local_text(parse_local("2026-03-29T14:05:09").unwrap()),
            "2026-03-29T14:05:09"
        );
        for bad in [
            "",
            "2026-03-29",
            "2026-3-29T14:05",
            "2026-02-30T10:00",
            "2026-03-29T24:00",
            "2026-03-29T14:05:09:01",
            "+026-03-29T14:05",
            "2026-03-29 14:05",
            "2026-03-29T14:5",
        ] {
            assert_eq!(parse_local(bad), None, "{bad}");
        }
    }

    use super::*;

    #[test]
    fn the_zone_cookie_is_found_among_others() {
        assert_eq!(zone_in_cookies("tz=Europe/Paris"), Some("Europe/Paris"));
        assert_eq!(
            zone_in_cookies("session=ab12; tz=America/New_York; x=1"),
            Some("America/New_York")
        );
        assert_eq!(zone_in_cookies("session=ab12; tzz=UTC"), None);
        assert_eq!(zone_in_cookies(""), None);
    }

    #[test]
    fn times_read_the_same_in_every_zone_format() {
        let at = parse_stored("2026-11-27T15:30:00Z").unwrap();
        assert_eq!(display_time(at, 0), "Fri, Nov 27, 2026, 03:30 PM UTC");
        assert_eq!(display_time(at, 60), "Fri, Nov 27, 2026, 04:30 PM GMT+1");
        assert_eq!(display_time(at, -480), "Fri, Nov 27, 2026, 07:30 AM GMT-8");
        assert_eq!(
            display_time(at, 330),
            "Fri, Nov 27, 2026, 09:00 PM GMT+5:30"
        );
        assert_eq!(
            display_time(at, -210),
            "Fri, Nov 27, 2026, 12:00 PM GMT-3:30"
        );
        // Across midnight, and the first hour of the day.
        assert_eq!(display_time(at, 540), "Sat, Nov 28, 2026, 12:30 AM GMT+9");
        let new_year = parse_stored("2026-12-31T23:05:00Z").unwrap();
        assert_eq!(
            display_time(new_year, 60),
            "Fri, Jan 1, 2027, 12:05 AM GMT+1"
        );
    }
    use chrono::TimeZone;

    /// A zone database of one zone, two hours ahead of UTC, with a gap at
    /// 02:00-03:00 on 2026-03-29: enough to test the rules without one.
    pub struct FixedZones;

    impl Zones for FixedZones {
        fn zone(&self, name: &str) -> Option<ZoneName> {
            (name == "Test/Plus_Two").then(|| ZoneName::known(name))
        }
        fn to_utc(&self, _zone: &ZoneName, local: NaiveDateTime) -> Option<DateTime<Utc>> {
            let gap = NaiveDateTime::parse_from_str("2026-03-29T02:00", "%Y-%m-%dT%H:%M").ok()?;
            if local >= gap && local < gap + Duration::hours(1) {
                return None;
            }
            Some(Utc.from_utc_datetime(&(local - Duration::hours(2))))
        }
    }

    fn zone() -> ZoneName {
        parse_zone("Test/Plus_Two", &FixedZones).unwrap()
    }

    #[test]
    fn durations_and_overlaps() {
        assert_eq!(parse_duration(None), Ok(30));
        assert_eq!(parse_duration(Some(45)), Ok(45));
        for bad in [0, 10, 90, -30] {
            let err = parse_duration(Some(bad)).unwrap_err();
            assert_eq!(err.field.as_deref(), Some("duration_minutes"));
        }
        let at = "2026-01-05T14:00:00Z";
        assert!(overlaps(at, 30, "2026-01-05T14:15:00Z", 15));
        assert!(overlaps(at, 60, "2026-01-05T13:30:00Z", 45));
        assert!(overlaps("2026-01-05T13:30:00Z", 45, at, 60));
        // Back to back, either way round.
        assert!(!overlaps(at, 30, "2026-01-05T14:30:00Z", 30));
        assert!(!overlaps(at, 30, "2026-01-05T13:30:00Z", 30));
        assert!(!overlaps(at, 30, "garbage", 30));
        assert_eq!(
            meeting_end(at, 45).map(local_text).as_deref(),
            Some("2026-01-05T14:45:00")
        );
    }

    #[test]
    fn must_be_future_and_within_a_year() {
        let now = Utc.with_ymd_and_hms(2025, 11, 2, 12, 0, 0).unwrap();
        let at = |d: Duration| TimeInput::Rfc3339((now + d).to_rfc3339());
        let parse = |d| MeetingTime::parse("preferred_at", &at(d), zone(), &FixedZones, now);
        assert!(parse(Duration::zero()).is_err());
        assert!(parse(Duration::minutes(-1)).is_err());
        assert!(parse(Duration::minutes(1)).is_ok());
        assert!(parse(Duration::days(365)).is_ok());
        let err = parse(Duration::days(366)).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("preferred_at"));
    }

    #[test]
    fn local_times_resolve_in_the_zone_and_rfc3339_needs_an_offset() {
        let now = Utc.with_ymd_and_hms(2025, 11, 2, 12, 0, 0).unwrap();
        let parse =
            |input: TimeInput| MeetingTime::parse("preferred_at", &input, zone(), &FixedZones, now);
        let t = parse(TimeInput::Local("2025-11-05T14:00".into())).unwrap();
        assert_eq!(t.at, Utc.with_ymd_and_hms(2025, 11, 5, 12, 0, 0).unwrap());
        assert!(parse(TimeInput::Local("2026-03-29T02:30".into())).is_err());
        assert!(parse(TimeInput::Local("tomorrow".into())).is_err());
        assert!(parse(TimeInput::Local(" ".into())).is_err());
        assert!(parse(TimeInput::Rfc3339("2025-11-05T14:00:00+01:00".into())).is_ok());
        assert!(parse(TimeInput::Rfc3339("2025-11-05T14:00:00".into())).is_err());
        assert_eq!(
            parse_zone("Mars/Olympus", &FixedZones)
                .unwrap_err()
                .field
                .as_deref(),
            Some("time_zone")
        );
    }
}
