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
    /// A separator that this language does not put there: "12,50" in English (a comma only
    /// groups thousands), "12.50" in Italian. Refused rather than guessed: a guess can be 100x off.
    #[error("Please use a point for cents and commas only between thousands, like 1,250.50.")]
    MisplacedSeparator,
}

/// How a language writes numbers: which character marks the cents and which groups thousands.
/// An amount is read the way the form's reader writes it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NumberStyle {
    /// 1,250.50
    #[default]
    English,
    /// 1.250,50
    Italian,
}

impl NumberStyle {
    pub const ALL: [NumberStyle; 2] = [NumberStyle::English, NumberStyle::Italian];

    pub fn decimal_mark(self) -> char {
        match self {
            Self::English => '.',
            Self::Italian => ',',
        }
    }

    pub fn group_mark(self) -> char {
        match self {
            Self::English => ',',
            Self::Italian => '.',
        }
    }

    /// The language code the forms and the language cookie use ("en", "it"); anything else is None.
    pub fn from_code(code: &str) -> Option<Self> {
        match code.trim().to_ascii_lowercase().as_str() {
            "en" => Some(Self::English),
            "it" => Some(Self::Italian),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::English => "en",
            Self::Italian => "it",
        }
    }
}

/// Whole digits with optional thousands groups: "1250" or "1,250" (first group 1-3 digits,
/// then groups of exactly 3). Returns the digits without the marks.
fn whole_digits(whole: &str, group: char) -> Result<String, AmountError> {
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() {
        return Ok(String::new());
    }
    if !whole.contains(group) {
        return match digits(whole) {
            true => Ok(whole.to_string()),
            false => Err(AmountError::NotANumber),
        };
    }
    let groups: Vec<&str> = whole.split(group).collect();
    if !groups.iter().all(|g| g.chars().all(|c| c.is_ascii_digit())) {
        return Err(AmountError::NotANumber);
    }
    let first_ok = (1..=3).contains(&groups[0].len());
    if first_ok && groups[1..].iter().all(|g| g.len() == 3) {
        Ok(groups.concat())
    } else {
        Err(AmountError::MisplacedSeparator)
    }
}

impl AmountCents {
    /// Parses dollars as typed in a form of the given language: in English "12", "12.5",
    /// " 1,250.00 ", "$3"; in Italian "12,5", "1.250,00", "12,50 USD". A separator the
    /// language does not put there ("12,50" in English) is refused, never guessed.
    pub fn parse(input: &str, style: NumberStyle) -> Result<Self, AmountError> {
        let trimmed = input.trim();
        let trimmed = trimmed
            .strip_suffix("USD")
            .or_else(|| trimmed.strip_suffix("usd"))
            .unwrap_or(trimmed)
            .trim();
        let trimmed = trimmed.strip_suffix('$').unwrap_or(trimmed).trim_end();
        let (negative, unsigned) = match trimmed.strip_prefix('-') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, trimmed),
        };
        let unsigned = unsigned.strip_prefix('$').unwrap_or(unsigned).trim_start();
        if unsigned.is_empty() {
            return Err(match negative {
                true => AmountError::NotANumber,
                false => AmountError::NotPositive,
            });
        }
        let (decimal, group) = (style.decimal_mark(), style.group_mark());
        let mut parts = unsigned.split(decimal);
        let whole = parts.next().unwrap_or_default();
        let fraction = parts.next();
        if parts.next().is_some() {
            // Two decimal marks: "1.2.3" in English, "1,2,3" in Italian.
            return Err(
                match unsigned.chars().all(|c| c.is_ascii_digit() || c == decimal) {
                    true if style == NumberStyle::Italian => AmountError::MisplacedSeparator,
                    _ => AmountError::NotANumber,
                },
            );
        }
        let fraction = fraction.unwrap_or("");
        if fraction.contains(group) {
            return Err(AmountError::MisplacedSeparator);
        }
        if !fraction.chars().all(|c| c.is_ascii_digit()) {
            return Err(AmountError::NotANumber);
        }
        let whole = whole_digits(whole, group)?;
        if whole.is_empty() && fraction.is_empty() {
            return Err(AmountError::NotANumber);
        }
        if negative {
            return Err(AmountError::NotPositive);
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

    /// Parses dollars written the English way ("1,250.50"): what the API takes without a language.
    pub fn parse_dollars(input: &str) -> Result<Self, AmountError> {
        Self::parse(input, NumberStyle::English)
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
        self.to_plain(NumberStyle::English)
    }

    /// Dollars as a reader of that language types them, without grouping: "1234.50", "1234,50".
    pub fn to_plain(self, style: NumberStyle) -> String {
        format!(
            "{}{}{:02}",
            self.0 / 100,
            style.decimal_mark(),
            self.0 % 100
        )
    }
}

/// Formats cents as US dollars: 1234567 -> "$12,345.67".
pub fn format_usd(cents: i64) -> String {
    format_money(cents, NumberStyle::English)
}

