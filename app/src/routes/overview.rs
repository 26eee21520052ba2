//! `/dashboard`: the cards, the revenue chart and the latest invoices, each loading on its
//! own behind its skeleton so the page never waits for its slowest query.

use crate::domain::format_usd;
use crate::models::{CardFigures, InvoiceRow, RevenueMonth};
use leptos::prelude::*;

#[server(endpoint = "overview_cards")]
pub async fn overview_cards() -> Result<CardFigures, ServerFnError> {
    let state = crate::state::app_state()?;
    crate::db::overview::cards(&state.pool).await.map_err(crate::components::invoice_fields::database_error)
}

#[server(endpoint = "revenue")]
pub async fn revenue() -> Result<Vec<RevenueMonth>, ServerFnError> {
    let state = crate::state::app_state()?;
    crate::db::overview::revenue(&state.pool).await.map_err(crate::components::invoice_fields::database_error)
}

#[server(endpoint = "latest_invoices")]
pub async fn latest_invoices() -> Result<Vec<InvoiceRow>, ServerFnError> {
    let state = crate::state::app_state()?;
    crate::db::invoices::latest(&state.pool, 5).await.map_err(crate::components::invoice_fields::database_error)
}

/// The y-axis labels of the revenue chart in $K, from the top (a multiple of $1K) down to 0.
pub fn y_axis(months: &[RevenueMonth]) -> (i64, Vec<String>) {
    let highest_dollars = months.iter().map(|m| m.revenue_cents / 100).max().unwrap_or(0);
    let top = ((highest_dollars + 999) / 1000) * 1000;
    let labels = (0..=top / 1000).rev().map(|k| format!("${k}K")).collect();
    (top, labels)
}

#[component]
pub fn OverviewPage() -> impl IntoView {
    let cards = Resource::new(|| (), |_| overview_cards());
    let months = Resource::new(|| (), |_| revenue());
    let latest = Resource::new(|| (), |_| latest_invoices());
    view! {
        <h1 class="mb-4 text-xl md:text-2xl">"Dashboard"</h1>
        <div class="grid gap-6 sm:grid-cols-2 lg:grid-cols-4">
            <Suspense fallback=|| (0..4).map(|_| view! { <CardSkeleton /> }).collect_view()>
                {move || Suspend::new(async move {
                    cards.await.map(|c| view! {
                        <Card title="Collected" value=format_usd(c.collected_cents) />
                        <Card title="Pending" value=format_usd(c.pending_cents) />
                        <Card title="Total Invoices" value=c.invoices.to_string() />
                        <Card title="Total Customers" value=c.customers.to_string() />
                    })
                })}
            </Suspense>
        </div>
        <div class="mt-6 grid grid-cols-1 gap-6 md:grid-cols-4 lg:grid-cols-8">
            <Suspense fallback=|| view! { <div class="h-[410px] w-full animate-pulse rounded-xl bg-gray-100 md:col-span-4 dark:bg-gray-800"></div> }>
                {move || Suspend::new(async move { months.await.map(|m| view! { <RevenueChart months=m /> }) })}
            </Suspense>
            <Suspense fallback=|| view! { <div class="h-[410px] w-full animate-pulse rounded-xl bg-gray-100 md:col-span-4 dark:bg-gray-800"></div> }>
                {move || Suspend::new(async move { latest.await.map(|rows| view! { <LatestInvoices rows /> }) })}
            </Suspense>
        </div>
    }
}

#[component]
fn Card(title: &'static str, value: String) -> impl IntoView {
    view! {
        <div class="rounded-xl bg-gray-50 p-2 shadow-sm dark:bg-gray-800" data-testid="card">
            <div class="flex p-4"><h3 class="ml-2 text-sm font-medium">{title}</h3></div>
            <p class="truncate rounded-xl bg-white px-4 py-8 text-center text-2xl dark:bg-gray-900">{value}</p>
        </div>
    }
}

#[component]
fn CardSkeleton() -> impl IntoView {
    view! { <div class="h-[124px] animate-pulse rounded-xl bg-gray-100 dark:bg-gray-800" aria-busy="true"></div> }
}

#[component]
fn RevenueChart(months: Vec<RevenueMonth>) -> impl IntoView {
    if months.is_empty() {
        return view! { <p class="mt-4 text-gray-400 md:col-span-4">"No data available."</p> }.into_any();
    }
    let (top, labels) = y_axis(&months);
    view! {
        <div class="w-full md:col-span-4" data-testid="revenue-chart">
            <h2 class="mb-4 text-xl md:text-2xl">"Recent Revenue"</h2>
            <div class="rounded-xl bg-gray-50 p-4 dark:bg-gray-800">
                <div class="mt-0 grid grid-cols-12 items-end gap-2 rounded-md bg-white p-4 sm:grid-cols-13 md:gap-4 dark:bg-gray-900">
                    <div class="mb-6 hidden flex-col justify-between text-sm text-gray-400 sm:flex" style="height: 350px">
                        {labels.into_iter().map(|l| view! { <p>{l}</p> }).collect_view()}
                    </div>
                    {months.into_iter().map(|m| {
                        let height = if top == 0 { 0 } else { 350 * (m.revenue_cents / 100) / top };
                        view! {
                            <div class="flex flex-col items-center gap-2">
                                <div class="w-full rounded-md bg-blue-300" style=format!("height: {height}px") title=format_usd(m.revenue_cents)></div>
                                <p class="-rotate-90 text-sm text-gray-400 sm:rotate-0">{m.month}</p>
                            </div>
                        }
                    }).collect_view()}
                </div>
                <div class="flex items-center pb-2 pt-6"><h3 class="ml-2 text-sm text-gray-500">"Last 12 months"</h3></div>
            </div>
        </div>
    }
    .into_any()
}

#[component]
fn LatestInvoices(rows: Vec<InvoiceRow>) -> impl IntoView {
    view! {
        <div class="flex w-full flex-col md:col-span-4" data-testid="latest-invoices">
            <h2 class="mb-4 text-xl md:text-2xl">"Latest Invoices"</h2>
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
                            <p class="truncate text-sm font-medium md:text-base">{format_usd(row.amount_cents)}</p>
                        </div>
                    }).collect_view()}
                </div>
                <div class="flex items-center pb-2 pt-6"><h3 class="ml-2 text-sm text-gray-500">"Updated just now"</h3></div>
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
            RevenueMonth { month: "Jan".into(), revenue_cents: 200_000 },
            RevenueMonth { month: "Dec".into(), revenue_cents: 480_000 },
        ];
        let (top, labels) = y_axis(&months);
        assert_eq!(top, 5000);
        assert_eq!(labels, vec!["$5K", "$4K", "$3K", "$2K", "$1K", "$0K"]);
    }
}
