use crate::components::invoice_fields::{InvoiceFields, SaveOutcome};
use crate::domain::InvoiceDraft;
use crate::errors::AppError;
use crate::i18n::*;
use crate::models::CustomerField;
use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_navigate};

#[server(endpoint = "customers_for_select")]
pub async fn customers_for_select() -> Result<Vec<CustomerField>, AppError> {
    let state = crate::state::app_state()?;
    crate::db::customers::all_for_select(&state.pool)
        .await
        .map_err(AppError::from)
}

/// Validates the form (the amount read in `lang`, the language the form was shown in; else the
/// language cookie; else English), then saves the invoice and its `created` event in one transaction.
#[server(endpoint = "create_invoice")]
pub async fn create_invoice(
    customer_id: String,
    amount: String,
    status: Option<String>,
    lang: Option<String>,
) -> Result<SaveOutcome, AppError> {
    let state = crate::state::app_state()?;
    let draft = InvoiceDraft {
        customer_id,
        amount,
        status,
    };
    let input = match crate::components::invoice_fields::check(
        &state.pool,
        draft,
        lang.as_deref(),
        "Create",
    )
    .await?
    {
        Ok(input) => input,
        Err(outcome) => return Ok(outcome),
    };
    let id = crate::db::invoices::create(&state.pool, &state.invoices_topic, &input)
        .await
        .map_err(AppError::from)?;
    tracing::info!(invoice_id = %id, amount_cents = input.amount.cents(), "invoice created");
    Ok(SaveOutcome::Saved { id })
}

/// After a successful save, back to the list.
pub fn go_to_list_when_saved(outcome: Signal<Option<Result<SaveOutcome, AppError>>>) {
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(SaveOutcome::Saved { .. })) = outcome.get() {
            navigate("/dashboard/invoices", Default::default());
        }
    });
}

#[component]
pub fn Breadcrumbs(children: Children) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <nav aria-label="Breadcrumb" class="mb-6 block">
            <ol class="flex text-xl md:text-2xl">
                <li class="text-gray-500"><A href="/dashboard/invoices">{t!(i18n, invoices)}</A></li>
                <li class="mx-3 text-gray-500" aria-hidden="true">"/"</li>
                <li aria-current="page">{children()}</li>
            </ol>
        </nav>
    }
}

#[component]
pub fn FormButtons(#[prop(into)] pending: Signal<bool>, children: Children) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="mt-6 flex justify-end gap-4">
            <A href="/dashboard/invoices" attr:class="flex h-10 items-center rounded-lg bg-gray-100 px-4 text-sm font-medium text-gray-600 hover:bg-gray-200 dark:bg-gray-700 dark:text-gray-200">{t!(i18n, cancel)}</A>
            <button type="submit" disabled=move || pending.get()
                class="flex h-10 items-center rounded-lg bg-blue-500 px-4 text-sm font-medium text-white hover:bg-blue-400 disabled:opacity-50">
                {children()}
            </button>
        </div>
    }
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
