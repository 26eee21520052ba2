use leptos::prelude::*;

/// Pending is gray, paid is green, as in the Next.js dashboard.
#[component]
pub fn StatusBadge(status: String) -> impl IntoView {
    let (class, label) = match status.as_str() {
        "paid" => ("bg-green-500 text-white", "Paid"),
        _ => ("bg-gray-100 text-gray-500", "Pending"),
    };
    view! {
        <span class=format!("inline-flex items-center rounded-full px-2 py-1 text-xs {class}")>{label}</span>
    }
}
