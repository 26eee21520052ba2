use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <main class="flex h-full flex-col items-center justify-center gap-2 p-12">
            <h2 class="text-xl font-semibold">"404 Not Found"</h2>
            <p>"Could not find the requested page."</p>
            <A href="/dashboard" attr:class="mt-4 rounded-md bg-blue-500 px-4 py-2 text-sm text-white hover:bg-blue-400">"Go Back"</A>
        </main>
    }
}
