use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};

/// A search box that puts its text in the URL (`?query=...&page=1`) 300 ms after the last
/// keystroke, so results are shareable and the back button works.
#[component]
pub fn Search(#[prop(into)] placeholder: Signal<String>) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let location = use_location();
    let navigate = use_navigate();
    let pending = StoredValue::new(None::<TimeoutHandle>);
    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
        let navigate = navigate.clone();
        let path = location.pathname.get_untracked();
        let handle = set_timeout_with_handle(
            move || {
                let target = if text.trim().is_empty() {
                    path
                } else {
                    format!("{path}?query={}&page=1", urlencode(text.trim()))
                };
                navigate(&target, Default::default());
            },
            std::time::Duration::from_millis(300),
        )
        .ok();
        pending.set_value(handle);
    };
    view! {
        <div class="relative flex flex-1 flex-shrink-0">
            <label for="search" class="sr-only">{t!(i18n, search)}</label>
            <input
                id="search"
                type="search"
                class="peer block w-full rounded-md border border-gray-200 py-[9px] pl-10 text-sm outline-2 placeholder:text-gray-500 dark:border-gray-700 dark:bg-gray-900"
                placeholder=move || placeholder.get()
                value=query.read_untracked().get("query").unwrap_or_default()
                on:input=on_input
            />
            <span class="pointer-events-none absolute left-3 top-1/2 -translate-y-1/2 text-gray-500 peer-focus:text-gray-900 dark:text-gray-400 dark:peer-focus:text-gray-100">
                <crate::components::icons::Icon name=crate::components::icons::IconName::Search class="h-[18px] w-[18px]" />
            </span>
        </div>
    }
}

/// Percent-encodes a query value (a space as `+`, as forms send it).
pub fn urlencode(text: &str) -> String {
    percent_encode(text).replace("%20", "+")
}

/// Percent-encodes everything but unreserved characters (for a `data:` URL, where `+` is a plus).
pub fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
