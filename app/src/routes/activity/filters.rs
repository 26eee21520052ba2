//! The feed's controls: filter by event type and customer (kept in the URL, so a filtered
//! feed can be shared and works without JavaScript), pause/resume, and export as JSON.

use crate::events::{Action, FeedFilter};
use crate::i18n::*;
use crate::routes::invoice_form::customers_for_select;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

pub fn action_label(i18n: leptos_i18n::I18nContext<Locale>, action: Action) -> String {
    match action {
        Action::Created => t_string!(i18n, action_created),
        Action::Updated => t_string!(i18n, action_updated),
        Action::StatusChanged => t_string!(i18n, action_status_changed),
        Action::Deleted => t_string!(i18n, action_deleted),
        Action::DeadLettered => t_string!(i18n, action_dead_lettered),
    }
    .to_string()
}

#[component]
pub fn FilterBar(
    filter: Memo<FeedFilter>,
    paused: Signal<bool>,
    waiting: Signal<usize>,
    toggle_pause: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let customers = Resource::new(|| (), |_| customers_for_select());
    let navigate = use_navigate();
    // Effects run only in the browser: once hydrated, the selects apply themselves.
    let scripted = RwSignal::new(false);
    Effect::new(move |_| scripted.set(true));
    let apply = move |action: Option<String>, customer: Option<String>| {
        let query = FeedFilter::new(action, customer).query_string();
        navigate(
            &format!(
                "/dashboard/activity{}{query}",
                if query.is_empty() { "" } else { "?" }
            ),
            Default::default(),
        );
    };
    let on_action = {
        let apply = apply.clone();
        move |ev| {
            apply(
                Some(event_target_value(&ev)),
                filter.get_untracked().customer,
            )
        }
    };
    let on_customer = move |ev| apply(filter.get_untracked().action, Some(event_target_value(&ev)));
    let export_href = move || {
        let query = filter.get().query_string();
        format!(
            "/api/activity/export{}{query}",
            if query.is_empty() { "" } else { "?" }
        )
    };
    let select_class = "rounded-md border border-gray-200 bg-white py-2 pl-3 pr-8 text-sm dark:border-gray-700 dark:bg-gray-900";
    view! {
        <form method="get" action="/dashboard/activity" class="mt-4 flex flex-wrap items-end gap-3" data-testid="feed-filters">
            <label class="flex flex-col text-xs text-gray-500">
                {t!(i18n, feed_filter_action)}
                <select name="action" class=select_class data-testid="filter-action" on:change=on_action
                    prop:value=move || filter.get().action.unwrap_or_default()>
                    <option value="">{t!(i18n, feed_all_actions)}</option>
                    {Action::IN_THE_FEED.into_iter().map(|a| {
                        let selected = move || filter.get().action.as_deref() == Some(a.as_str());
                        view! { <option value=a.as_str() selected=selected>{move || action_label(i18n, a)}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label class="flex flex-col text-xs text-gray-500">
                {t!(i18n, feed_filter_customer)}
                <Suspense fallback=move || view! { <select class=select_class disabled=true></select> }>
                    {move || { let on_customer = on_customer.clone(); Suspend::new(async move {
                        let customers = customers.await.unwrap_or_default();
                        view! {
                            <select name="customer" class=select_class data-testid="filter-customer" on:change=on_customer
                                prop:value=move || filter.get().customer.unwrap_or_default()>
                                <option value="">{t!(i18n, feed_all_customers)}</option>
                                {customers.into_iter().map(|c| {
                                    let id = c.id.to_string();
                                    let selected = { let id = id.clone(); move || filter.get().customer.as_deref() == Some(id.as_str()) };
                                    view! { <option value=id selected=selected>{c.name}</option> }
                                }).collect_view()}
                            </select>
                        }
                    })}}
                </Suspense>
            </label>
            // Without JavaScript the selects do nothing by themselves: this submits the form.
            <button type="submit" class="rounded-md bg-blue-600 px-3 py-2 text-sm text-white" class:hidden=move || scripted.get()>
                {t!(i18n, feed_apply)}
            </button>
            <div class="ml-auto flex items-center gap-2">
                <button type="button" data-testid="feed-pause" data-paused=move || paused.get().to_string()
                    class="rounded-md border border-gray-200 px-3 py-2 text-sm hover:bg-gray-100 dark:border-gray-700 dark:hover:bg-gray-800"
                    on:click=move |_| toggle_pause.run(())>
                    {move || if paused.get() { t_string!(i18n, feed_resume) } else { t_string!(i18n, feed_pause) }}
                    <Show when=move || paused.get()>
                        <span class="ml-2 rounded-full bg-amber-100 px-2 text-xs text-amber-800" data-testid="feed-waiting">
                            {move || waiting.get()} " " {t!(i18n, feed_waiting)}
                        </span>
                    </Show>
                </button>
                <a href=export_href download="" data-testid="feed-export" rel="external"
                    class="rounded-md border border-gray-200 px-3 py-2 text-sm hover:bg-gray-100 dark:border-gray-700 dark:hover:bg-gray-800">
                    {t!(i18n, feed_export)}
                </a>
            </div>
        </form>
    }
}
