//! The cookies that keep a reader's choices (the theme, the language): reading one from a
//! request's `Cookie` header on the server, writing one in the browser.

/// The cookie the chosen language lives in (the name leptos_i18n reads on the server).
pub const LANGUAGE: &str = "i18n_pref_locale";

/// In the browser: keep `name=value` for a year, for every page of the site. (The browser
/// build writes its cookies here rather than through leptos-use's cookie hook, whose cookie
/// and date parsing would cost every page's wasm about 15 KB.)
pub fn remember(name: &str, value: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Ok(doc) = leptos::prelude::document().dyn_into::<web_sys::HtmlDocument>() {
            let _ = doc.set_cookie(&format!(
                "{name}={value}; path=/; max-age=31536000; samesite=lax"
            ));
        }
    }
    let _ = (name, value);
}

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
