//! `/dashboard/deliveries`: the processor's mail and webhooks, filtered by state; "retry now"
//! (admins) for one or every failing one; a mail's content as it was sent. In development
//! this replaces reading an SMTP sink's log.

use crate::auth::roles::Role;
use crate::components::me::error_text;
use crate::deliveries::{Channel, Delivery, DeliveryState};
use crate::errors::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Deliveries shown at once.
#[cfg(feature = "ssr")]
const SHOWN: i64 = 200;

#[server(endpoint = "deliveries")]
pub async fn deliveries(state: Option<String>) -> Result<Vec<Delivery>, AppError> {
    let pool = crate::state::app_state()?.pool;
    let state = match state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            DeliveryState::parse(s)
                .ok_or_else(|| AppError::bad_request("`state` is one of failing, queued, sent"))?,
        ),
    };
    Ok(crate::deliveries::list(&pool, state, SHOWN).await?)
}

/// Makes one failing delivery (`channel` and `id`), or every failing one (`all`), due now.
#[server(endpoint = "retry_delivery")]
pub async fn retry_delivery(
    channel: Option<String>,
    id: Option<i64>,
    all: bool,
) -> Result<u64, AppError> {
    use crate::audit::{self, action, Change};
    let actor = crate::auth::ssr::require(Role::Admin).await?;
    let pool = crate::state::app_state()?.pool;
    let which = match (channel.as_deref(), id, all) {
        (_, _, true) => None,
        (Some("mail"), Some(id), false) => Some((Channel::Mail, id)),
        (Some("webhook"), Some(id), false) => Some((Channel::Webhook, id)),
        _ => {
            return Err(AppError::bad_request(
                "say which delivery (channel mail or webhook, and id), or all",
            ))
        }
    };
    let retried = crate::deliveries::retry_now(&pool, which).await?;
    let target = match which {
        None => "all failing".to_string(),
        Some((channel, id)) => format!("{channel:?} {id}").to_lowercase(),
    };
    let change = Change {
        action: action::DELIVERY_RETRY,
        target: &target,
        outcome: audit::SUCCEEDED,
        details: serde_json::json!({ "retried": retried }),
    };
    audit::record(&pool, Some(&actor), change).await?;
    Ok(retried)
}

#[server(endpoint = "mail_content")]
pub async fn sent_mail(id: i64) -> Result<Option<crate::deliveries::MailContent>, AppError> {
    let pool = crate::state::app_state()?.pool;
    Ok(crate::deliveries::mail_content(&pool, id).await?)
}

fn state_label(i18n: leptos_i18n::I18nContext<Locale>, state: DeliveryState) -> String {
    match state {
        DeliveryState::Sent => t_string!(i18n, delivery_sent),
        DeliveryState::Failing => t_string!(i18n, delivery_failing),
        DeliveryState::Queued => t_string!(i18n, delivery_queued),
    }
    .to_string()
}

