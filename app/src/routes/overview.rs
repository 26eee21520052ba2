//! `/dashboard`: the cards, the revenue chart and the latest invoices, each loading on its
//! own behind its skeleton so the page never waits for its slowest query.

use crate::errors::AppError;
use crate::formatting;
use crate::i18n::*;
use crate::models::{CardFigures, InvoiceRow, RevenueMonth};
use leptos::prelude::*;

#[server(endpoint = "overview_cards")]
pub async fn overview_cards() -> Result<CardFigures, AppError> {
    let state = crate::state::app_state()?;
    crate::db::overview::cards(&state.pool)
        .await
        .map_err(AppError::from)
}

#[server(endpoint = "revenue")]
pub async fn revenue() -> Result<Vec<RevenueMonth>, AppError> {
    let state = crate::state::app_state()?;
    crate::db::overview::revenue(&state.pool)
        .await
        .map_err(AppError::from)
}

#[server(endpoint = "latest_invoices")]
pub async fn latest_invoices() -> Result<Vec<InvoiceRow>, AppError> {
    let state = crate::state::app_state()?;
    crate::db::invoices::latest(&state.pool, 5)
        .await
        .map_err(AppError::from)
}

/// The y-axis labels of the revenue chart in $K, from the top (a multiple of $1K) down to 0.
pub fn y_axis(months: &[RevenueMonth]) -> (i64, Vec<String>) {
    let highest_dollars = months
        .iter()
        .map(|m| m.revenue_cents / 100)
        .max()
        .unwrap_or(0);
    let top = ((highest_dollars + 999) / 1000) * 1000;
    let labels = (0..=top / 1000).rev().map(|k| format!("${k}K")).collect();
    (top, labels)
}

#[component]
pub fn OverviewPage() -> impl IntoView {
    // Every processed event may move the figures: refetch them (the live context bumps
    // `changes` at most every 300 ms); Transition keeps the old figures on screen meanwhile.
    let changes = crate::components::live::LiveUpdates::get().map(|l| l.changes);
    let version = move || changes.map(|c| c.get()).unwrap_or(0);
    let cards = Resource::new(version, |_| overview_cards());
    let months = Resource::new(version, |_| revenue());
    let latest = Resource::new(version, |_| latest_invoices());
    let i18n = use_i18n();
    let money =
        move |cents: i64| Signal::derive(move || formatting::money(cents, i18n.get_locale()));
    view! {
        <h1 class="mb-4 text-xl md:text-2xl">{t!(i18n, dashboard)}</h1>
        <div class="grid gap-6 sm:grid-cols-2 lg:grid-cols-4">
            <Transition fallback=|| (0..4).map(|_| view! { <CardSkeleton /> }).collect_view()>
                {move || Suspend::new(async move {
                    cards.await.map(|c| view! {
                        <Card value=money(c.collected_cents)>{t!(i18n, card_collected)}</Card>
                        <Card value=money(c.pending_cents)>{t!(i18n, card_pending)}</Card>
                        <Card value=Signal::stored(c.invoices.to_string())>{t!(i18n, card_invoices)}</Card>
                        <Card value=Signal::stored(c.customers.to_string())>{t!(i18n, card_customers)}</Card>
                    })
                })}
            </Transition>
        </div>
        <div class="mt-6 grid grid-cols-1 gap-6 md:grid-cols-4 lg:grid-cols-8">
            <Transition fallback=|| view! { <div class="h-[410px] w-full animate-pulse rounded-xl bg-gray-100 md:col-span-4 dark:bg-gray-800"></div> }>
                {move || Suspend::new(async move { months.await.map(|m| view! { <RevenueChart months=m /> }) })}
            </Transition>
            <Transition fallback=|| view! { <div class="h-[410px] w-full animate-pulse rounded-xl bg-gray-100 md:col-span-4 dark:bg-gray-800"></div> }>
                {move || Suspend::new(async move { latest.await.map(|rows| view! { <LatestInvoices rows /> }) })}
            </Transition>
        </div>
    }
}

#[component]
fn Card(value: Signal<String>, children: Children) -> impl IntoView {
    view! {
        <div class="rounded-xl bg-gray-50 p-2 shadow-sm dark:bg-gray-800" data-testid="card">
            <div class="flex p-4"><h3 class="ml-2 text-sm font-medium">{children()}</h3></div>
            <p class="truncate rounded-xl bg-white px-4 py-8 text-center text-2xl dark:bg-gray-900">{move || value.get()}</p>
        </div>
    }
}

