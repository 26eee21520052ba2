//! `/dashboard/customers?query=`: every customer with their invoice totals.

use crate::components::search::Search;
use crate::domain::format_usd;
use crate::models::CustomerRow;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[server(endpoint = "customers_table")]
pub async fn customers_table(query: String) -> Result<Vec<CustomerRow>, ServerFnError> {
    let state = crate::state::app_state()?;
    crate::db::customers::table(&state.pool, query.trim()).await.map_err(crate::components::invoice_fields::database_error)
}

#[component]
pub fn CustomersPage() -> impl IntoView {
    let params = use_query_map();
    let customers = Resource::new(move || params.read().get("query").unwrap_or_default(), customers_table);
    view! {
        <div class="w-full">
            <h1 class="mb-8 text-xl md:text-2xl">"Customers"</h1>
            <Search placeholder="Search customers..." />
            <Transition fallback=|| view! { <super::invoices::TableSkeleton /> }>
                {move || Suspend::new(async move {
                    customers.await.map(|rows| view! {
                        <table class="mt-6 min-w-full rounded-md text-sm" data-testid="customers-table">
                            <thead class="rounded-md bg-gray-50 text-left font-normal dark:bg-gray-800">
                                <tr>
                                    <th scope="col" class="px-4 py-5 font-medium sm:pl-6">"Name"</th>
                                    <th scope="col" class="px-3 py-5 font-medium">"Email"</th>
                                    <th scope="col" class="px-3 py-5 font-medium">"Total Invoices"</th>
                                    <th scope="col" class="px-3 py-5 font-medium">"Total Pending"</th>
                                    <th scope="col" class="px-4 py-5 font-medium">"Total Paid"</th>
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
                                        <td class="whitespace-nowrap px-4 py-5">{format_usd(c.total_pending)}</td>
                                        <td class="whitespace-nowrap px-4 py-5">{format_usd(c.total_paid)}</td>
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
