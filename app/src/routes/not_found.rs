use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::components::A;

/// The 404 page: answers with status 404 when rendered on the server, says what was not
/// found (`children`) and offers a way back.
#[component]
pub fn NotFoundPanel(back_to: &'static str, children: Children) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    let i18n = use_i18n();
    view! {
        <main class="flex h-full flex-col items-center justify-center gap-2 p-12">
            <h2 class="text-xl font-semibold">{t!(i18n, not_found_title)}</h2>
            <p>{children()}</p>
            <A href=back_to attr:class="mt-4 rounded-md bg-blue-500 px-4 py-2 text-sm text-white hover:bg-blue-400">{t!(i18n, go_back)}</A>
        </main>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    view! { <NotFoundPanel back_to="/dashboard">{t!(i18n, not_found_page)}</NotFoundPanel> }
}

/// What a page the reader's role may not see shows instead (status 403 from the server).
#[component]
pub fn Forbidden() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::FORBIDDEN);
    }
    let i18n = use_i18n();
    view! {
        <main class="flex h-full flex-col items-center justify-center gap-2 p-12" data-testid="forbidden">
            <h2 class="text-xl font-semibold">{t!(i18n, forbidden_title)}</h2>
            <p>{t!(i18n, forbidden_page)}</p>
            <A href="/dashboard" attr:class="mt-4 rounded-md bg-blue-500 px-4 py-2 text-sm text-white hover:bg-blue-400">{t!(i18n, go_back)}</A>
        </main>
    }
}
