//! The broker and the topics: partitions, messages, create, delete (with confirmation; Kafka's
//! internal topics and the app's own cannot be deleted here).

use super::{confirmed, kafka_cluster, reason, KafkaCreateTopic, KafkaDeleteTopic, Section};
use crate::errors::AppError;
use crate::i18n::*;
use leptos::prelude::*;

#[component]
pub fn ClusterAndTopics() -> impl IntoView {
    let i18n = use_i18n();
    let is_admin = crate::components::me::may(crate::auth::roles::Role::Admin);
    let create = ServerAction::<KafkaCreateTopic>::new();
    let delete = ServerAction::<KafkaDeleteTopic>::new();
    let cluster = Resource::new(
        move || (create.version().get(), delete.version().get()),
        |_| kafka_cluster(),
    );
    // The outcome of whichever action finished last: (is an error, text).
    let last = RwSignal::new(None::<(bool, String)>);
    let show = move |value: Result<String, AppError>, done: String| {
        last.set(Some(match value {
            Ok(name) => (false, format!("{done} {name}")),
            Err(e) => (true, reason(&e)),
        }))
    };
    Effect::new(move |_| {
        if let Some(v) = create.value().get() {
            show(v, t_string!(i18n, kafka_created).to_string());
        }
    });
    Effect::new(move |_| {
        if let Some(v) = delete.value().get() {
            show(v, t_string!(i18n, kafka_deleted).to_string());
        }
    });
    let result = move || last.get();
    view! {
        <Section title=Signal::derive(move || t_string!(i18n, kafka_broker).to_string()) testid="kafka-broker">
            <Transition fallback=|| view! { <div class="h-16 animate-pulse rounded-md bg-gray-100 dark:bg-gray-800"></div> }>
                {move || Suspend::new(async move {
                    cluster.await.map(|(info, topics)| view! {
                        <div class="rounded-md bg-gray-50 p-4 text-sm dark:bg-gray-900">
                            <p data-testid="broker-state" data-reachable=info.reachable.to_string()>
                                <span class=if info.reachable { "mr-2 inline-block h-2 w-2 rounded-full bg-green-500" } else { "mr-2 inline-block h-2 w-2 rounded-full bg-red-500" }></span>
                                {if info.reachable { t_string!(i18n, kafka_reachable) } else { t_string!(i18n, kafka_unreachable) }}
                                " · " {info.bootstrap.clone()}
                                {info.error.clone().map(|e| view! { <span class="ml-2 text-red-600">{e}</span> })}
                            </p>
                            <ul class="mt-2">
                                {info.brokers.into_iter().map(|b| view! {
                                    <li data-testid="broker" data-broker=b.id.to_string()>
                                        "#" {b.id} " · " {b.address} " · " {b.roles.unwrap_or_default()}
                                        " · " {b.leads} " " {t!(i18n, kafka_partitions_led)}
                                    </li>
                                }).collect_view()}
                            </ul>
                            <ReplicationTable rows=info.replication />
                        </div>
                        <TopicsTable topics delete />
                    })
                })}
            </Transition>
            <Show when=move || is_admin.get()>
            <ActionForm action=create attr:class="mt-3 flex flex-wrap items-end gap-2 text-sm" attr:data-testid="create-topic">
                <label class="flex flex-col text-xs text-gray-500">{t!(i18n, kafka_topic_name)}
                    <input name="name" required class="rounded-md border border-gray-200 px-2 py-1 text-sm dark:border-gray-700 dark:bg-gray-900" />
                </label>
                <label class="flex flex-col text-xs text-gray-500">{t!(i18n, kafka_partitions)}
                    <input name="partitions" type="number" min="1" max="1000" value="3" class="w-24 rounded-md border border-gray-200 px-2 py-1 text-sm dark:border-gray-700 dark:bg-gray-900" />
                </label>
                <button type="submit" class="rounded-md bg-blue-600 px-3 py-1.5 text-white hover:bg-blue-500">{t!(i18n, kafka_create_topic)}</button>
            </ActionForm>
            </Show>
            <p aria-live="polite" data-testid="topic-result" class=move || if result().is_some_and(|r| r.0) { "mt-2 text-sm text-red-600" } else { "mt-2 text-sm text-green-700" }>
                {move || result().map(|r| r.1)}
            </p>
        </Section>
    }
}