#[component]
pub fn DeliveriesPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_query_map();
    let state = move || params.read().get("state").filter(|s| !s.is_empty());
    let retry = ServerAction::<RetryDelivery>::new();
    let list = Resource::new(
        move || (state(), retry.version().get()),
        |(s, _)| deliveries(s),
    );
    let is_admin = crate::components::me::may(Role::Admin);
    let opened = RwSignal::new(None::<i64>);
    let content = Resource::new(
        move || opened.get(),
        |id| async move {
            match id {
                Some(id) => sent_mail(id).await,
                None => Ok(None),
            }
        },
    );
    let filter_link = move |value: Option<DeliveryState>| {
        let href = value.map_or("/dashboard/deliveries".to_string(), |s| {
            format!("/dashboard/deliveries?state={}", s.as_str())
        });
        let current = state().as_deref() == value.map(DeliveryState::as_str);
        let label = move || {
            value.map_or_else(
                || t_string!(i18n, delivery_all).to_string(),
                |s| state_label(i18n, s),
            )
        };
        view! {
            <a href=href class=move || if current { "rounded-md bg-blue-600 px-3 py-1 text-white" } else { "rounded-md border px-3 py-1 dark:border-gray-700" }
                data-testid="delivery-filter">{label}</a>
        }
    };
    view! {
        <div class="w-full">
            <h1 class="mb-4 text-2xl">{t!(i18n, nav_deliveries)}</h1>
            <div class="mb-4 flex flex-wrap items-center gap-2 text-sm">
                {filter_link(None)}
                {DeliveryState::ALL.into_iter().map(|s| filter_link(Some(s))).collect_view()}
                <Show when=move || is_admin.get()>
                    <button type="button" class="ml-auto rounded-md bg-blue-600 px-3 py-1 text-white hover:bg-blue-500" data-testid="retry-all"
                        on:click=move |_| { retry.dispatch(RetryDelivery { channel: None, id: None, all: true }); }>
                        {t!(i18n, delivery_retry_all)}
                    </button>
                </Show>
            </div>
            <p aria-live="polite" class="mb-2 text-sm" data-testid="retry-result">
                {move || retry.value().get().map(|r| match r {
                    Ok(n) => format!("{} {n}", t_string!(i18n, delivery_retried)),
                    Err(e) => error_text(i18n, &e),
                })}
            </p>
            <Transition fallback=|| view! { <super::invoices::TableSkeleton /> }>
                {move || Suspend::new(async move {
                    list.await.map(|rows| view! {
                        <table class="min-w-full text-sm" data-testid="deliveries-table">
                            <thead class="bg-gray-50 text-left dark:bg-gray-800">
                                <tr>
                                    <th class="px-3 py-3 font-medium">{t!(i18n, delivery_to)}</th>
                                    <th class="px-3 py-3 font-medium">{t!(i18n, delivery_what)}</th>
                                    <th class="px-3 py-3 font-medium">{t!(i18n, col_state)}</th>
                                    <th class="px-3 py-3 font-medium">{t!(i18n, delivery_attempts)}</th>
                                    <th class="px-3 py-3 font-medium">{t!(i18n, delivery_next_try)}</th>
                                    <th class="px-3 py-3 font-medium">{t!(i18n, delivery_last_error)}</th>
                                    <th class="px-3 py-3"></th>
                                </tr>
                            </thead>
                            <tbody class="divide-y divide-gray-200 dark:divide-gray-700">
                                {rows.into_iter().map(|d| {
                                    let (channel, id) = (d.channel, d.id);
                                    let failing = d.state == DeliveryState::Failing;
                                    let channel_name = if channel == Channel::Mail { "mail" } else { "webhook" };
                                    view! {
                                        <tr data-testid="delivery" data-channel=channel_name data-state=d.state.as_str() data-event-id=d.event_id.to_string()>
                                            <td class="px-3 py-2">{d.to.clone()}</td>
                                            <td class="px-3 py-2">{d.what.clone()}
                                                <a href=format!("/dashboard/events/{}", d.event_id) class="ml-2 text-xs text-blue-600 hover:underline">{t!(i18n, journey_link)}</a>
                                            </td>
                                            <td class="px-3 py-2">{move || state_label(i18n, d.state)} {d.sent_at.map(|t| format!(" {}", crate::formatting::utc(t)))}</td>
                                            <td class="px-3 py-2">{d.attempts}</td>
                                            <td class="px-3 py-2 text-xs">{failing.then(|| crate::formatting::utc(d.next_attempt_at))}</td>
                                            <td class="px-3 py-2 text-xs text-red-700 dark:text-red-400">{d.last_error.clone()}</td>
                                            <td class="whitespace-nowrap px-3 py-2 text-xs">
                                                {(channel == Channel::Mail).then(|| view! {
                                                    <button type="button" class="rounded-md border px-2 py-0.5 dark:border-gray-700" data-testid="show-mail"
                                                        on:click=move |_| opened.set(Some(id))>{t!(i18n, delivery_show_mail)}</button>
                                                })}
                                                <Show when=move || failing && is_admin.get()>
                                                    <button type="button" class="ml-1 rounded-md border px-2 py-0.5 dark:border-gray-700" data-testid="retry-one"
                                                        on:click=move |_| { retry.dispatch(RetryDelivery { channel: Some(channel_name.into()), id: Some(id), all: false }); }>
                                                        {t!(i18n, delivery_retry)}
                                                    </button>
                                                </Show>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    })
                })}
            </Transition>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    content.await.ok().flatten().map(|mail| view! {
                        <section class="mt-6 rounded-md border p-4 text-sm dark:border-gray-700" data-testid="mail-content">
                            <p><b>{mail.subject}</b></p>
                            <p class="text-xs text-gray-500">{mail.recipient}</p>
                            <pre class="mt-2 whitespace-pre-wrap font-sans">{mail.body}</pre>
                        </section>
                    })
                })}
            </Transition>
        </div>
    }
}
