use crate::domain::FieldErrors;
use crate::models::CustomerField;
use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_navigate};
use serde::{Deserialize, Serialize};

/// What a submitted form led to. A rejected form is an expected outcome, not an error.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum CreateInvoiceOutcome {
    Created { id: uuid::Uuid },
    Invalid { errors: FieldErrors, message: String },
}

#[server(endpoint = "customers_for_select")]
pub async fn customers_for_select() -> Result<Vec<CustomerField>, ServerFnError> {
    let state = crate::state::app_state()?;
    crate::db::customers::all_for_select(&state.pool).await.map_err(|e| {
        tracing::error!(error = %e, "loading customers failed");
        ServerFnError::new("could not load customers")
    })
}

/// Validates the form, then saves the invoice and its `created` event in one transaction.
#[server(endpoint = "create_invoice")]
pub async fn create_invoice(
    customer_id: String,
    amount: String,
    status: Option<String>,
) -> Result<CreateInvoiceOutcome, ServerFnError> {
    let state = crate::state::app_state()?;
    let draft = crate::domain::InvoiceDraft { customer_id, amount, status };
    let invalid = |errors| CreateInvoiceOutcome::Invalid { errors, message: "Missing Fields. Failed to Create Invoice.".into() };
    let input = match draft.parse() {
        Ok(input) => input,
        Err(errors) => return Ok(invalid(errors)),
    };
    let db_error = |e: sqlx::Error| {
        tracing::error!(error = %e, "creating an invoice failed");
        ServerFnError::new("Database Error: Failed to Create Invoice.")
    };
    if !crate::db::invoices::customer_exists(&state.pool, input.customer_id).await.map_err(db_error)? {
        return Ok(invalid(FieldErrors { customer_id: Some("Please select a customer.".into()), ..Default::default() }));
    }
    let id = crate::db::invoices::create(&state.pool, &state.invoices_topic, &input).await.map_err(db_error)?;
    tracing::info!(invoice_id = %id, amount_cents = input.amount.cents(), "invoice created");
    Ok(CreateInvoiceOutcome::Created { id })
}

#[component]
pub fn CreateInvoicePage() -> impl IntoView {
    let customers = Resource::new(|| (), |_| customers_for_select());
    let create = ServerAction::<CreateInvoice>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(CreateInvoiceOutcome::Created { .. })) = create.value().get() {
            navigate("/dashboard/invoices", Default::default());
        }
    });
    let errors = move || match create.value().get() {
        Some(Ok(CreateInvoiceOutcome::Invalid { errors, message })) => (errors, Some(message)),
        Some(Err(e)) => (FieldErrors::default(), Some(e.to_string())),
        _ => (FieldErrors::default(), None),
    };
    let field_error = move |pick: fn(&FieldErrors) -> Option<String>, id: &'static str| {
        view! {
            <div id=id aria-live="polite" aria-atomic="true">
                {move || pick(&errors().0).map(|e| view! { <p class="mt-2 text-sm text-red-500">{e}</p> })}
            </div>
        }
    };

    view! {
        <nav aria-label="Breadcrumb" class="mb-6 block">
            <ol class="flex text-xl md:text-2xl">
                <li class="text-gray-500"><A href="/dashboard/invoices">"Invoices"</A></li>
                <li class="mx-3 text-gray-500">"/"</li>
                <li class="text-gray-900">"Create Invoice"</li>
            </ol>
        </nav>
        <ActionForm action=create>
            <div class="rounded-md bg-gray-50 p-4 md:p-6">
                <div class="mb-4">
                    <label for="customer" class="mb-2 block text-sm font-medium">"Choose customer"</label>
                    <select id="customer" name="customer_id" class="block w-full rounded-md border border-gray-200 py-2 pl-3 text-sm" aria-describedby="customer-error">
                        <option value="" selected>"Select a customer"</option>
                        <Suspense fallback=|| ()>
                            {move || Suspend::new(async move {
                                customers.await.unwrap_or_default().into_iter()
                                    .map(|c| view! { <option value=c.id.to_string()>{c.name}</option> })
                                    .collect_view()
                            })}
                        </Suspense>
                    </select>
                    {field_error(|e| e.customer_id.clone(), "customer-error")}
                </div>
                <div class="mb-4">
                    <label for="amount" class="mb-2 block text-sm font-medium">"Choose an amount"</label>
                    <input id="amount" name="amount" type="text" inputmode="decimal" placeholder="Enter USD amount"
                        class="block w-full rounded-md border border-gray-200 py-2 pl-3 text-sm" aria-describedby="amount-error" />
                    {field_error(|e| e.amount.clone(), "amount-error")}
                </div>
                <fieldset class="mb-4">
                    <legend class="mb-2 block text-sm font-medium">"Set the invoice status"</legend>
                    <div class="flex gap-4 rounded-md border border-gray-200 bg-white px-[14px] py-3">
                        <label class="flex items-center gap-2 text-sm"><input type="radio" name="status" value="pending" />"Pending"</label>
                        <label class="flex items-center gap-2 text-sm"><input type="radio" name="status" value="paid" />"Paid"</label>
                    </div>
                    {field_error(|e| e.status.clone(), "status-error")}
                </fieldset>
                <div aria-live="polite" aria-atomic="true">
                    {move || errors().1.map(|m| view! { <p class="mt-2 text-sm text-red-500" data-testid="form-message">{m}</p> })}
                </div>
            </div>
            <div class="mt-6 flex justify-end gap-4">
                <A href="/dashboard/invoices" attr:class="flex h-10 items-center rounded-lg bg-gray-100 px-4 text-sm font-medium text-gray-600 hover:bg-gray-200">"Cancel"</A>
                <button type="submit" class="flex h-10 items-center rounded-lg bg-blue-500 px-4 text-sm font-medium text-white hover:bg-blue-400 disabled:opacity-50"
                    disabled=move || create.pending().get()>
                    "Create Invoice"
                </button>
            </div>
        </ActionForm>
    }
}
