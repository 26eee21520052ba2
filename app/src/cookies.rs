//! Reading one cookie from a request's `Cookie` header (the theme, the language).

/// The value of cookie `name` in a `Cookie` header (`a=1; theme=dark`), if present.
pub fn cookie_value<'h>(header: &'h str, name: &str) -> Option<&'h str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::cookie_value;

    #[test]
    fn one_cookie_is_found_among_others() {
        assert_eq!(
            cookie_value("acme_session=x; theme=dark", "theme"),
            Some("dark")
        );
        assert_eq!(cookie_value("theme=light", "theme"), Some("light"));
        assert_eq!(cookie_value("a=b", "theme"), None);
        assert_eq!(cookie_value("", "theme"), None);
    }
}
