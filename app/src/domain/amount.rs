use serde::{Deserialize, Serialize};
use std::fmt;

/// A positive amount of money in integer cents. Parsed from the dollars a user types
/// without going through floating point, so "0.10" is exactly 10 cents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AmountCents(i64);

/// The largest amount we accept: $10,000,000.00. Anything above is a typing mistake.
pub const MAX_CENTS: i64 = 1_000_000_000;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("Please enter an amount greater than $0.")]
    NotPositive,
    #[error("Please enter a number, like 125.50.")]
    NotANumber,
    #[error("Please enter at most two decimals (cents).")]
    TooManyDecimals,
    #[error("Please enter an amount up to $10,000,000.")]
    TooLarge,
}

impl AmountCents {
    /// Parses dollars as typed: "12", "12.5", "12.50", " 1,250.00 ", "$3".
    pub fn parse_dollars(input: &str) -> Result<Self, AmountError> {
        let cleaned: String = input
            .trim()
            .trim_start_matches('$')
            .chars()
            .filter(|c| *c != ',' && *c != '_')
            .collect();
        if cleaned.is_empty() {
            return Err(AmountError::NotPositive);
        }
        if cleaned.starts_with('-') {
            return match cleaned[1..].chars().all(|c| c.is_ascii_digit() || c == '.') {
                true => Err(AmountError::NotPositive),
                false => Err(AmountError::NotANumber),
            };
        }
        let (whole, fraction) = match cleaned.split_once('.') {
            Some((w, f)) => (w, f),
            None => (cleaned.as_str(), ""),
        };
        let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if !digits(whole) || !digits(fraction) || (whole.is_empty() && fraction.is_empty()) {
            return Err(AmountError::NotANumber);
        }
        if fraction.len() > 2 {
            return Err(AmountError::TooManyDecimals);
        }
        // More than 10 whole digits is far above the maximum; stop before overflow.
        let whole = whole.trim_start_matches('0');
        if whole.len() > 10 {
            return Err(AmountError::TooLarge);
        }
        let dollars: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| AmountError::NotANumber)?
        };
        let cents: i64 = format!("{fraction:0<2}")
            .parse()
            .map_err(|_| AmountError::NotANumber)?;
        Self::from_cents(dollars * 100 + cents)
    }

    pub fn from_cents(cents: i64) -> Result<Self, AmountError> {
        match cents {
            c if c <= 0 => Err(AmountError::NotPositive),
            c if c > MAX_CENTS => Err(AmountError::TooLarge),
            c => Ok(Self(c)),
        }
    }

    pub fn cents(self) -> i64 {
        self.0
    }

    /// Dollars as a user would type them back into the form: "1234.50".
    pub fn to_plain_dollars(self) -> String {
        format!("{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

/// Formats cents as US dollars: 1234567 -> "$12,345.67".
pub fn format_usd(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    let whole = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}${grouped}.{:02}", cents % 100)
}

impl fmt::Display for AmountCents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_usd(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cents(s: &str) -> Result<i64, AmountError> {
        AmountCents::parse_dollars(s).map(AmountCents::cents)
    }

    #[test]
    fn dollars_become_exact_cents() {
        assert_eq!(cents("12"), Ok(1200));
        assert_eq!(cents("12.5"), Ok(1250));
        assert_eq!(cents("0.10"), Ok(10));
        assert_eq!(cents("0.20"), Ok(20));
        assert_eq!(cents(".3"), Ok(30));
        assert_eq!(cents(" $1,250.99 "), Ok(125099));
        assert_eq!(cents("10000000"), Ok(MAX_CENTS));
    }

    #[test]
    fn sums_of_parsed_amounts_have_no_float_error() {
        let a = AmountCents::parse_dollars("0.10").unwrap().cents();
        let b = AmountCents::parse_dollars("0.20").unwrap().cents();
        assert_eq!(a + b, 30);
    }

    #[test]
    fn bad_amounts_say_why() {
        assert_eq!(cents(""), Err(AmountError::NotPositive));
        assert_eq!(cents("0"), Err(AmountError::NotPositive));
        assert_eq!(cents("0.00"), Err(AmountError::NotPositive));
        assert_eq!(cents("-5"), Err(AmountError::NotPositive));
        assert_eq!(cents("abc"), Err(AmountError::NotANumber));
        assert_eq!(cents("1e5"), Err(AmountError::NotANumber));
        assert_eq!(cents("1.2.3"), Err(AmountError::NotANumber));
        assert_eq!(cents("."), Err(AmountError::NotANumber));
        assert_eq!(cents("1.234"), Err(AmountError::TooManyDecimals));
        assert_eq!(cents("10000000.01"), Err(AmountError::TooLarge));
        assert_eq!(cents("99999999999999999999999"), Err(AmountError::TooLarge));
    }

    #[test]
    fn plain_dollars_parse_back_to_the_same_cents() {
        for cents in [1, 10, 99, 100, 15795, MAX_CENTS] {
            let amount = AmountCents::from_cents(cents).unwrap();
            assert_eq!(
                AmountCents::parse_dollars(&amount.to_plain_dollars()),
                Ok(amount)
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn any_valid_amount_round_trips_through_its_dollars(cents in 1i64..=MAX_CENTS) {
            let amount = AmountCents::from_cents(cents).unwrap();
            proptest::prop_assert_eq!(AmountCents::parse_dollars(&amount.to_plain_dollars()), Ok(amount));
            proptest::prop_assert_eq!(AmountCents::parse_dollars(&format_usd(cents)), Ok(amount));
        }

        #[test]
        fn parsing_never_panics_and_only_accepts_what_it_can_show(input in "\\PC{0,24}") {
            if let Ok(amount) = AmountCents::parse_dollars(&input) {
                proptest::prop_assert!(amount.cents() > 0 && amount.cents() <= MAX_CENTS);
            }
        }

        #[test]
        fn three_decimals_are_always_refused(whole in 0u32..1_000_000, fraction in 0u32..1000) {
            let typed = format!("{whole}.{fraction:03}");
            proptest::prop_assert_eq!(AmountCents::parse_dollars(&typed), Err(AmountError::TooManyDecimals));
        }
    }

    #[test]
    fn formats_like_the_nextjs_dashboard() {
        assert_eq!(format_usd(1234567), "$12,345.67");
        assert_eq!(format_usd(666), "$6.66");
        assert_eq!(format_usd(100000), "$1,000.00");
    }
}