/// Leader, copies and in-sync copies of each partition of the app's topics.
#[component]
fn ReplicationTable(rows: Vec<crate::kafka_tools::Replication>) -> impl IntoView {
    let i18n = use_i18n();
    let ids = |v: &[i32]| v.iter().map(i32::to_string).collect::<Vec<_>>().join(", ");
    view! {
        <table class="mt-3 w-full text-left text-xs" data-testid="replication">
            <caption class="mb-1 text-left text-gray-500">{t!(i18n, kafka_replication)}</caption>
            <thead class="text-gray-500">
                <tr>
                    <th>{t!(i18n, kafka_topic)}</th><th>{t!(i18n, kafka_partition)}</th><th>{t!(i18n, kafka_leader)}</th>
                    <th>{t!(i18n, kafka_replicas)}</th><th>{t!(i18n, kafka_in_sync)}</th>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|r| {
                    let short = r.under_replicated();
                    view! {
                        <tr data-testid="replica-row" data-topic=r.topic.clone() data-under-replicated=short.to_string()
                            class=if short { "text-red-700 dark:text-red-400" } else { "" }>
                            <td>{r.topic.clone()}</td><td>{r.partition}</td><td>{r.leader}</td>
                            <td>{ids(&r.replicas)}</td>
                            <td>{ids(&r.isr)} {short.then(|| view! { " · " {t!(i18n, kafka_under_replicated)} })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn TopicsTable(
    topics: Vec<crate::kafka_tools::TopicSummary>,
    delete: ServerAction<KafkaDeleteTopic>,
) -> impl IntoView {
    let i18n = use_i18n();
    let is_admin = crate::components::me::may(crate::auth::roles::Role::Admin);
    view! {
        <table class="mt-3 w-full text-left text-sm" data-testid="topics">
            <thead class="text-xs text-gray-500">
                <tr><th class="py-1">{t!(i18n, kafka_topic)}</th><th>{t!(i18n, kafka_partitions)}</th><th>{t!(i18n, kafka_messages)}</th><th></th></tr>
            </thead>
            <tbody>
                {topics.into_iter().map(|t| {
                    let name = t.name.clone();
                    let locked = t.internal || t.protected;
                    let browse = format!("/dashboard/kafka?topic={}#messages", crate::components::search::urlencode(&t.name));
                    let on_delete = move |_| {
                        let question = format!("{} {name}?", t_string!(i18n, kafka_confirm_delete));
                        if confirmed(&question) {
                            delete.dispatch(KafkaDeleteTopic { name: name.clone() });
                        }
                    };
                    view! {
                        <tr class="border-t border-gray-100 dark:border-gray-800" data-testid="topic-row" data-topic=t.name.clone()>
                            <td class="py-1"><a href=browse rel="external" class="text-blue-600 hover:underline">{t.name.clone()}</a>
                                {t.internal.then(|| view! { <span class="ml-2 text-xs text-gray-500">"internal"</span> })}
                                {t.protected.then(|| view! { <span class="ml-2 text-xs text-gray-500">"app"</span> })}
                            </td>
                            <td>{t.partitions}</td>
                            <td data-testid="topic-messages">{t.messages}</td>
                            <td class="text-right">
                                <Show when=move || is_admin.get()>
                                <button type="button" disabled=locked on:click=on_delete.clone() data-testid="delete-topic"
                                    class="rounded-md border px-2 py-0.5 text-xs text-red-700 disabled:cursor-not-allowed disabled:opacity-30 dark:border-gray-700">
                                    {t!(i18n, kafka_delete)}
                                </button>
                                </Show>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