#[component]
fn CardSkeleton() -> impl IntoView {
    view! { <div class="h-[124px] animate-pulse rounded-xl bg-gray-100 dark:bg-gray-800" aria-busy="true"></div> }
}

#[component]
fn RevenueChart(months: Vec<RevenueMonth>) -> impl IntoView {
    let i18n = use_i18n();
    if months.is_empty() {
        return view! { <p class="mt-4 text-gray-400 md:col-span-4">{t!(i18n, no_data)}</p> }
            .into_any();
    }
    let (top, labels) = y_axis(&months);
    view! {
        <div class="w-full md:col-span-4" data-testid="revenue-chart">
            <h2 class="mb-4 text-xl md:text-2xl">{t!(i18n, recent_revenue)}</h2>
            <div class="rounded-xl bg-gray-50 p-4 dark:bg-gray-800">
                <div class="mt-0 grid grid-cols-12 items-end gap-2 rounded-md bg-white p-4 sm:grid-cols-13 md:gap-4 dark:bg-gray-900">
                    <div class="mb-6 hidden flex-col justify-between text-sm text-gray-400 sm:flex" style="height: 350px">
                        {labels.into_iter().map(|l| view! { <p>{l}</p> }).collect_view()}
                    </div>
                    {months.into_iter().map(|m| {
                        let height = if top == 0 { 0 } else { 350 * (m.revenue_cents / 100) / top };
                        let (cents, name) = (m.revenue_cents, m.month.clone());
                        view! {
                            <div class="flex flex-col items-center gap-2">
                                <div class="w-full rounded-md bg-blue-300" style=format!("height: {height}px") title=move || formatting::money(cents, i18n.get_locale())></div>
                                <p class="-rotate-90 text-sm text-gray-400 sm:rotate-0">{move || formatting::month(&name, i18n.get_locale())}</p>
                            </div>
                        }
                    }).collect_view()}
                </div>
                <div class="flex items-center pb-2 pt-6"><h3 class="ml-2 text-sm text-gray-500">{t!(i18n, last_12_months)}</h3></div>
            </div>
        </div>
    }
    .into_any()
}

#[component]
fn LatestInvoices(rows: Vec<InvoiceRow>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="flex w-full flex-col md:col-span-4" data-testid="latest-invoices">
            <h2 class="mb-4 text-xl md:text-2xl">{t!(i18n, latest_invoices)}</h2>
            <div class="flex grow flex-col justify-between rounded-xl bg-gray-50 p-4 dark:bg-gray-800">
                <div class="bg-white px-6 dark:bg-gray-900">
                    {rows.into_iter().enumerate().map(|(i, row)| view! {
                        <div class=if i == 0 { "flex flex-row items-center justify-between py-4" } else { "flex flex-row items-center justify-between border-t py-4 dark:border-gray-700" }>
                            <div class="flex items-center">
                                <img src=row.image_url alt="" class="mr-4 rounded-full" width="32" height="32" />
                                <div class="min-w-0">
                                    <p class="truncate text-sm font-semibold md:text-base">{row.name}</p>
                                    <p class="hidden text-sm text-gray-500 sm:block">{row.email}</p>
                                </div>
                            </div>
                            <p class="truncate text-sm font-medium md:text-base">{let cents = row.amount_cents; move || formatting::money(cents, i18n.get_locale())}</p>
                        </div>
                    }).collect_view()}
                </div>
                <div class="flex items-center pb-2 pt-6"><h3 class="ml-2 text-sm text-gray-500">{t!(i18n, updated_just_now)}</h3></div>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_axis_tops_out_at_the_next_thousand() {
        let months = vec![
            RevenueMonth {
                month: "Jan".into(),
                revenue_cents: 200_000,
            },
            RevenueMonth {
                month: "Dec".into(),
                revenue_cents: 480_000,
            },
        ];
        let (top, labels) = y_axis(&months);
        assert_eq!(top, 5000);
        assert_eq!(labels, vec!["$5K", "$4K", "$3K", "$2K", "$1K", "$0K"]);
    }
}
