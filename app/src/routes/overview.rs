use leptos::prelude::*;
use leptos_router::components::A;

/// The overview cards and chart come with the dashboard issue; for now it points the way.
#[component]
pub fn OverviewPage() -> impl IntoView {
    view! {
        <h1 class="mb-4 text-xl md:text-2xl">"Dashboard"</h1>
        <p class="text-gray-600">
            "Create an invoice under "
            <A href="/dashboard/invoices" attr:class="text-blue-600 underline">"Invoices"</A>
            " and watch it arrive in the "
            <A href="/dashboard/activity" attr:class="text-blue-600 underline">"Activity"</A>
            " feed."
        </p>
    }
}