/// Money the way each language writes it: "$12,345.67" in English, "12.345,67 USD" in Italian.
pub fn format_money(cents: i64, style: NumberStyle) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    let whole = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(style.group_mark());
        }
        grouped.push(ch);
    }
    let (decimal, fraction) = (style.decimal_mark(), cents % 100);
    match style {
        NumberStyle::English => format!("{sign}${grouped}{decimal}{fraction:02}"),
        NumberStyle::Italian => format!("{sign}{grouped}{decimal}{fraction:02} USD"),
    }
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

    fn read(s: &str, style: NumberStyle) -> Result<i64, AmountError> {
        AmountCents::parse(s, style).map(AmountCents::cents)
    }

    #[test]
    fn italian_reads_a_comma_as_the_cents() {
        use NumberStyle::Italian;
        assert_eq!(read("12,50", Italian), Ok(1250));
        assert_eq!(read("1.250,50", Italian), Ok(125050));
        assert_eq!(read("1.234.567,8", Italian), Ok(123456780));
        assert_eq!(read("12,50 USD", Italian), Ok(1250));
        assert_eq!(read("1250", Italian), Ok(125000));
        assert_eq!(read(",5", Italian), Ok(50));
        assert_eq!(read("1.250", Italian), Ok(125000));
    }

    #[test]
    fn english_reads_a_point_as_the_cents_and_commas_between_thousands() {
        use NumberStyle::English;
        assert_eq!(read("1,250.50", English), Ok(125050));
        assert_eq!(read("$1,234,567.8", English), Ok(123456780));
        assert_eq!(read("1,250", English), Ok(125000));
    }

    #[test]
    fn an_ambiguous_or_misplaced_separator_is_refused_never_guessed() {
        for (typed, style) in [
            ("12,50", NumberStyle::English),
            ("12.50", NumberStyle::Italian),
            ("1,2,3", NumberStyle::English),
            ("1,2,3", NumberStyle::Italian),
            ("12.50,1", NumberStyle::English),
            ("12.50,1", NumberStyle::Italian),
            ("1,25.50", NumberStyle::English),
            ("1.2345,00", NumberStyle::Italian),
            ("1,250,5", NumberStyle::English),
            ("1.234,5.6", NumberStyle::Italian),
        ] {
            assert_eq!(
                read(typed, style),
                Err(AmountError::MisplacedSeparator),
                "{typed:?} in {style:?}"
            );
        }
        assert_eq!(
            read("1.250", NumberStyle::English),
            Err(AmountError::TooManyDecimals)
        );
        assert_eq!(
            read("1,250", NumberStyle::Italian),
            Err(AmountError::TooManyDecimals)
        );
    }

    #[test]
    fn the_form_shows_an_amount_the_way_its_reader_types_it() {
        let amount = AmountCents::from_cents(123450).unwrap();
        assert_eq!(amount.to_plain(NumberStyle::English), "1234.50");
        assert_eq!(amount.to_plain(NumberStyle::Italian), "1234,50");
        assert_eq!(
            format_money(123456789, NumberStyle::Italian),
            "1.234.567,89 USD"
        );
    }

    /// Inputs made of the characters that matter: digits, both marks, a sign, spaces, currency.
    fn typed_amount() -> impl proptest::strategy::Strategy<Value = String> {
        proptest::string::string_regex("[-$ 0-9.,]{0,14}(USD)?").unwrap()
    }

    proptest::proptest! {
        #[test]
        fn each_language_reads_back_what_it_writes(cents in 1i64..=MAX_CENTS) {
            let amount = AmountCents::from_cents(cents).unwrap();
            for style in NumberStyle::ALL {
                proptest::prop_assert_eq!(AmountCents::parse(&format_money(cents, style), style), Ok(amount));
                proptest::prop_assert_eq!(AmountCents::parse(&amount.to_plain(style), style), Ok(amount));
            }
        }

        #[test]
        fn no_input_means_two_different_amounts_in_the_two_languages(input in typed_amount()) {
            let english = AmountCents::parse(&input, NumberStyle::English);
            let italian = AmountCents::parse(&input, NumberStyle::Italian);
            if let (Ok(e), Ok(i)) = (&english, &italian) {
                proptest::prop_assert_eq!(e, i, "{:?} read as two amounts", input);
            }
        }

        #[test]
        fn no_language_accepts_what_it_cannot_show(input in "\\PC{0,24}") {
            for style in NumberStyle::ALL {
                if let Ok(amount) = AmountCents::parse(&input, style) {
                    proptest::prop_assert!(amount.cents() > 0 && amount.cents() <= MAX_CENTS);
                }
            }
        }
    }

    #[test]
    fn formats_like_the_nextjs_dashboard() {
        assert_eq!(format_usd(1234567), "$12,345.67");
        assert_eq!(format_usd(666), "$6.66");
        assert_eq!(format_usd(100000), "$1,000.00");
    }
}
