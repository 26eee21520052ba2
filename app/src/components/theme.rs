//! Light and dark theme. The choice lives in the `theme` cookie; the server reads it and
//! renders `<html class="dark">` itself, so the page never flashes the wrong theme.

use crate::components::icons::{Icon, IconName};
use crate::i18n::*;
use leptos::prelude::*;

pub const COOKIE: &str = "theme";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
}

impl Theme {
    pub fn from_cookie_header(header: &str) -> Option<Self> {
        match crate::cookies::cookie_value(header, COOKIE)? {
            "dark" => Some(Self::Dark),
            "light" => Some(Self::Light),
            _ => None,
        }
    }

    /// The theme asked for by the request being rendered (server only).
    pub fn of_request() -> Option<Self> {
        #[cfg(feature = "ssr")]
        {
            let parts = use_context::<http::request::Parts>()?;
            let cookies = parts.headers.get(http::header::COOKIE)?.to_str().ok()?;
            Self::from_cookie_header(cookies)
        }
        #[cfg(not(feature = "ssr"))]
        None
    }
}

/// Before first paint: with no saved choice, follow the system's preference.
pub const FOLLOW_SYSTEM_SCRIPT: &str = "if(!/(^|; )theme=/.test(document.cookie)&&matchMedia('(prefers-color-scheme: dark)').matches)document.documentElement.classList.add('dark')";

#[component]
pub fn ThemeToggle() -> impl IntoView {
    let i18n = use_i18n();
    let dark = RwSignal::new(Theme::of_request() == Some(Theme::Dark));
    // In the browser the <html> class is the truth (it may come from the system preference).
    Effect::new(move |_| {
        if let Some(root) = document().document_element() {
            dark.set(root.class_list().contains("dark"));
        }
    });
    let toggle = move |_| {
        let now_dark = !dark.get_untracked();
        dark.set(now_dark);
        if let Some(root) = document().document_element() {
            let _ = root.class_list().toggle_with_force("dark", now_dark);
        }
        crate::cookies::remember(COOKIE, if now_dark { "dark" } else { "light" });
    };
    view! {
        <button type="button" on:click=toggle data-testid="theme-toggle"
            aria-label=move || if dark.get() { t_string!(i18n, theme_to_light) } else { t_string!(i18n, theme_to_dark) }
            class="flex h-10 w-10 items-center justify-center rounded-md bg-gray-50 text-lg hover:bg-sky-100 dark:bg-gray-800 dark:hover:bg-gray-700">
            {move || view! { <Icon name=if dark.get() { IconName::Sun } else { IconName::Moon } /> }}
        </button>
    }
}

#[cfg(test)]
mod tests {
    use super::Theme;

    #[test]
    fn the_theme_cookie_is_read_among_others() {
        assert_eq!(
            Theme::from_cookie_header("acme_session=x; theme=dark"),
            Some(Theme::Dark)
        );
        assert_eq!(Theme::from_cookie_header("theme=light"), Some(Theme::Light));
        assert_eq!(Theme::from_cookie_header("theme=purple; a=b"), None);
        assert_eq!(Theme::from_cookie_header(""), None);
    }
}
