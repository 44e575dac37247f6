//! Query strings: the [`Query`] extractor, and numbers and ids (`limit`, `after`, `before`...)
//! parsed at the edge into the same field errors as bodies, so every listing route answers bad
//! paging alike.

use std::ops::RangeInclusive;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use parley_app::error::AppError;
use parley_core::{FieldErrors, Snowflake, Timestamp};
use serde::de::DeserializeOwned;

/// A query string read into `T`. A query that does not fit `T` (a required parameter missing,
/// one given twice) is a Parley 400 (50035) naming the problem, in JSON like every other
/// error, rather than axum's plain-text rejection.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(rejection) => Err(AppError::field("_query", "BASE_TYPE_INVALID", rejection.body_text())),
        }
    }
}

/// A whole number in `range`, or `default` when absent; anything else is a field error.
pub fn number(
    errors: &mut FieldErrors,
    field: &str,
    raw: Option<&str>,
    default: i64,
    range: RangeInclusive<i64>,
) -> i64 {
    match raw.map(str::parse::<i64>) {
        None => default,
        Some(Ok(n)) if range.contains(&n) => n,
        Some(_) => {
            errors.add(field, "NUMBER_TYPE_MAX", format!("Must be between {} and {}.", range.start(), range.end()));
            default
        }
    }
}

/// A snowflake id, or `None` when absent; anything else is a field error.
pub fn id(errors: &mut FieldErrors, field: &str, raw: Option<&str>) -> Option<Snowflake> {
    let parsed = raw.map(str::parse::<Snowflake>)?;
    if parsed.is_err() {
        errors.add(field, "NUMBER_TYPE_COERCE", "Must be a snowflake id.");
    }
    parsed.ok()
}

/// An ISO 8601 timestamp (`before` in a listing by time), or `None` when absent; anything else
/// is a field error.
pub fn timestamp(errors: &mut FieldErrors, field: &str, raw: Option<&str>) -> Option<Timestamp> {
    let parsed = Timestamp::parse_iso8601(raw?);
    if parsed.is_none() {
        errors.add(field, "DATE_TIME_TYPE_PARSE", "Must be an ISO 8601 timestamp.");
    }
    parsed
}

/// Discord's boolean query string (`True`, `true` or `1`; `False`, `false` or `0`), or
/// `false` when absent; anything else is a field error.
pub fn boolean(errors: &mut FieldErrors, field: &str, raw: Option<&str>) -> bool {
    match raw {
        None | Some("False" | "false" | "0") => false,
        Some("True" | "true" | "1") => true,
        Some(_) => {
            errors.add(field, "BASE_TYPE_BOOLEAN", "Must be either true or false.");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_ids_default_when_absent_and_complain_when_bad() {
        let mut errors = FieldErrors::new();
        assert_eq!(number(&mut errors, "limit", None, 50, 1..=100), 50);
        assert_eq!(number(&mut errors, "limit", Some("7"), 50, 1..=100), 7);
        assert_eq!(id(&mut errors, "after", None), None);
        assert_eq!(id(&mut errors, "after", Some("42")), Some(Snowflake::new(42)));
        assert!(errors.is_empty());
        number(&mut errors, "limit", Some("0"), 50, 1..=100);
        id(&mut errors, "after", Some("x"));
        timestamp(&mut errors, "before", Some("monday"));
        assert_eq!(
            errors.iter().map(|e| e.code).collect::<Vec<_>>(),
            vec!["NUMBER_TYPE_MAX", "NUMBER_TYPE_COERCE", "DATE_TIME_TYPE_PARSE"]
        );
        let at = timestamp(&mut errors, "before", Some("2016-04-30T11:18:25.796000+00:00"));
        assert_eq!(at, Some(Timestamp::from_unix_millis(1_462_015_105_796)));
    }
}
