use crate::i18n::*;
use leptos::prelude::*;

/// English / Italiano. The choice is kept in a cookie, so the server renders the next page
/// in it directly (written here: in the browser leptos_i18n runs without its cookie feature).
#[component]
pub fn LocaleSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let button = move |locale: Locale, label: &'static str, lang: &'static str| {
        view! {
            <button type="button" lang=lang
                aria-pressed=move || (i18n.get_locale() == locale).to_string()
                on:click=move |_| {
                    i18n.set_locale(locale);
                    crate::cookies::remember(crate::cookies::LANGUAGE, lang);
                }
                class="rounded px-2 py-1 text-xs font-medium aria-pressed:bg-blue-600 aria-pressed:text-white hover:bg-sky-100 dark:hover:bg-gray-700">
                {label}
            </button>
        }
    };
    view! {
        <div role="group" aria-label=move || t_string!(i18n, language) class="flex gap-1" data-testid="locale-switch">
            {button(Locale::en, "English", "en")}
            {button(Locale::it, "Italiano", "it")}
        </div>
    }
}
