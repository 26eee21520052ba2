//! Dead letters: each with its reason and original position; replay one or every pending one
//! (after a confirmation), with the result shown.

use super::{confirmed, kafka_dead_letters, reason, KafkaReplay, Section};
use crate::i18n::*;
use leptos::prelude::*;

#[component]
pub fn DeadLetters() -> impl IntoView {
    let i18n = use_i18n();
    let is_admin = crate::components::me::may(crate::auth::roles::Role::Admin);
    let replay = ServerAction::<KafkaReplay>::new();
    let letters = Resource::new(move || replay.version().get(), |_| kafka_dead_letters());
    let result = move || {
        replay.value().get().map(|r| match r {
            Ok(done) => (
                false,
                format!(
                    "{} {}: {}",
                    t_string!(i18n, kafka_replayed),
                    done.len(),
                    done.iter()
                        .map(|d| format!(
                            "{}@{} → {}/{}@{}",
                            d.dlq_partition, d.dlq_offset, d.topic, d.partition, d.offset
                        ))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            Err(e) => (true, reason(&e)),
        })
    };
    let replay_all = move |_| {
        if confirmed(&t_string!(i18n, kafka_confirm_replay_all)) {
            replay.dispatch(KafkaReplay {
                partition: None,
                offset: None,
                all: true,
            });
        }
    };
    view! {
        <Section title=Signal::derive(move || t_string!(i18n, kafka_dead_letters_title).to_string()) testid="kafka-dead-letters">
            <Show when=move || is_admin.get()>
            <button type="button" on:click=replay_all data-testid="replay-all"
                class="rounded-md border border-gray-200 px-3 py-1.5 text-sm hover:bg-gray-100 dark:border-gray-700 dark:hover:bg-gray-800">
                {t!(i18n, kafka_replay_all)}
            </button>
            </Show>
            <p aria-live="polite" data-testid="replay-result" class=move || if result().is_some_and(|r| r.0) { "mt-2 text-sm text-red-600" } else { "mt-2 text-sm text-green-700" }>
                {move || result().map(|r| r.1)}
            </p>
            <Transition fallback=|| view! { <div class="h-24 animate-pulse rounded-md bg-gray-100 dark:bg-gray-800"></div> }>
                {move || Suspend::new(async move {
                    letters.await.map(|list| {
                        let empty = list.is_empty();
                        view! {
                            {empty.then(|| view! { <p class="mt-2 text-sm text-gray-500">{t!(i18n, kafka_no_dead_letters)}</p> })}
                            <ul class="mt-2 flex flex-col gap-2">
                                {list.into_iter().map(|l| {
                                    let (partition, offset) = (l.partition, l.offset);
                                    let on_replay = move |_| {
                                        if confirmed(&t_string!(i18n, kafka_confirm_replay)) {
                                            replay.dispatch(KafkaReplay { partition: Some(partition), offset: Some(offset), all: false });
                                        }
                                    };
                                    let from = match (&l.original_topic, l.original_partition, l.original_offset) {
                                        (Some(t), Some(p), Some(o)) => format!("{t}/{p}@{o}"),
                                        _ => "?".into(),
                                    };
                                    view! {
                                        <li class="rounded-md border border-amber-200 bg-amber-50 p-3 text-xs dark:border-amber-900 dark:bg-gray-900"
                                            data-testid="dead-letter" data-key=l.key.clone().unwrap_or_default() data-event-id=l.event_id.clone().unwrap_or_default()>
                                            <div class="flex flex-wrap items-center gap-3">
                                                <span class="font-mono">{format!("{partition}@{offset}")}</span>
                                                <span>{t!(i18n, kafka_from)} " " <span class="font-mono">{from}</span></span>
                                                <span>"key: " {l.key.clone().unwrap_or_else(|| "null".into())}</span>
                                                {l.replayed_at.map(|at| view! { <span class="text-green-700" data-testid="replayed-at">{t!(i18n, kafka_replayed)} " " {crate::formatting::utc(at)}</span> })}
                                                <Show when=move || is_admin.get()>
                                                <button type="button" on:click=on_replay.clone() data-testid="replay"
                                                    class="ml-auto rounded-md border border-gray-300 px-2 py-0.5 hover:bg-white dark:border-gray-700">{t!(i18n, kafka_replay)}</button>
                                                </Show>
                                            </div>
                                            <p class="mt-1 text-amber-800 dark:text-amber-300" data-testid="dead-letter-reason">{l.reason.clone()}</p>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }
                    })
                })}
            </Transition>
        </Section>
    }
}
