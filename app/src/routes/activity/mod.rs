//! `/dashboard/activity`: every processed invoice event (and every dead letter), newest first.
//! The first page is rendered on the server for the filter in the URL; later items come from
//! the tab's live connection (see `components::live`), filtered the same way, each once.

pub mod filters;
pub mod row;

use crate::components::live::{ConnectionIndicator, LiveUpdates};
use crate::events::{ActivityItem, FeedFilter};
use crate::feed_api::{activity_between, activity_feed};
use crate::i18n::*;
use chrono::Utc;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use std::collections::BTreeMap;

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
