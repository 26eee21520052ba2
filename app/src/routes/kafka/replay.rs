//! Replay: move a consumer group back (to the earliest, a time, or offsets per partition) so it
//! reads its events again. First what it would do (per partition, and how many events are
//! read again), then, confirmed, the reset itself: our processors pause on every server while
//! the offsets move. Recent resets and one under way are shown to everyone, refreshed every 3 s.

use super::{kafka_group_resets, reason, KafkaResetGroup, KafkaResetPlan, Section};
use crate::i18n::*;
use crate::kafka_tools::{GroupReset, ResetPlan, ResetTo};
use leptos::prelude::*;

/// A `datetime-local` value (to the minute or the second), read as UTC.
fn utc_millis(value: &str) -> Option<i64> {
    ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(value.trim(), f).ok())
        .map(|t| t.and_utc().timestamp_millis())
}

#[component]
pub fn Replay() -> impl IntoView {
    let i18n = use_i18n();
    let is_admin = crate::components::me::may(crate::auth::roles::Role::Admin);
    let plan = ServerAction::<KafkaResetPlan>::new();
    let reset = ServerAction::<KafkaResetGroup>::new();
    let tick = super::every_three_seconds();
    let resets = Resource::new(
        move || (tick.get(), reset.version().get()),
        |_| kafka_group_resets(),
    );
    // The form is drawn once (what an empty group or topic stands for does not change): the
    // refresh every 3 s redraws the state and history only, never what the reader is typing.
    let defaults = Resource::new(|| (), |_| kafka_group_resets());
    let (group, topic) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let (mode, time, offsets) = (
        RwSignal::new("earliest".to_string()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let problem = RwSignal::new(None::<String>);
    let preview = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        reset.value().set(None);
        let to = match mode.get_untracked().as_str() {
            "time" => utc_millis(&time.get_untracked())
                .map(ResetTo::Time)
                .ok_or_else(|| t_string!(i18n, kafka_replay_time_needed).to_string()),
            "offsets" => {
                ResetTo::parse_offsets(&offsets.get_untracked()).map_err(|e| e.to_string())
            }
            _ => Ok(ResetTo::Earliest),
        };
        match to {
            Ok(to) => {
                problem.set(None);
                plan.dispatch(KafkaResetPlan {
                    group: group.get_untracked(),
                    topic: topic.get_untracked(),
                    to,
                });
            }
            Err(e) => problem.set(Some(e)),
        }
    };
    let confirm = move |p: ResetPlan| {
        let question = format!(
            "{} {} ({} {})",
            t_string!(i18n, kafka_replay_confirm),
            p.rereads,
            p.group,
            p.topic
        );
        if super::confirmed(&question) {
            reset.dispatch(KafkaResetGroup {
                group: p.group.clone(),
                topic: p.topic.clone(),
                to: p.to.clone(),
            });
        }
    };
    let radio = move |value: &'static str| {
        view! {
            <input type="radio" name="reset-to" value=value data-testid=format!("reset-to-{value}")
                prop:checked=move || mode.get() == value on:change=move |_| mode.set(value.to_string()) />
        }
    };
    let input_class =
        "rounded-md border border-gray-200 px-2 py-1 text-sm dark:border-gray-700 dark:bg-gray-900";
    view! {
        <Section title=Signal::derive(move || t_string!(i18n, kafka_replay_title).to_string()) testid="kafka-replay">
            <p class="text-sm text-gray-500">{t!(i18n, kafka_replay_intro)}</p>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move { resets.await.map(|r| view! { <UnderWay recent=r.recent /> }) })}
            </Transition>
            <Show when=move || is_admin.get()>
            <Suspense fallback=|| view! { <div class="mt-2 h-16 animate-pulse rounded-md bg-gray-100 dark:bg-gray-800"></div> }>
                {move || Suspend::new(async move {
                    defaults.await.map(|r| view! {
                        <form class="mt-3 flex flex-wrap items-end gap-3 text-sm" data-testid="reset-form" on:submit=preview>
                            <label class="flex flex-col text-xs text-gray-500">{t!(i18n, kafka_replay_group)}
                                <input name="group" value=r.processor_group.clone() class=input_class data-testid="reset-group"
                                    on:input=move |ev| group.set(event_target_value(&ev)) />
                            </label>
                            <label class="flex flex-col text-xs text-gray-500">{t!(i18n, kafka_topic)}
                                <input name="topic" value=r.invoices_topic.clone() class=input_class data-testid="reset-topic"
                                    on:input=move |ev| topic.set(event_target_value(&ev)) />
                            </label>
                            <fieldset class="flex flex-col gap-1 text-xs">
                                <label class="flex items-center gap-1">{radio("earliest")} {t!(i18n, kafka_replay_to_earliest)}</label>
                                <label class="flex items-center gap-1">{radio("time")} {t!(i18n, kafka_replay_to_time)}
                                    <input type="datetime-local" step="1" class=input_class data-testid="reset-time"
                                        on:input=move |ev| { time.set(event_target_value(&ev)); mode.set("time".into()); } />
                                </label>
                                <label class="flex items-center gap-1">{radio("offsets")} {t!(i18n, kafka_replay_to_offsets)}
                                    <input placeholder="0:120,1:98" class=input_class data-testid="reset-offsets"
                                        on:input=move |ev| { offsets.set(event_target_value(&ev)); mode.set("offsets".into()); } />
                                </label>
                            </fieldset>
                            <button type="submit" data-testid="reset-preview"
                                class="rounded-md border border-gray-200 px-3 py-1.5 hover:bg-gray-100 dark:border-gray-700 dark:hover:bg-gray-800">
                                {t!(i18n, kafka_replay_preview)}
                            </button>
                        </form>
                    })
                })}
            </Suspense>
            </Show>
            <p aria-live="polite" class="mt-2 text-sm text-red-600" data-testid="reset-problem">{move || problem.get()}</p>
            {move || plan.value().get().map(|p| match p {
                Err(e) => view! { <p class="mt-2 text-sm text-red-600" data-testid="reset-plan-error">{reason(&e)}</p> }.into_any(),
                Ok(p) => {
                    let go = p.clone();
                    view! {
                        <PlanTable plan=p.clone() />
                        <Show when=move || is_admin.get()>
                        <button type="button" data-testid="reset-confirm" disabled=move || reset.pending().get()
                            on:click={let go = go.clone(); move |_| confirm(go.clone())}
                            class="mt-2 rounded-md bg-blue-600 px-3 py-1.5 text-sm text-white hover:bg-blue-500 disabled:opacity-50">
                            {t!(i18n, kafka_replay_reset)}
                        </button>
                        </Show>
                    }.into_any()
                }
            })}
            <p aria-live="polite" data-testid="reset-result"
                class=move || if reset.value().get().is_some_and(|r| r.is_err()) { "mt-2 text-sm text-red-600" } else { "mt-2 text-sm text-green-700" }>
                {move || if reset.pending().get() {
                    Some(t_string!(i18n, kafka_replay_pending).to_string())
                } else {
                    reset.value().get().map(|r| match r {
                        Ok(done) => format!("{}: {} {}", t_string!(i18n, kafka_replay_done), done.rereads, t_string!(i18n, kafka_replay_rereads)),
                        Err(e) => reason(&e),
                    })
                }}
            </p>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move { resets.await.map(|r| view! { <History recent=r.recent /> }) })}
            </Transition>
        </Section>
    }
}

