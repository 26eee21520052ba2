//! The message browser: a topic's newest messages (or from an offset or a time), filtered by
//! `event-type` header, key and text; headers and pretty JSON; a live mode that refreshes
//! every 2 s; export as JSON. The query lives in the URL (a GET form: shareable, no JS needed).

use super::{kafka_browse, kafka_describe_topic, reason, Section};
use crate::i18n::*;
use crate::kafka_tools::{BrowseQuery, Start};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The browse the URL asks for; `None` without a topic.
pub fn query_from(params: &leptos_router::params::ParamsMap) -> Option<BrowseQuery> {
    let get = |k: &str| {
        params
            .get(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let topic = get("topic")?;
    let at = get("at");
    let start = match get("start").as_deref() {
        Some("beginning") => Start::Beginning,
        Some("offset") => Start::Offset(at.as_deref().and_then(|a| a.parse().ok()).unwrap_or(0)),
        Some("time") => Start::Time(
            at.as_deref()
                .and_then(|a| chrono::NaiveDateTime::parse_from_str(a, "%Y-%m-%dT%H:%M").ok())
                .map(|t| t.and_utc().timestamp_millis())
                .unwrap_or(0),
        ),
        _ => Start::Newest,
    };
    Some(BrowseQuery {
        topic,
        start,
        partition: get("partition").and_then(|p| p.parse().ok()),
        limit: get("limit").and_then(|l| l.parse().ok()).unwrap_or(50),
        event_type: get("event_type"),
        key: get("key"),
        text: get("text"),
    })
}

#[component]
pub fn MessageBrowser() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_query_map();
    let query = Memo::new(move |_| params.with(query_from));
    let tick = RwSignal::new(0u64);
    let live = RwSignal::new(false);
    let messages = Resource::new(
        move || (query.get(), tick.get()),
        |(q, _)| async move {
            match q {
                Some(q) => kafka_browse(q).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let detail = Resource::new(
        move || query.get().map(|q| q.topic),
        |topic| async move {
            match topic {
                Some(topic) => kafka_describe_topic(topic).await.ok(),
                None => None,
            }
        },
    );
    #[cfg(feature = "hydrate")]
    {
        let handle = set_interval_with_handle(
            move || {
                if live.get_untracked() {
                    tick.update(|t| *t += 1);
                }
            },
            std::time::Duration::from_secs(2),
        );
        on_cleanup(move || {
            if let Ok(h) = handle {
                h.clear();
            }
        });
    }
    let value = move |k: &'static str| params.with(|p| p.get(k).unwrap_or_default());
    let input =
        "rounded-md border border-gray-200 px-2 py-1 text-sm dark:border-gray-700 dark:bg-gray-900";
    let start_option = move |v: &'static str, label: Signal<String>| {
        view! { <option value=v selected=move || value("start") == v>{label}</option> }
    };
    view! {
        <Section title=Signal::derive(move || t_string!(i18n, kafka_messages_title).to_string()) testid="kafka-messages">
            <a id="messages"></a>
            <form method="get" action="/dashboard/kafka#messages" class="flex flex-wrap items-end gap-2 text-sm" data-testid="browse-form">
                <label class="flex flex-col text-xs text-gray-500">{t!(i18n, kafka_topic)}
                    <input name="topic" required class=input prop:value=move || value("topic") />
                </label>
                <label class="flex flex-col text-xs text-gray-500">{t!(i18n, kafka_start)}
                    <select name="start" class=input>
                        {start_option("newest", Signal::derive(move || t_string!(i18n, kafka_start_newest).to_string()))}
                        {start_option("beginning", Signal::derive(move || t_string!(i18n, kafka_start_beginning).to_string()))}
                        {start_option("offset", Signal::derive(move || t_string!(i18n, kafka_start_offset).to_string()))}
                        {start_option("time", Signal::derive(move || t_string!(i18n, kafka_start_time).to_string()))}
                    </select>
                </label>
                <label class="flex flex-col text-xs text-gray-500">{t!(i18n, kafka_at)}
                    <input name="at" class=input placeholder="42 / 2026-11-27T10:00" prop:value=move || value("at") />
                </label>
                <label class="flex flex-col text-xs text-gray-500">"event-type"
                    <input name="event_type" class=input prop:value=move || value("event_type") />
                </label>
                <label class="flex flex-col text-xs text-gray-500">{t!(i18n, kafka_key)}
                    <input name="key" class=input prop:value=move || value("key") />
                </label>
                <label class="flex flex-col text-xs text-gray-500">{t!(i18n, kafka_text)}
                    <input name="text" class=input prop:value=move || value("text") />
                </label>
                <button type="submit" class="rounded-md bg-blue-600 px-3 py-1.5 text-white hover:bg-blue-500">{t!(i18n, kafka_browse)}</button>
                <label class="flex items-center gap-1 text-xs">
                    <input type="checkbox" data-testid="live-mode" on:change=move |ev| live.set(event_target_checked(&ev)) />
                    {t!(i18n, kafka_live_mode)}
                </label>
            </form>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move { detail.await.map(|d| view! { <TopicDetails detail=d /> }) })}
            </Transition>
            <Transition fallback=|| view! { <div class="mt-3 h-24 animate-pulse rounded-md bg-gray-100 dark:bg-gray-800"></div> }>
                {move || Suspend::new(async move {
                    match messages.await {
                        Ok(None) => view! { <p class="mt-3 text-sm text-gray-500">{t!(i18n, kafka_pick_topic)}</p> }.into_any(),
                        Err(e) => view! { <p class="mt-3 text-sm text-red-600" data-testid="browse-error">{reason(&e)}</p> }.into_any(),
                        Ok(Some(list)) => {
                            let export = format!(
                                "data:application/json;charset=utf-8,{}",
                                crate::components::search::percent_encode(&serde_json::to_string_pretty(&list).unwrap_or_default())
                            );
                            let count = list.len();
                            view! {
                                <div class="mt-3 flex items-center justify-between text-xs text-gray-500">
                                    <span data-testid="message-count">{count} " " {t!(i18n, kafka_messages)}</span>
                                    <a href=export download="messages.json" rel="external" data-testid="export-messages" class="text-blue-600 hover:underline">{t!(i18n, feed_export)}</a>
                                </div>
                                <ul class="mt-2 flex flex-col gap-2">
                                    {list.into_iter().map(|m| {
                                        let when = m.timestamp.and_then(chrono::DateTime::from_timestamp_millis).map(crate::formatting::utc_millis).unwrap_or_default();
                                        view! {
                                            <li class="rounded-md border border-gray-100 p-3 text-xs dark:border-gray-800" data-testid="message" data-key=m.key.clone().unwrap_or_default()>
                                                <div class="flex flex-wrap gap-3 text-gray-500">
                                                    <span class="font-mono">{format!("{}/{}@{}", m.topic, m.partition, m.offset)}</span>
                                                    <span>{when}</span>
                                                    <span>"key: " <span class="font-mono">{m.key.clone().unwrap_or_else(|| "null".into())}</span></span>
                                                    {m.event_id().map(|id| view! {
                                                        <a href=format!("/dashboard/events/{id}") class="text-blue-600 hover:underline" data-testid="message-journey">{t!(i18n, journey_link)}</a>
                                                    })}
                                                </div>
                                                <div class="mt-1 flex flex-wrap gap-1">
                                                    {m.headers.iter().map(|(k, v)| view! {
                                                        <span class="rounded bg-gray-100 px-1.5 py-0.5 dark:bg-gray-800" data-testid="message-header">{format!("{k}: {v}")}</span>
                                                    }).collect_view()}
                                                </div>
                                                <pre class="mt-2 overflow-x-auto rounded bg-gray-50 p-2 dark:bg-gray-900" data-testid="message-value">{m.pretty_value()}</pre>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </Section>
    }
}

/// Partitions (leader, replicas, in-sync replicas, watermarks) and configuration of a topic.
#[component]
fn TopicDetails(detail: crate::kafka_tools::TopicDetail) -> impl IntoView {
    let i18n = use_i18n();
    let ids = |v: &[i32]| v.iter().map(i32::to_string).collect::<Vec<_>>().join(", ");
    view! {
        <details class="mt-3 text-xs" data-testid="topic-details">
            <summary class="cursor-pointer text-gray-600 dark:text-gray-300">{t!(i18n, kafka_topic_details)} " " {detail.name.clone()}</summary>
            <table class="mt-2 w-full text-left">
                <thead class="text-gray-500"><tr><th>"partition"</th><th>"leader"</th><th>"replicas"</th><th>"ISR"</th><th>"low"</th><th>"high"</th></tr></thead>
                <tbody>
                    {detail.partitions.iter().map(|p| view! {
                        <tr><td>{p.id}</td><td>{p.leader}</td><td>{ids(&p.replicas)}</td><td>{ids(&p.isr)}</td><td>{p.low}</td><td>{p.high}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            <ul class="mt-2 columns-1 font-mono md:columns-2" data-testid="topic-configs">
                {detail.configs.into_iter().map(|(k, v)| view! { <li>{k} " = " {v}</li> }).collect_view()}
            </ul>
        </details>
    }
}
