//! Reading the dates and times our server sends to the browser: RFC 3339 as chrono writes a
//! `DateTime<Utc>` (`2026-12-03T14:05:09.042Z`, a fraction of 0, 3, 6 or 9 digits) and ISO dates
//! (`2026-12-03`). The browser's copies of the rows the dashboard shows read their times here
//! (`#[serde(deserialize_with)]` under the `hydrate` feature) instead of through chrono's
//! general parser, which would cost every page's wasm about 16 KB for these few fields. The
//! server keeps chrono's own, which also reads what other producers write.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde::{de::Error, Deserialize, Deserializer};

/// `2026-12-03`
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    NaiveDate::from_ymd_opt(
        digits(&b[0..4])? as i32,
        digits(&b[5..7])?,
        digits(&b[8..10])?,
    )
}

/// `2026-12-03T14:05:09Z`, `2026-12-03T14:05:09.042+01:00`; `t` or a space also separate
/// the date from the time, `z` ends it as `Z` does.
pub fn parse_utc(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    if b.len() < 20 || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let date = parse_date(s.get(..10)?)?;
    let (hour, minute, second) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    );
    let mut rest = &b[19..];
    let mut nanos = 0;
    if let Some((b'.', after)) = rest.split_first() {
        let len = after.iter().take_while(|c| c.is_ascii_digit()).count();
        if len == 0 || len > 9 {
            return None;
        }
        nanos = digits(&after[..len])? * 10u32.pow(9 - len as u32);
        rest = &after[len..];
    }
    let offset_seconds = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let seconds = (digits(&[*h1, *h2])? * 3600 + digits(&[*m1, *m2])? * 60) as i64;
            if *sign == b'+' {
                seconds
            } else {
                -seconds
            }
        }
        _ => return None,
    };
    // A leap second (:60) is kept as chrono keeps it: second 59 and a fraction past 1 s.
    let time = if second == 60 {
        NaiveTime::from_hms_nano_opt(hour, minute, 59, 1_000_000_000 + nanos)?
    } else {
        NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?
    };
    let local = NaiveDateTime::new(date, time);
    let utc = local.checked_sub_signed(chrono::TimeDelta::try_seconds(offset_seconds)?)?;
    Some(DateTime::from_naive_utc_and_offset(utc, Utc))
}

fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |n, c| {
        c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
    })
}

/// `#[serde(deserialize_with = "crate::wire_time::date")]`
pub fn date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let s = String::deserialize(d)?;
    parse_date(&s).ok_or_else(|| D::Error::custom(format!("not a date: `{s}`")))
}

/// `#[serde(deserialize_with = "crate::wire_time::utc")]`
pub fn utc<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    let s = String::deserialize(d)?;
    parse_utc(&s).ok_or_else(|| D::Error::custom(format!("not an RFC 3339 time: `{s}`")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn what_chrono_writes_reads_back_the_same() {
        for s in [
            "2026-12-03T14:05:09Z",
            "2026-12-03T14:05:09.042Z",
            "2026-12-03T14:05:09.042123Z",
            "2026-12-03T14:05:09.000000001Z",
            "1999-12-31T23:59:60.5Z",
            "2026-12-03T14:05:09.042+01:00",
            "2026-12-03T00:30:00-02:30",
            "2026-12-03 14:05:09z",
        ] {
            let chrono: DateTime<Utc> = s.parse().unwrap();
            assert_eq!(parse_utc(s), Some(chrono), "{s}");
        }
        assert_eq!(
            parse_date("2022-12-06"),
            NaiveDate::from_ymd_opt(2022, 12, 6)
        );
    }

    #[test]
    fn anything_else_is_refused() {
        for s in [
            "",
            "2026-12-03",
            "2026-12-03T14:05:09",
            "2026-12-03T14:05:09.Z",
            "2026-12-03T14:05:09.0420000001Z",
            "2026-13-03T14:05:09Z",
            "2026-12-03T24:05:09Z",
            "2026-12-03T14:05:09+1:00",
            "2026-12-03T14:05:09Zjunk",
            "२०२६-12-03T14:05:09Z",
        ] {
            assert_eq!(parse_utc(s), None, "{s}");
        }
        for s in ["2022-12-6", "2022-02-30", "22-12-06", "2022/12/06"] {
            assert_eq!(parse_date(s), None, "{s}");
        }
    }

    #[test]
    fn rows_read_through_serde() {
        #[derive(Debug, Deserialize)]
        struct Row {
            #[serde(deserialize_with = "date")]
            day: NaiveDate,
            #[serde(deserialize_with = "utc")]
            at: DateTime<Utc>,
        }
        let row: Row =
            serde_json::from_str(r#"{"day":"2026-12-03","at":"2026-12-03T14:05:09Z"}"#).unwrap();
        assert_eq!(row.day, NaiveDate::from_ymd_opt(2026, 12, 3).unwrap());
        assert_eq!(row.at.to_rfc3339(), "2026-12-03T14:05:09+00:00");
        let bad = serde_json::from_str::<Row>(r#"{"day":"yesterday","at":"x"}"#).unwrap_err();
        assert!(bad.to_string().contains("not a date: `yesterday`"), "{bad}");
    }

    proptest! {
        #[test]
        fn any_time_chrono_serializes_reads_back(secs in 0i64..8_000_000_000, nanos in 0u32..1_000_000_000, step in 0usize..4) {
            // chrono writes 0, 3, 6 or 9 fraction digits, as the value needs.
            let nanos = [0, nanos / 1_000_000 * 1_000_000, nanos / 1000 * 1000, nanos][step];
            let t = DateTime::from_timestamp(secs, nanos).unwrap();
            let json = serde_json::to_string(&t).unwrap();
            prop_assert_eq!(parse_utc(json.trim_matches('"')), Some(t));
            let day = t.date_naive();
            prop_assert_eq!(parse_date(&day.to_string()), Some(day));
        }
    }
}
