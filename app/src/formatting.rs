//! Money and dates the way each language writes them: "$1,234.56" and "Dec 6, 2022" in
//! English, "1.234,56 USD" and "6 dic 2022" in Italian.

use crate::domain::{format_money, NumberStyle};
use crate::i18n::Locale;
use chrono::{DateTime, Datelike, NaiveDate, Utc};

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
