//! Consumer groups: state, members and lag per partition, refreshed every 3 s.

use super::{kafka_groups, Section};
use crate::i18n::*;
use leptos::prelude::*;

#[component]
pub fn ConsumerGroups() -> impl IntoView {
    let i18n = use_i18n();
    let tick = super::every_three_seconds();
    let groups = Resource::new(move || tick.get(), |_| kafka_groups());
    view! {
        <Section title=Signal::derive(move || t_string!(i18n, kafka_groups_title).to_string()) testid="kafka-groups">
            <Transition fallback=|| view! { <div class="h-24 animate-pulse rounded-md bg-gray-100 dark:bg-gray-800"></div> }>
                {move || Suspend::new(async move {
                    groups.await.map(|(active, idle)| view! {
                        {active.into_iter().map(|g| view! {
                        <div class="mb-3 rounded-md border border-gray-100 p-3 text-sm dark:border-gray-800" data-testid="group" data-group=g.name.clone()>
                            <p><span class="font-medium">{g.name.clone()}</span> " · " <span data-testid="group-state">{g.state.clone()}</span>
                               " · " {g.members.len()} " " {t!(i18n, kafka_members)}</p>
                            <table class="mt-2 w-full text-left text-xs">
                                <thead class="text-gray-500"><tr>
                                    <th>{t!(i18n, kafka_topic)}</th><th>"partition"</th><th>{t!(i18n, kafka_committed)}</th><th>{t!(i18n, kafka_end)}</th><th>{t!(i18n, kafka_lag)}</th>
                                </tr></thead>
                                <tbody>
                                    {g.offsets.into_iter().map(|o| view! {
                                        <tr data-testid="group-offset" data-topic=o.topic.clone() data-partition=o.partition>
                                            <td>{o.topic.clone()}</td><td>{o.partition}</td>
                                            <td>{o.committed.map(|c| c.to_string()).unwrap_or_else(|| "-".into())}</td>
                                            <td>{o.high}</td><td data-testid="lag">{o.lag}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }).collect_view()}
                        <p class="text-xs text-gray-500" data-testid="idle-groups">
                            {t!(i18n, kafka_idle_groups)} ": "
                            {idle.iter().map(|g| format!("{} ({})", g.name, g.state)).collect::<Vec<_>>().join(", ")}
                        </p>
                    })
                })}
            </Transition>
        </Section>
    }
}
