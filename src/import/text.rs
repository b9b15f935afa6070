//! Text-level helpers for imported files: telling UTF-8 from GBK, undoing the full-width
//! characters a Chinese input method types into plates and room numbers, and reading dates.

pub use crate::domain::to_halfwidth;
use std::borrow::Cow;

use chrono::NaiveDate;
use encoding_rs::GBK;

/// The encodings a CSV file may come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8, with or without a byte-order mark (Excel's "CSV UTF-8").
    Utf8,
    /// GBK / GB18030, what Excel on a Chinese Windows saves as plain "CSV (逗号分隔)".
    Gbk,
}

/// Decodes a file's bytes: valid UTF-8 (a leading BOM is dropped) is taken as UTF-8, anything
/// else is decoded as GBK. Returns `None` when the bytes are neither.
pub fn decode(bytes: &[u8]) -> Option<(Cow<'_, str>, Encoding)> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(body) {
        return Some((Cow::Borrowed(text), Encoding::Utf8));
    }
    GBK.decode_without_bom_handling_and_without_replacement(bytes)
        .map(|text| (text, Encoding::Gbk))
}

/// Parses a date written `YYYY-MM-DD` (2026-11-28); `2026/11/28`, as Excel in China shows dates,
/// is accepted too.
pub fn parse_date(raw: &str) -> Result<NaiveDate, String> {
    let shape = "write the date as YYYY-MM-DD, e.g. 2026-11-28";
    let parts: Vec<&str> = raw.trim().split(['-', '/']).collect();
    let [y, m, d] = parts[..] else {
        return Err(shape.to_owned());
    };
    let digits = |s: &str, len: std::ops::RangeInclusive<usize>| {
        len.contains(&s.len()) && s.chars().all(|c| c.is_ascii_digit())
    };
    if !(digits(y, 4..=4) && digits(m, 1..=2) && digits(d, 1..=2)) {
        return Err(shape.to_owned());
    }
    let number = |s: &str| s.parse::<u32>().unwrap_or(0);
    NaiveDate::from_ymd_opt(number(y) as i32, number(m), number(d))
        .ok_or_else(|| format!("there is no such day in the calendar; {shape}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom() {
        let (t, e) = decode("\u{FEFF}姓名".as_bytes()).unwrap();
        assert_eq!((t.as_ref(), e), ("姓名", Encoding::Utf8));
        let (t, e) = decode("姓名".as_bytes()).unwrap();
        assert_eq!((t.as_ref(), e), ("姓名", Encoding::Utf8));
    }

    #[test]
    fn gbk_is_decoded() {
        let (bytes, _, bad) = GBK.encode("王总,川A8H458");
        assert!(!bad);
        let (t, e) = decode(&bytes).unwrap();
        assert_eq!((t.as_ref(), e), ("王总,川A8H458", Encoding::Gbk));
    }

    #[test]
    fn neither_utf8_nor_gbk_is_refused() {
        // 0xFF is not a valid first byte in UTF-8 nor in GBK
        assert!(decode(b"name\n\xFF\xFF\n").is_none());
    }

    #[test]
    fn full_width_becomes_half_width() {
        assert_eq!(to_halfwidth("３－２－１５０２"), "3-2-1502");
        assert_eq!(to_halfwidth("粤Ｂ６Ｒ６７８"), "粤B6R678");
    }
}
