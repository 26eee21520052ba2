//! Money and dates the way each language writes them: "$1,234.56" and "Dec 6, 2022" in
//! English, "1.234,56 USD" and "6 dic 2022" in Italian; and the exact times of the operator's
//! pages, "2026-12-03 14:05:09 UTC", the same in both. (Written out here rather than with
//! chrono's `format`, whose pattern interpreter would be in the browser's wasm for these alone.)

use crate::domain::{format_money, NumberStyle};
use crate::i18n::Locale;
use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MONTHS_IT: [&str; 12] = [
    "gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic",
];

pub fn money(cents: i64, locale: Locale) -> String {
    format_money(cents, number_style(locale))
}

/// How the reader of this language writes numbers (what the invoice form reads amounts with).
pub fn number_style(locale: Locale) -> NumberStyle {
    match locale {
        Locale::en => NumberStyle::English,
        Locale::it => NumberStyle::Italian,
    }
}

pub fn date(date: NaiveDate, locale: Locale) -> String {
    let month = date.month0() as usize;
    match locale {
        Locale::en => format!("{} {}, {}", MONTHS_EN[month], date.day(), date.year()),
        Locale::it => format!("{} {} {}", date.day(), MONTHS_IT[month], date.year()),
    }
}

/// A month's short name from its English abbreviation as stored ("Jan".."Dec").
pub fn month(english: &str, locale: Locale) -> String {
    match (locale, MONTHS_EN.iter().position(|m| *m == english)) {
        (Locale::it, Some(i)) => MONTHS_IT[i].to_string(),
        _ => english.to_string(),
    }
}

/// `2026-12-03 14:05:09 UTC`
pub fn utc(t: DateTime<Utc>) -> String {
    format!("{} {} UTC", day(t), clock(t))
}

/// `2026-12-03 14:05 UTC`
pub fn utc_minutes(t: DateTime<Utc>) -> String {
    format!("{} {:02}:{:02} UTC", day(t), t.hour(), t.minute())
}

/// `2026-12-03 14:05:09.042 UTC`
pub fn utc_millis(t: DateTime<Utc>) -> String {
    format!("{} {} UTC", day(t), clock_millis(t))
}

/// `14:05:09` (a leap second reads as :60, as chrono writes it)
pub fn clock(t: DateTime<Utc>) -> String {
    let (second, _) = second_and_nanos(t);
    format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), second)
}

/// `14:05:09.042`
pub fn clock_millis(t: DateTime<Utc>) -> String {
    let (_, nanos) = second_and_nanos(t);
    format!("{}.{:03}", clock(t), nanos / 1_000_000)
}

/// chrono keeps a leap second as nanoseconds past 1,000,000,000 of second 59.
fn second_and_nanos(t: DateTime<Utc>) -> (u32, u32) {
    match t.nanosecond() {
        n if n >= 1_000_000_000 => (t.second() + 1, n - 1_000_000_000),
        n => (t.second(), n),
    }
}

/// `2026-12-03`
fn day(t: DateTime<Utc>) -> String {
    format!("{:04}-{:02}-{:02}", t.year(), t.month(), t.day())
}

/// How long ago something happened, e.g. "3 min ago" / "3 min fa"; after a day, the date.
pub fn ago(then: DateTime<Utc>, now: DateTime<Utc>, locale: Locale) -> String {
    let seconds = (now - then).num_seconds().max(0);
    let (amount, unit) = match seconds {
        0..=9 => {
            return match locale {
                Locale::en => "just now".into(),
                Locale::it => "adesso".into(),
            }
        }
        10..=59 => (seconds, "s"),
        60..=3599 => (seconds / 60, "min"),
        3600..=86_399 => (seconds / 3600, "h"),
        _ => return date(then.date_naive(), locale),
    };
    match locale {
        Locale::en => format!("{amount} {unit} ago"),
        Locale::it => format!("{amount} {unit} fa"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_times_read_like_the_strftime_patterns_they_replace() {
        for t in [
            "2026-12-03T14:05:09.042Z",
            "2026-01-09T00:00:00Z",
            "1999-12-31T23:59:59.999999999Z",
            "2026-06-30T23:59:60.5Z",
        ] {
            let t: DateTime<Utc> = t.parse().unwrap();
            assert_eq!(utc(t), t.format("%Y-%m-%d %H:%M:%S UTC").to_string());
            assert_eq!(utc_minutes(t), t.format("%Y-%m-%d %H:%M UTC").to_string());
            assert_eq!(
                utc_millis(t),
                t.format("%Y-%m-%d %H:%M:%S%.3f UTC").to_string()
            );
            assert_eq!(clock(t), t.format("%H:%M:%S").to_string());
            assert_eq!(clock_millis(t), t.format("%H:%M:%S%.3f").to_string());
        }
        let t: DateTime<Utc> = "2026-12-03T04:05:09.042Z".parse().unwrap();
        assert_eq!(utc_millis(t), "2026-12-03 04:05:09.042 UTC");
    }

    #[test]
    fn times_read_as_how_long_ago_then_as_a_date() {
        let now = DateTime::parse_from_rfc3339("2026-11-27T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let before = |s: i64| now - chrono::Duration::seconds(s);
        assert_eq!(ago(before(3), now, Locale::en), "just now");
        assert_eq!(
            ago(before(-5), now, Locale::en),
            "just now",
            "a clock slightly ahead is not the future"
        );
        assert_eq!(ago(before(42), now, Locale::en), "42 s ago");
        assert_eq!(ago(before(125), now, Locale::it), "2 min fa");
        assert_eq!(ago(before(7200), now, Locale::en), "2 h ago");
        assert_eq!(ago(before(3 * 86_400), now, Locale::en), "Nov 24, 2026");
    }

    #[test]
    fn italian_money_swaps_the_separators() {
        assert_eq!(money(123456, Locale::en), "$1,234.56");
        assert_eq!(money(123456, Locale::it), "1.234,56 USD");
        assert_eq!(money(500, Locale::it), "5,00 USD");
        assert_eq!(money(100_000_000, Locale::it), "1.000.000,00 USD");
    }

    #[test]
    fn italian_dates_put_the_day_first() {
        let d = NaiveDate::from_ymd_opt(2022, 12, 6).unwrap();
        assert_eq!(date(d, Locale::en), "Dec 6, 2022");
        assert_eq!(date(d, Locale::it), "6 dic 2022");
        assert_eq!(month("Aug", Locale::it), "ago");
    }
}
