//! One feed item: what happened (icon and colour per action), to which invoice and customer,
//! the amount and status (with the change), what the processor did, and how long ago.

use super::filters::action_label;
use crate::components::icons::{Icon, IconName};
use crate::events::{Action, ActivityItem};
use crate::formatting;
use crate::i18n::*;
use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// Colours and an icon per action.
fn look(action: Action) -> (&'static str, IconName) {
    match action {
        Action::Created => (
            "bg-blue-100 text-blue-700 dark:bg-blue-900 dark:text-blue-200",
            IconName::Plus,
        ),
        Action::Updated => (
            "bg-gray-100 text-gray-700 dark:bg-gray-800 dark:text-gray-200",
            IconName::Pencil,
        ),
        Action::StatusChanged => (
            "bg-green-100 text-green-700 dark:bg-green-900 dark:text-green-200",
            IconName::Swap,
        ),
        Action::Deleted => (
            "bg-red-100 text-red-700 dark:bg-red-900 dark:text-red-200",
            IconName::Trash,
        ),
        Action::DeadLettered => (
            "bg-amber-100 text-amber-800 dark:bg-amber-900 dark:text-amber-200",
            IconName::Warning,
        ),
    }
}

fn effect_label(i18n: leptos_i18n::I18nContext<Locale>, code: &str) -> String {
    match code {
        "email:confirmation" => t_string!(i18n, effect_email_confirmation).to_string(),
        "email:update_notice" => t_string!(i18n, effect_email_update_notice).to_string(),
        "email:receipt" => t_string!(i18n, effect_email_receipt).to_string(),
        "email:thank_you" => t_string!(i18n, effect_email_thank_you).to_string(),
        "task:follow_up" => t_string!(i18n, effect_task_follow_up).to_string(),
        "webhook:accounting" => t_string!(i18n, effect_webhook_accounting).to_string(),
        "webhook:finance" => t_string!(i18n, effect_webhook_finance).to_string(),
        "webhook:team_chat" => t_string!(i18n, effect_webhook_team_chat).to_string(),
        "audit" => t_string!(i18n, effect_audit).to_string(),
        "analytics" => t_string!(i18n, effect_analytics).to_string(),
        "archive" => t_string!(i18n, effect_archive).to_string(),
        "revenue" => t_string!(i18n, effect_revenue).to_string(),
        "dead_letter" => t_string!(i18n, effect_dead_letter).to_string(),
        other => other.to_string(),
    }
}

#[component]
pub fn ActivityRow(item: ActivityItem, now: RwSignal<DateTime<Utc>>) -> impl IntoView {
    let i18n = use_i18n();
    let (colour, icon) = look(item.action);
    let action = item.action;
    let amount = item.amount;
    let occurred_at = item.occurred_at;
    let effects = item.effects.clone();
    let short_id: String = item.invoice_id.chars().take(8).collect();
    let invoice = if item.action.leaves_no_invoice()
        || uuid::Uuid::parse_str(&item.invoice_id).is_err()
    {
        view! { <span class="font-mono text-xs text-gray-500" title=item.invoice_id.clone()>{short_id}</span> }.into_any()
    } else {
        let href = format!("/dashboard/invoices/{}/edit", item.invoice_id);
        view! { <a href=href class="font-mono text-xs text-blue-600 hover:underline" title=item.invoice_id.clone()>{short_id}</a> }.into_any()
    };
    let status = match &item.previous_status {
        Some(before) => format!("{before} → {}", item.status),
        None => item.status.clone(),
    };
    view! {
        <li class="flex flex-wrap items-center gap-x-4 gap-y-1 rounded-md border border-gray-100 bg-gray-50 p-3 text-sm dark:border-gray-800 dark:bg-gray-900"
            data-testid="activity-item" data-seq=item.seq data-invoice-id=item.invoice_id.clone() data-action=item.action.as_str()
            data-customer-id=item.customer_id.clone()>
            <span class=format!("flex items-center gap-1 rounded px-2 py-1 text-xs font-medium {colour}") data-testid="activity-action">
                <Icon name=icon class="h-4 w-4" />
                {move || action_label(i18n, action)}
            </span>
            {item.customer_image.clone().map(|src| view! { <img src=src class="rounded-full" width="28" height="28" alt="" /> })}
            <span class="font-medium">{item.customer_name.clone().unwrap_or_else(|| item.customer_id.clone())}</span>
            {invoice}
            <span data-testid="activity-amount">{move || formatting::money(amount, i18n.get_locale())}</span>
            <span class="text-gray-500" data-testid="activity-status">{status}</span>
            <span class="text-xs text-gray-500" data-testid="activity-effects">
                {move || effects.iter().map(|e| effect_label(i18n, e)).collect::<Vec<_>>().join(" · ")}
            </span>
            {item.reason.clone().map(|reason| view! { <span class="w-full text-xs text-amber-800 dark:text-amber-300" data-testid="activity-reason">{reason}</span> })}
            {(item.action != Action::DeadLettered).then(|| view! {
                <a href=format!("/dashboard/events/{}", item.event_id) class="text-xs text-blue-600 hover:underline" data-testid="activity-journey">{t!(i18n, journey_link)}</a>
            })}
            {latency((item.processed_at - item.occurred_at).num_milliseconds()).map(|text| view! {
                <span class="text-xs text-gray-400" data-testid="activity-latency" title=move || t_string!(i18n, activity_latency_title).to_string()>{text}</span>
            })}
            <time class="ml-auto text-xs text-gray-400" datetime=item.occurred_at.to_rfc3339() title=crate::formatting::utc(item.occurred_at)
                data-testid="activity-time">
                {move || formatting::ago(occurred_at, now.get(), i18n.get_locale())}
            </time>
        </li>
    }
}

/// How long after the change its event was processed: `84 ms`, `2.4 s`, `3 min`; nothing for a
/// clock that went backwards.
fn latency(ms: i64) -> Option<String> {
    match ms {
        ..0 => None,
        0..1_000 => Some(format!("{ms} ms")),
        1_000..60_000 => Some(format!("{:.1} s", ms as f64 / 1000.0)),
        _ => Some(format!("{} min", ms / 60_000)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn latency_reads_in_the_unit_that_suits_it() {
        assert_eq!(super::latency(-5), None);
        assert_eq!(super::latency(84).as_deref(), Some("84 ms"));
        assert_eq!(super::latency(2_440).as_deref(), Some("2.4 s"));
        assert_eq!(super::latency(200_000).as_deref(), Some("3 min"));
    }
}
