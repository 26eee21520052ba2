//! `/dashboard/activity`: every processed invoice event, newest first. The newest items are
//! rendered on the server; later ones arrive over the WebSocket `/ws/activity`.

#[cfg(feature = "hydrate")]
mod live;

use crate::formatting;
use crate::i18n::*;
use crate::events::ActivityItem;
use leptos::prelude::*;

/// How many items the server renders into the page.
pub const FIRST_PAGE: i64 = 50;

#[server(endpoint = "recent_activity")]
pub async fn recent_activity() -> Result<Vec<ActivityItem>, ServerFnError> {
    let state = crate::state::app_state()?;
    crate::db::activity::newest(&state.pool, FIRST_PAGE).await.map_err(|e| {
        tracing::error!(error = %e, "loading the activity feed failed");
        ServerFnError::new("could not load the activity feed")
    })
}

/// The state of the live connection, as the indicator shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connection {
    Connecting,
    Live,
    Reconnecting,
}

#[component]
pub fn ActivityPage() -> impl IntoView {
    let initial = Resource::new(|| (), |_| recent_activity());
    // Items that arrived live, newest first; never one the page already shows.
    let live = RwSignal::new(Vec::<ActivityItem>::new());
    let connection = RwSignal::new(Connection::Connecting);
    let i18n = use_i18n();

    #[cfg(feature = "hydrate")]
    {
        let started = StoredValue::new(false);
        Effect::new(move |_| {
            if let Some(Ok(items)) = initial.get() {
                if !started.get_value() {
                    started.set_value(true);
                    let after = items.first().map(|i| i.seq).unwrap_or(0);
                    live::LiveFeed::start(after, live, connection);
                }
            }
        });
    }

    view! {
        <div class="w-full">
            <div class="flex items-center justify-between">
                <h1 class="text-2xl">{t!(i18n, activity)}</h1>
                <ConnectionIndicator connection />
            </div>
            <Suspense fallback=move || view! { <p class="mt-6 text-gray-500">{t!(i18n, loading_activity)}</p> }>
                {move || Suspend::new(async move {
                    match initial.await {
                        Ok(items) => {
                            let newest_rendered = items.first().map(|i| i.seq).unwrap_or(0);
                            let empty = items.is_empty();
                            let arrived_live = move || {
                                live.get().into_iter().filter(|i| i.seq > newest_rendered).collect::<Vec<_>>()
                            };
                            view! {
                                <ul class="mt-6 flex flex-col gap-2" data-testid="activity-feed">
                                    <For
                                        each=arrived_live
                                        key=|item| item.seq
                                        let:item
                                    >
                                        <ActivityRow item />
                                    </For>
                                    {items.into_iter().map(|item| view! { <ActivityRow item /> }).collect_view()}
                                </ul>
                                <Show when=move || empty && live.with(Vec::is_empty)>
                                    <p class="mt-6 text-gray-500" data-testid="activity-empty">{t!(i18n, activity_empty)}</p>
                                </Show>
                            }
                            .into_any()
                        }
                        Err(e) => view! { <p class="mt-6 text-red-600">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn ConnectionIndicator(connection: RwSignal<Connection>) -> impl IntoView {
    let i18n = use_i18n();
    let label = move || match connection.get() {
        Connection::Connecting => ("bg-gray-300", "connecting"),
        Connection::Live => ("bg-green-500", "live"),
        Connection::Reconnecting => ("bg-amber-500", "reconnecting"),
    };
    let text = move || match connection.get() {
        Connection::Connecting => t_string!(i18n, connection_connecting),
        Connection::Live => t_string!(i18n, connection_live),
        Connection::Reconnecting => t_string!(i18n, connection_reconnecting),
    };
    view! {
        <span class="flex items-center gap-2 text-sm text-gray-600" data-testid="connection" data-state=move || label().1>
            <span class=move || format!("inline-block h-2 w-2 rounded-full {}", label().0)></span>
            {text}
        </span>
    }
}

#[component]
fn ActivityRow(item: ActivityItem) -> impl IntoView {
    let i18n = use_i18n();
    let action = item.action.clone();
    let action_text = move || match action.as_str() {
        "created" => t_string!(i18n, action_created).to_string(),
        "updated" => t_string!(i18n, action_updated).to_string(),
        "status_changed" => t_string!(i18n, action_status_changed).to_string(),
        "deleted" => t_string!(i18n, action_deleted).to_string(),
        other => other.to_string(),
    };
    let amount = item.amount;
    let colour = match item.action.as_str() {
        "created" => "bg-blue-100 text-blue-700",
        "deleted" => "bg-red-100 text-red-700",
        "status_changed" => "bg-green-100 text-green-700",
        _ => "bg-gray-100 text-gray-700",
    };
    view! {
        <li class="flex items-center gap-4 rounded-md border border-gray-100 bg-gray-50 p-3 text-sm"
            data-testid="activity-item" data-seq=item.seq data-invoice-id=item.invoice_id.clone() data-action=item.action.clone()>
            <span class=format!("rounded px-2 py-1 text-xs font-medium {colour}")>{action_text}</span>
            {item.customer_image.clone().map(|src| view! { <img src=src class="rounded-full" width="28" height="28" alt="" /> })}
            <span class="font-medium">{item.customer_name.clone().unwrap_or_else(|| item.customer_id.clone())}</span>
            <span data-testid="activity-amount">{move || formatting::money(amount, i18n.get_locale())}</span>
            <span class="text-gray-500">{item.status.clone()}</span>
            <span class="text-xs text-gray-500" data-testid="activity-effects">{item.effects.join(" · ")}</span>
            <time class="ml-auto text-xs text-gray-400" datetime=item.occurred_at.to_rfc3339()>
                {item.occurred_at.format("%Y-%m-%d %H:%M:%S UTC").to_string()}
            </time>
        </li>
    }
}
