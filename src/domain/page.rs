//! Which part of a list to show (SPEC 10): `?status=&limit=&before=`, newest
//! first by id.

use super::kinds::MeetingStatus;
use super::status::parse_filter;
use crate::shared::error::ApiError;

/// Items per page when the client does not say.
pub const DEFAULT_LIMIT: i64 = 100;
/// The most items one page may ask for.
pub const MAX_LIMIT: i64 = 500;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListQuery {
    pub status: Option<MeetingStatus>,
    /// 1 to `MAX_LIMIT`.
    pub limit: i64,
    /// Only items whose id is below this one (the next page).
    pub before: Option<i64>,
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            status: None,
            limit: DEFAULT_LIMIT,
            before: None,
        }
    }
}

fn whole_number(field: &'static str, raw: Option<&str>) -> Result<Option<i64>, ApiError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .map(Some)
            .map_err(|_| ApiError::invalid(field, format!("`{field}` must be a whole number."))),
    }
}

impl ListQuery {
    /// Blank values mean the defaults.
    pub fn parse(
        status: Option<&str>,
        limit: Option<&str>,
        before: Option<&str>,
    ) -> Result<ListQuery, ApiError> {
        let status = parse_filter(status)?;
        let limit = whole_number("limit", limit)?.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::invalid(
                "limit",
                format!("`limit` must be between 1 and {MAX_LIMIT}."),
            ));
        }
        let before = whole_number("before", before)?;
        Ok(ListQuery {
            status,
            limit,
            before,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_bounds_and_named_fields() {
        assert_eq!(ListQuery::parse(None, None, None), Ok(ListQuery::default()));
        let q = ListQuery::parse(Some("pending"), Some("500"), Some("42")).unwrap();
        assert_eq!(
            q,
            ListQuery {
                status: Some(MeetingStatus::Pending),
                limit: 500,
                before: Some(42)
            }
        );
        let field = |r: Result<ListQuery, ApiError>| r.unwrap_err().field;
        assert_eq!(
            field(ListQuery::parse(None, Some("501"), None)).as_deref(),
            Some("limit")
        );
        assert_eq!(
            field(ListQuery::parse(None, Some("0"), None)).as_deref(),
            Some("limit")
        );
        assert_eq!(
            field(ListQuery::parse(None, Some("ten"), None)).as_deref(),
            Some("limit")
        );
        assert_eq!(
            field(ListQuery::parse(None, Some("99999999999999999999"), None)).as_deref(),
            Some("limit")
        );
        assert_eq!(
            field(ListQuery::parse(None, None, Some("x"))).as_deref(),
            Some("before")
        );
        assert_eq!(
            field(ListQuery::parse(Some("nope"), None, None)).as_deref(),
            Some("status")
        );
    }
}
