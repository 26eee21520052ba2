//! `/dashboard/activity`: every processed invoice event (and every dead letter), newest first.
//! The first page is rendered on the server for the filter in the URL; later items come from
//! the tab's live connection (see `components::live`), filtered the same way, each once.

mod filters;
mod row;

use crate::components::live::{ConnectionIndicator, LiveUpdates};
use crate::errors::AppError;
use crate::events::{ActivityItem, FeedFilter};
use crate::i18n::*;
use chrono::Utc;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How many items the server renders into the page.
pub const FIRST_PAGE: i64 = 50;

/// The first page of the feed for one filter, and the feed's position when it was read:
/// every item up to `position` that matches is in `items` (or older than its 50).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeedPage {
    pub items: Vec<ActivityItem>,
    pub position: i64,
}

impl FeedPage {
    /// Items above this come from the live connection. `items` may hold a few committed just
    /// after `position` was read; `seq` order is commit order, so nothing below their newest
    /// is missing from the page.
    pub fn covered_up_to(&self) -> i64 {
        self.items
            .first()
            .map(|i| i.seq)
            .unwrap_or(0)
            .max(self.position)
    }
}

#[server(endpoint = "activity_feed")]
pub async fn activity_feed(
    action: Option<String>,
    customer: Option<String>,
) -> Result<FeedPage, AppError> {
    let state = crate::state::app_state()?;
    let filter = FeedFilter::new(action, customer);
    let read = async {
        // The position first, so that nothing committed between the two reads is missed.
        let position = crate::db::activity::position(&state.pool).await?;
        let items = crate::db::activity::newest(&state.pool, &filter, FIRST_PAGE).await?;
        Ok::<_, sqlx::Error>(FeedPage { items, position })
    };
    read.await
        .map_err(|e| AppError::unavailable("could not load the activity feed", &e))
}

/// The most items one `activity_between` call answers with.
#[cfg(feature = "ssr")]
const MAX_BETWEEN: i64 = 5_000;

/// Items after `after` up to `until` that match the filter, oldest first: what happened
/// between the page being rendered and the tab's live connection starting.
#[server(endpoint = "activity_between")]
pub async fn activity_between(
    after: i64,
    until: i64,
    action: Option<String>,
    customer: Option<String>,
) -> Result<Vec<ActivityItem>, AppError> {
    let state = crate::state::app_state()?;
    let until = until.min(after + MAX_BETWEEN);
    crate::db::activity::between(
        &state.pool,
        after,
        until,
        &FeedFilter::new(action, customer),
        MAX_BETWEEN,
    )
    .await
    .map_err(|e| AppError::unavailable("could not load the activity feed", &e))
}

#[component]
pub fn ActivityPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_query_map();
    let filter =
        Memo::new(move |_| params.with(|p| FeedFilter::new(p.get("action"), p.get("customer"))));
    let page = Resource::new(
        move || filter.get(),
        |f| activity_feed(f.action, f.customer),
    );
    let live = LiveUpdates::get();
    // Items newer than the first page, by seq (so each once and in order).
    let newer = RwSignal::new(BTreeMap::<i64, ActivityItem>::new());
    // While paused, items newer than this wait (and are counted).
    let paused_at = RwSignal::new(None::<i64>);
    let now = RwSignal::new(Utc::now());

    #[cfg(feature = "hydrate")]
    {
        let ticker = set_interval_with_handle(
            move || now.set(Utc::now()),
            std::time::Duration::from_secs(10),
        );
        on_cleanup(move || {
            if let Ok(t) = ticker {
                t.clear();
            }
        });
    }
    if let Some(live) = live {
        // A new first page (another filter) starts a new list.
        Effect::new(move |_| {
            page.track();
            newer.set(BTreeMap::new());
        });
        // Live items past the first page's position that match.
        Effect::new(move |_| {
            let Some(Ok(first)) = page.get() else { return };
            let (f, floor) = (filter.get_untracked(), first.covered_up_to());
            let fresh: Vec<ActivityItem> = live.items.with(|items| {
                items
                    .iter()
                    .take_while(|i| i.seq > floor)
                    .filter(|i| f.matches(i))
                    .cloned()
                    .collect()
            });
            if !fresh.is_empty() {
                newer.update(|n| n.extend(fresh.into_iter().map(|i| (i.seq, i))));
            }
        });
        // What was committed after the page was read but before the connection started.
        Effect::new(move |_| {
            let (Some(Ok(first)), Some(start)) = (page.get(), live.start.get()) else {
                return;
            };
            let floor = first.covered_up_to();
            if start > floor {
                let f = filter.get_untracked();
                leptos::task::spawn_local(async move {
                    if let Ok(items) = activity_between(floor, start, f.action, f.customer).await {
                        newer.update(|n| n.extend(items.into_iter().map(|i| (i.seq, i))));
                    }
                });
            }
        });
    }
    let shown_newer = move || {
        let limit = paused_at.get().unwrap_or(i64::MAX);
        newer.with(|n| {
            n.range(..=limit)
                .rev()
                .map(|(_, i)| i.clone())
                .collect::<Vec<_>>()
        })
    };
    let waiting = Signal::derive(move || match paused_at.get() {
        Some(limit) => newer.with(|n| n.range(limit + 1..).count()),
        None => 0,
    });
    let toggle_pause = Callback::new(move |()| {
        if paused_at.get_untracked().is_some() {
            paused_at.set(None);
        } else {
            let newest_page = page
                .get_untracked()
                .and_then(|p| p.ok())
                .and_then(|p| p.items.first().map(|i| i.seq))
                .unwrap_or(0);
            let newest = newer
                .with_untracked(|n| n.keys().next_back().copied())
                .unwrap_or(0)
                .max(newest_page);
            paused_at.set(Some(newest));
        }
    });

    view! {
        <div class="w-full">
            <div class="flex flex-wrap items-center justify-between gap-4">
                <h1 class="text-2xl">{t!(i18n, activity)}</h1>
                <ConnectionIndicator />
            </div>
            <filters::FilterBar filter paused=Signal::derive(move || paused_at.get().is_some()) waiting toggle_pause />
            <Transition fallback=move || view! { <p class="mt-6 text-gray-500">{t!(i18n, loading_activity)}</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(first) => {
                            let empty = first.items.is_empty();
                            let filtered = filter.get_untracked() != FeedFilter::default();
                            view! {
                                <ul class="mt-6 flex flex-col gap-2" data-testid="activity-feed">
                                    <For each=shown_newer key=|item| item.seq let:item>
                                        <row::ActivityRow item now />
                                    </For>
                                    {first.items.into_iter().map(|item| view! { <row::ActivityRow item now /> }).collect_view()}
                                </ul>
                                <Show when=move || empty && newer.with(BTreeMap::is_empty)>
                                    <p class="mt-6 text-gray-500" data-testid="activity-empty">
                                        {if filtered { t_string!(i18n, feed_filtered_empty) } else { t_string!(i18n, activity_empty) }}
                                    </p>
                                </Show>
                            }
                            .into_any()
                        }
                        Err(e) => view! { <p class="mt-6 text-red-600">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}
