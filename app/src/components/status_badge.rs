use crate::components::icons::{Icon, IconName};
use crate::i18n::*;
use leptos::prelude::*;

/// Pending is gray, paid is green, as in the Next.js dashboard.
#[component]
pub fn StatusBadge(status: String) -> impl IntoView {
    let i18n = use_i18n();
    let paid = status == "paid";
    let class = if paid {
        "bg-green-500 text-white"
    } else {
        "bg-gray-100 text-gray-500 dark:bg-gray-700 dark:text-gray-200"
    };
    // Pending has a clock, Paid a check, as in the Next.js dashboard.
    view! {
        <span class=format!("inline-flex items-center gap-1 rounded-full px-2 py-1 text-xs {class}") data-status=status>
            <Icon name=if paid { IconName::Check } else { IconName::Clock } class="h-4 w-4" />
            {move || if paid { t_string!(i18n, status_paid) } else { t_string!(i18n, status_pending) }}
        </span>
    }
}
