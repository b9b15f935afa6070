//! How values are written to and read from the database's columns: times as milliseconds,
//! dates as text, vocabulary as its keys, posts as a list of keys.

use chrono::{DateTime, NaiveDate, Utc};

/// Milliseconds since the epoch of `t`.
pub(crate) fn to_ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// The instant `ms` milliseconds after the epoch (column `idx`, for the error).
pub(crate) fn from_ms(idx: usize, ms: i64) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms).ok_or(rusqlite::Error::IntegralValueOutOfRange(idx, ms))
}

/// The `YYYY-MM-DD` text of a local date.
pub(crate) fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Reads column `idx` as a date written by [`date_text`].
pub(crate) fn date_col(row: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<Option<NaiveDate>> {
    let Some(text) = row.get::<_, Option<String>>(idx)? else {
        return Ok(None);
    };
    NaiveDate::parse_from_str(&text, "%Y-%m-%d")
        .map(Some)
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
        })
}

/// Reads column `idx` as a value of a closed set (`key()` of a domain enum).
pub(crate) fn key_col<T>(row: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<T>
where
    T: std::str::FromStr<Err = crate::domain::UnknownValue>,
{
    let text: String = row.get(idx)?;
    text.parse().map_err(|e: crate::domain::UnknownValue| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// Reads column `idx` as an optional value of a closed set.
pub(crate) fn opt_key_col<T>(row: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<Option<T>>
where
    T: std::str::FromStr<Err = crate::domain::UnknownValue>,
{
    match row.get_ref(idx)? {
        rusqlite::types::ValueRef::Null => Ok(None),
        _ => key_col(row, idx).map(Some),
    }
}

/// Comma-separated post keys, in order.
pub(crate) fn posts_text(posts: &[crate::domain::Post]) -> String {
    posts.iter().map(|p| p.key()).collect::<Vec<_>>().join(",")
}

/// Reads column `idx` written by [`posts_text`].
pub(crate) fn posts_col(
    row: &rusqlite::Row<'_>,
    idx: usize,
) -> rusqlite::Result<Vec<crate::domain::Post>> {
    let text: String = row.get(idx)?;
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse().map_err(|e: crate::domain::UnknownValue| {
                rusqlite::Error::FromSqlConversionFailure(
                    idx,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })
        })
        .collect()
}
