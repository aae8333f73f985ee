//! The whole IANA time zone database (chrono-tz), on the server only: the
//! WebAssembly client asks the browser instead.

use crate::domain::{ZoneName, Zones};
use chrono::{DateTime, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

#[derive(Clone, Copy, Debug, Default)]
pub struct TzDatabase;

fn tz(zone: &ZoneName) -> Option<Tz> {
    zone.as_str().parse().ok()
}

impl Zones for TzDatabase {
    fn zone(&self, name: &str) -> Option<ZoneName> {
        name.parse::<Tz>().ok().map(|tz| ZoneName::known(tz.name()))
    }

    fn to_utc(&self, zone: &ZoneName, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        tz(zone)?
            .from_local_datetime(&local)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    }
}

/// A stored instant as the page being rendered shows it: in the zone the
/// reader's browser named in its cookie (`ZONE_COOKIE`), in UTC until it
/// has (`display_time`; the browser writes the same text for its zone).
pub fn page_time(stored: &str) -> String {
    let Some(utc) = crate::domain::time::parse_stored(stored) else {
        return stored.to_string();
    };
    let offset = reader_zone()
        .map(|tz| tz.offset_from_utc_datetime(&utc).fix().local_minus_utc() / 60)
        .unwrap_or(0);
    crate::domain::time::display_time(utc, offset)
}

/// The zone named by the request's `tz` cookie, if it is a real one.
fn reader_zone() -> Option<Tz> {
    let parts = leptos::prelude::use_context::<axum::http::request::Parts>()?;
    parts
        .headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(crate::domain::time::zone_in_cookies)
        .and_then(|zone| zone.parse().ok())
}

impl TzDatabase {
    /// `at` as the wall clock of `zone`, written with `format`.
    pub fn local_text(&self, zone: &ZoneName, at: DateTime<Utc>, format: &str) -> String {
        match tz(zone) {
            Some(tz) => at.with_timezone(&tz).format(format).to_string(),
            None => at.format(format).to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `page_time` while rendering a page asked for with `cookie`.
    fn rendered_with(cookie: Option<&str>, stored: &str) -> String {
        let mut request = axum::http::Request::builder();
        if let Some(cookie) = cookie {
            request = request.header(axum::http::header::COOKIE, cookie);
        }
        let (parts, ()) = request.body(()).unwrap().into_parts();
        let owner = leptos::prelude::Owner::new();
        owner.with(|| {
            leptos::prelude::provide_context(parts);
            page_time(stored)
        })
    }

    #[test]
    fn pages_show_times_in_the_zone_the_browser_named() {
        let winter = "2026-11-27T15:30:00Z";
        let summer = "2026-07-01T15:30:00Z";
        assert_eq!(
            rendered_with(Some("session=ab; tz=Europe/Paris"), winter),
            "Fri, Nov 27, 2026, 04:30 PM GMT+1"
        );
        assert_eq!(
            rendered_with(Some("tz=Europe/Paris"), summer),
            "Wed, Jul 1, 2026, 05:30 PM GMT+2"
        );
        assert_eq!(
            rendered_with(Some("tz=Asia/Kolkata"), winter),
            "Fri, Nov 27, 2026, 09:00 PM GMT+5:30"
        );
        // No cookie, or a zone that does not exist: UTC.
        assert_eq!(
            rendered_with(None, winter),
            "Fri, Nov 27, 2026, 03:30 PM UTC"
        );
        assert_eq!(
            rendered_with(Some("tz=Mars/Olympus"), winter),
            "Fri, Nov 27, 2026, 03:30 PM UTC"
        );
        // Not a stored time: as it is.
        assert_eq!(rendered_with(None, "soon"), "soon");
    }
    use crate::domain::time::TimeInput;
    use crate::domain::{MeetingTime, time::parse_zone};
    use chrono::TimeZone;

    #[test]
    fn local_times_resolve_in_the_patients_zone() {
        let now = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        let paris = parse_zone("Europe/Paris", &TzDatabase).unwrap();
        let parse = |s: &str| {
            MeetingTime::parse(
                "preferred_at",
                &TimeInput::Local(s.into()),
                paris.clone(),
                &TzDatabase,
                now,
            )
        };
        assert_eq!(
            parse("2025-11-05T14:00").unwrap().at,
            Utc.with_ymd_and_hms(2025, 11, 5, 13, 0, 0).unwrap()
        );
        // 02:30 on the spring-forward night does not exist in Paris.
        assert!(parse("2025-03-30T02:30").is_err());
        assert!(parse_zone("Mars/Olympus", &TzDatabase).is_err());
        assert_eq!(
            TzDatabase.local_text(
                &paris,
                Utc.with_ymd_and_hms(2025, 11, 5, 13, 0, 0).unwrap(),
                "%H:%M"
            ),
            "14:00"
        );
    }
}