/// Where each partition goes and how many events are read again.
#[component]
fn PlanTable(plan: ResetPlan) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="mt-3 rounded-md bg-gray-50 p-3 text-sm dark:bg-gray-900" data-testid="reset-plan" data-rereads=plan.rereads>
            <p><span class="font-medium" data-testid="reset-rereads">{plan.rereads}</span> " " {t!(i18n, kafka_replay_rereads)}
               " · " {plan.group.clone()} " · " {plan.topic.clone()}</p>
            {plan.pauses_processors.then(|| view! { <p class="text-xs text-gray-500">{t!(i18n, kafka_replay_pauses)}</p> })}
            <table class="mt-2 w-full text-left text-xs">
                <thead class="text-gray-500"><tr>
                    <th>{t!(i18n, kafka_partition)}</th><th>{t!(i18n, kafka_committed)}</th><th>{t!(i18n, kafka_replay_to)}</th>
                    <th>{t!(i18n, kafka_end)}</th><th>{t!(i18n, kafka_read_again)}</th>
                </tr></thead>
                <tbody>
                    {plan.partitions.into_iter().map(|p| view! {
                        <tr data-testid="reset-partition" data-partition=p.partition>
                            <td>{p.partition}</td>
                            <td>{p.committed.map(|c| c.to_string()).unwrap_or_else(|| "-".into())}</td>
                            <td>{p.to}</td><td>{p.high}</td><td>{p.rereads}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// A reset under way (our processors paused), said at the top.
#[component]
fn UnderWay(recent: Vec<GroupReset>) -> impl IntoView {
    let i18n = use_i18n();
    recent.into_iter().find(|r| r.state == "pausing").map(|r| view! {
        <p class="mt-2 rounded-md bg-amber-50 p-2 text-sm text-amber-800 dark:bg-gray-900 dark:text-amber-300" data-testid="reset-under-way">
            {t!(i18n, kafka_replay_under_way)} " · " {r.group} " · " {r.requested_by}
        </p>
    })
}

fn state_text(i18n: leptos_i18n::I18nContext<Locale>, state: &str) -> String {
    match state {
        "pausing" => t_string!(i18n, kafka_reset_pausing).to_string(),
        "done" => t_string!(i18n, kafka_reset_done).to_string(),
        "failed" => t_string!(i18n, kafka_reset_failed).to_string(),
        other => other.to_string(),
    }
}

fn target_text(to: &ResetTo) -> String {
    match to {
        ResetTo::Earliest => "earliest".into(),
        ResetTo::Time(ms) => chrono::DateTime::from_timestamp_millis(*ms)
            .map(crate::formatting::utc)
            .unwrap_or_default(),
        ResetTo::Offsets(o) => o
            .iter()
            .map(|(p, o)| format!("{p}:{o}"))
            .collect::<Vec<_>>()
            .join(","),
    }
}

#[component]
fn History(recent: Vec<GroupReset>) -> impl IntoView {
    let i18n = use_i18n();
    let empty = recent.is_empty();
    view! {
        <h3 class="mt-4 text-sm font-medium">{t!(i18n, kafka_replay_history)}</h3>
        {empty.then(|| view! { <p class="text-xs text-gray-500">{t!(i18n, kafka_no_resets)}</p> })}
        <table class="mt-1 w-full text-left text-xs" data-testid="reset-history">
            <tbody>
                {recent.into_iter().map(|r| view! {
                    <tr class="border-t border-gray-100 dark:border-gray-800" data-testid="reset-row" data-state=r.state.clone() data-group=r.group.clone()>
                        <td class="py-1">{crate::formatting::utc(r.requested_at)}</td>
                        <td>{r.group.clone()}</td><td>{r.topic.clone()}</td><td>{target_text(&r.to)}</td>
                        <td>{r.requested_by.clone()}</td>
                        <td data-testid="reset-state">{state_text(i18n, &r.state)}</td>
                        <td>{r.rereads.map(|n| format!("{n} {}", t_string!(i18n, kafka_read_again).to_lowercase()))}</td>
                        <td class="text-red-600">{r.error.clone()}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
