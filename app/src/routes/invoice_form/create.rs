//! `/dashboard/invoices/create`: the form and `create_invoice`, which saves the invoice and
//! its `created` event in one transaction.

use super::{
    customers_for_select, fields::InvoiceFields, go_to_list_when_saved, Breadcrumbs, FormButtons,
    SaveOutcome,
};
use crate::domain::InvoiceDraft;
use crate::errors::AppError;
use crate::i18n::*;
use leptos::prelude::*;

/// Validates the form (the amount read in `lang`, the language the form was shown in; else the
/// language cookie; else English), then saves the invoice and its `created` event in one transaction.
#[server(endpoint = "create_invoice")]
pub async fn create_invoice(
    customer_id: String,
    amount: String,
    status: Option<String>,
    lang: Option<String>,
) -> Result<SaveOutcome, AppError> {
    let actor = crate::auth::ssr::require(crate::auth::roles::Role::Editor).await?;
    let state = crate::state::app_state()?;
    let fields = (customer_id, amount, status);
    let input = match super::check::check(&state.pool, fields, lang.as_deref(), "Create").await? {
        Ok(input) => input,
        Err(outcome) => return Ok(outcome),
    };
    let save = crate::audit::acting_as(
        actor,
        crate::db::invoices::create(&state.pool, &state.invoices_topic, &input),
    );
    let (trace, saved) = crate::trace::within_request(save).await;
    let id = saved.map_err(AppError::from)?;
    tracing::info!(trace_id = %trace.trace_id(), invoice_id = %id, amount_cents = input.amount.cents(), "invoice created");
    Ok(SaveOutcome::Saved { id })
}

#[component]
pub fn CreateInvoicePage() -> impl IntoView {
    let customers = Resource::new(|| (), |_| customers_for_select());
    let create = ServerAction::<CreateInvoice>::new();
    let outcome = Signal::derive(move || create.value().get());
    go_to_list_when_saved(outcome);
    let i18n = use_i18n();
    view! {
        <Breadcrumbs>{t!(i18n, create_invoice)}</Breadcrumbs>
        <Suspense fallback=|| view! { <div class="h-64 animate-pulse rounded-md bg-gray-100 dark:bg-gray-800"></div> }>
            {move || Suspend::new(async move {
                customers.await.map(|customers| view! {
                    <ActionForm action=create>
                        <InvoiceFields customers initial=InvoiceDraft::default() outcome />
                        <FormButtons pending=create.pending()>{t!(i18n, create_invoice)}</FormButtons>
                    </ActionForm>
                })
            })}
        </Suspense>
    }
}
