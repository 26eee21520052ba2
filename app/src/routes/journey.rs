//! `/dashboard/events/:id`: one event's journey (see `crate::journey`), opened from an activity
//! item; `acmectl event <id>` prints the same.

use crate::errors::AppError;
use crate::i18n::*;
use crate::journey::{HopState, Journey, Step};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[server(endpoint = "event_journey")]
pub async fn event_journey(event_id: String) -> Result<Option<Journey>, AppError> {
    let state = crate::state::app_state()?;
    let Ok(id) = uuid::Uuid::parse_str(event_id.trim()) else {
        return Ok(None);
    };
    Ok(crate::journey::of_event(&state.pool, id).await?)
}

fn step_label(i18n: leptos_i18n::I18nContext<Locale>, step: Step) -> String {
    match step {
        Step::Committed => t_string!(i18n, hop_committed),
        Step::Published => t_string!(i18n, hop_published),
        Step::Parked => t_string!(i18n, hop_parked),
        Step::Processed => t_string!(i18n, hop_processed),
        Step::Mail => t_string!(i18n, hop_mail),
        Step::Webhook => t_string!(i18n, hop_webhook),
        Step::Task => t_string!(i18n, hop_task),
        Step::AuditLog => t_string!(i18n, hop_audit_log),
        Step::Archive => t_string!(i18n, hop_archive),
        Step::Payment => t_string!(i18n, hop_payment),
        Step::ActivityItem => t_string!(i18n, hop_activity_item),
    }
    .to_string()
}

#[component]
pub fn JourneyPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let journey = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        event_journey,
    );
    view! {
        <div class="w-full">
            <h1 class="mb-4 text-2xl">{t!(i18n, journey_title)}</h1>
            <Transition fallback=|| view! { <super::invoices::TableSkeleton /> }>
                {move || Suspend::new(async move {
                    journey.await.map(|found| match found {
                        None => view! { <super::not_found::NotFoundPanel back_to="/dashboard/activity">{t!(i18n, journey_unknown)}</super::not_found::NotFoundPanel> }.into_any(),
                        Some(j) => view! {
                            <p class="mb-1 text-sm" data-testid="journey-event">
                                <span class="font-mono">{j.event_id.to_string()}</span> " · " {j.event_type.clone()} " · "
                                <a class="font-mono text-blue-600 hover:underline" href=format!("/dashboard/invoices/{}/edit", j.invoice_id)>{j.invoice_id.clone()}</a>
                            </p>
                            {j.trace_id.clone().map(|t| view! { <p class="mb-1 text-xs text-gray-500">"trace_id " <span class="font-mono" data-testid="journey-trace">{t}</span></p> })}
                            {j.commit_to_feed_ms().map(|ms| view! { <p class="mb-4 text-sm" data-testid="journey-latency">{t!(i18n, journey_commit_to_feed)} " " {ms} " ms"</p> })}
                            <table class="min-w-full text-sm" data-testid="journey">
                                <tbody class="divide-y divide-gray-200 dark:divide-gray-700">
                                    {j.hops.into_iter().map(|h| {
                                        let colour = match h.state {
                                            HopState::Done => "bg-green-500",
                                            HopState::Waiting => "bg-gray-400",
                                            HopState::Failing => "bg-red-500",
                                        };
                                        view! {
                                            <tr data-testid="hop" data-step=h.step.as_str() data-state=format!("{:?}", h.state).to_lowercase()>
                                                <td class="py-2 pr-3"><span class=format!("inline-block h-2 w-2 rounded-full {colour}")></span></td>
                                                <td class="whitespace-nowrap py-2 pr-3 font-medium">{step_label(i18n, h.step)}</td>
                                                <td class="whitespace-nowrap py-2 pr-3 font-mono text-xs">{h.at.map(crate::formatting::clock_millis).unwrap_or_else(|| "-".into())}</td>
                                                <td class="whitespace-nowrap py-2 pr-3 text-xs text-gray-500">{h.since_previous_ms.map(|ms| format!("+{ms} ms")).unwrap_or_default()}</td>
                                                <td class="py-2 text-xs">{h.detail}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                    })
                })}
            </Transition>
        </div>
    }
}
