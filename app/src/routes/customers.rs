//! `/dashboard/customers?query=`: every customer with their invoice totals.

use crate::components::search::Search;
use crate::errors::AppError;
use crate::formatting;
use crate::i18n::*;
use crate::models::CustomerRow;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[server(endpoint = "customers_table")]
pub async fn customers_table(query: String) -> Result<Vec<CustomerRow>, AppError> {
    let state = crate::state::app_state()?;
    crate::db::customers::table(&state.pool, query.trim())
        .await
        .map_err(AppError::from)
}

#[component]
pub fn CustomersPage() -> impl IntoView {
    let params = use_query_map();
    let customers = Resource::new(
        move || params.read().get("query").unwrap_or_default(),
        customers_table,
    );
    let i18n = use_i18n();
    let money = move |cents: i64| move || formatting::money(cents, i18n.get_locale());
    view! {
        <div class="w-full">
            <h1 class="mb-8 text-xl md:text-2xl">{t!(i18n, nav_customers)}</h1>
            <Search placeholder=Signal::derive(move || t_string!(i18n, search_customers).to_string()) />
            <Transition fallback=|| view! { <super::invoices::TableSkeleton /> }>
                {move || Suspend::new(async move {
                    customers.await.map(|rows| view! {
                        <table class="mt-6 min-w-full rounded-md text-sm" data-testid="customers-table">
                            <thead class="rounded-md bg-gray-50 text-left font-normal dark:bg-gray-800">
                                <tr>
                                    <th scope="col" class="px-4 py-5 font-medium sm:pl-6">{t!(i18n, col_name)}</th>
                                    <th scope="col" class="px-3 py-5 font-medium">{t!(i18n, col_email)}</th>
                                    <th scope="col" class="px-3 py-5 font-medium">{t!(i18n, col_total_invoices)}</th>
                                    <th scope="col" class="px-3 py-5 font-medium">{t!(i18n, col_total_pending)}</th>
                                    <th scope="col" class="px-4 py-5 font-medium">{t!(i18n, col_total_paid)}</th>
                                </tr>
                            </thead>
                            <tbody class="divide-y divide-gray-200 dark:divide-gray-700">
                                {rows.into_iter().map(|c| view! {
                                    <tr>
                                        <td class="whitespace-nowrap py-5 pl-4 pr-3 sm:pl-6">
                                            <div class="flex items-center gap-3">
                                                <img src=c.image_url class="rounded-full" width="28" height="28" alt="" />
                                                <p>{c.name}</p>
                                            </div>
                                        </td>
                                        <td class="whitespace-nowrap px-4 py-5">{c.email}</td>
                                        <td class="whitespace-nowrap px-4 py-5">{c.total_invoices}</td>
                                        <td class="whitespace-nowrap px-4 py-5">{money(c.total_pending)}</td>
                                        <td class="whitespace-nowrap px-4 py-5">{money(c.total_paid)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    })
                })}
            </Transition>
        </div>
    }
}
