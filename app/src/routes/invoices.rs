use crate::components::status_badge::StatusBadge;
use crate::domain::format_usd;
use crate::models::InvoiceRow;
use leptos::prelude::*;
use leptos_router::components::A;

/// The newest invoices. Search and pagination come with the dashboard issue.
#[server(endpoint = "latest_invoices")]
pub async fn latest_invoices() -> Result<Vec<InvoiceRow>, ServerFnError> {
    let state = crate::state::app_state()?;
    crate::db::invoices::latest(&state.pool, 50).await.map_err(|e| {
        tracing::error!(error = %e, "loading invoices failed");
        ServerFnError::new("could not load invoices")
    })
}

#[component]
pub fn InvoicesPage() -> impl IntoView {
    let invoices = Resource::new(|| (), |_| latest_invoices());
    view! {
        <div class="w-full">
            <div class="flex w-full items-center justify-between">
                <h1 class="text-2xl">"Invoices"</h1>
                <A href="/dashboard/invoices/create" attr:class="flex h-10 items-center rounded-lg bg-blue-600 px-4 text-sm font-medium text-white hover:bg-blue-500">
                    "Create Invoice"
                </A>
            </div>
            <Suspense fallback=|| view! { <p class="mt-6 text-gray-500">"Loading invoices…"</p> }>
                {move || Suspend::new(async move {
                    match invoices.await {
                        Ok(rows) => view! { <InvoicesTable rows /> }.into_any(),
                        Err(e) => view! { <p class="mt-6 text-red-600">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn InvoicesTable(rows: Vec<InvoiceRow>) -> impl IntoView {
    view! {
        <table class="mt-6 min-w-full text-gray-900" data-testid="invoices-table">
            <thead class="text-left text-sm font-normal">
                <tr>
                    <th class="px-4 py-5 font-medium">"Customer"</th>
                    <th class="px-3 py-5 font-medium">"Email"</th>
                    <th class="px-3 py-5 font-medium">"Amount"</th>
                    <th class="px-3 py-5 font-medium">"Date"</th>
                    <th class="px-3 py-5 font-medium">"Status"</th>
                </tr>
            </thead>
            <tbody class="bg-white">
                {rows
                    .into_iter()
                    .map(|row| {
                        view! {
                            <tr class="border-b text-sm" data-invoice-id=row.id.to_string()>
                                <td class="flex items-center gap-3 py-3 pl-6 pr-3 whitespace-nowrap">
                                    <img src=row.image_url class="rounded-full" width="28" height="28" alt="" />
                                    {row.name}
                                </td>
                                <td class="px-3 py-3">{row.email}</td>
                                <td class="px-3 py-3">{format_usd(row.amount_cents)}</td>
                                <td class="px-3 py-3">{row.date.format("%b %-d, %Y").to_string()}</td>
                                <td class="px-3 py-3"><StatusBadge status=row.status /></td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
