use crate::domain::{FieldError, FieldErrors, InvoiceDraft};
use crate::i18n::*;
use crate::models::CustomerField;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What saving an invoice form led to. A rejected form is an expected outcome, not an error.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SaveOutcome {
    Saved {
        id: uuid::Uuid,
    },
    Invalid {
        errors: FieldErrors,
        message: String,
    },
    NotFound,
}

impl SaveOutcome {
    pub fn invalid(errors: FieldErrors, verb: &str) -> Self {
        Self::Invalid {
            errors,
            message: format!("Missing Fields. Failed to {verb} Invoice."),
        }
    }
}

/// The server's re-check of a submitted form: the shared rules, then that the customer exists.
#[cfg(feature = "ssr")]
pub async fn check(
    pool: &sqlx::PgPool,
    draft: InvoiceDraft,
    verb: &str,
) -> Result<Result<crate::domain::InvoiceInput, SaveOutcome>, ServerFnError> {
    let input = match draft.parse() {
        Ok(input) => input,
        Err(errors) => return Ok(Err(SaveOutcome::invalid(errors, verb))),
    };
    let exists = crate::db::invoices::customer_exists(pool, input.customer_id)
        .await
        .map_err(database_error)?;
    if !exists {
        return Ok(Err(SaveOutcome::invalid(
            FieldErrors {
                customer_id: Some(FieldError::SelectCustomer),
                ..Default::default()
            },
            verb,
        )));
    }
    Ok(Ok(input))
}

#[cfg(feature = "ssr")]
pub fn database_error(e: sqlx::Error) -> ServerFnError {
    tracing::error!(error = %e, "database error");
    ServerFnError::new("Database Error: please try again.")
}

/// A field error in the reader's language.
pub fn field_error_text(i18n: leptos_i18n::I18nContext<Locale>, error: FieldError) -> String {
    match error {
        FieldError::SelectCustomer => t_string!(i18n, error_select_customer),
        FieldError::AmountNotPositive => t_string!(i18n, error_amount_not_positive),
        FieldError::AmountNotANumber => t_string!(i18n, error_amount_not_a_number),
        FieldError::AmountTooManyDecimals => t_string!(i18n, error_amount_too_many_decimals),
        FieldError::AmountTooLarge => t_string!(i18n, error_amount_too_large),
        FieldError::SelectStatus => t_string!(i18n, error_select_status),
    }
    .to_string()
}

/// The customer, amount and status fields with their errors, for the create and edit forms.
/// `updating` picks the form-level message ("...Create Invoice." or "...Update Invoice.").
#[component]
pub fn InvoiceFields(
    customers: Vec<CustomerField>,
    initial: InvoiceDraft,
    #[prop(into)] outcome: Signal<Option<Result<SaveOutcome, ServerFnError>>>,
    #[prop(optional)] updating: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let errors = move || match outcome.get() {
        Some(Ok(SaveOutcome::Invalid { errors, .. })) => errors,
        _ => FieldErrors::default(),
    };
    let message = move || match outcome.get() {
        Some(Ok(SaveOutcome::Invalid { .. })) if updating => {
            Some(t_string!(i18n, missing_fields_update).to_string())
        }
        Some(Ok(SaveOutcome::Invalid { .. })) => {
            Some(t_string!(i18n, missing_fields_create).to_string())
        }
        Some(Ok(SaveOutcome::NotFound)) => Some(t_string!(i18n, invoice_gone).to_string()),
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    };
    let field_error = move |pick: fn(FieldErrors) -> Option<FieldError>, id: &'static str| {
        view! {
            <div id=id aria-live="polite" aria-atomic="true">
                {move || pick(errors()).map(|e| view! { <p class="mt-2 text-sm text-red-500">{field_error_text(i18n, e)}</p> })}
            </div>
        }
    };
    let selected_customer = initial.customer_id.clone();
    let status = initial.status.clone().unwrap_or_default();
    view! {
        <div class="rounded-md bg-gray-50 p-4 md:p-6 dark:bg-gray-800">
            <div class="mb-4">
                <label for="customer" class="mb-2 block text-sm font-medium">{t!(i18n, choose_customer)}</label>
                <select id="customer" name="customer_id" aria-describedby="customer-error"
                    class="block w-full rounded-md border border-gray-200 py-2 pl-3 text-sm dark:border-gray-700 dark:bg-gray-900">
                    <option value="" selected=selected_customer.is_empty()>{t!(i18n, select_customer_option)}</option>
                    {customers.into_iter().map(|c| {
                        let id = c.id.to_string();
                        let selected = id == selected_customer;
                        view! { <option value=id selected=selected>{c.name}</option> }
                    }).collect_view()}
                </select>
                {field_error(|e| e.customer_id, "customer-error")}
            </div>
            <div class="mb-4">
                <label for="amount" class="mb-2 block text-sm font-medium">{t!(i18n, choose_amount)}</label>
                <input id="amount" name="amount" type="text" inputmode="decimal" placeholder=move || t_string!(i18n, amount_placeholder) value=initial.amount
                    aria-describedby="amount-error"
                    class="block w-full rounded-md border border-gray-200 py-2 pl-3 text-sm dark:border-gray-700 dark:bg-gray-900" />
                {field_error(|e| e.amount, "amount-error")}
            </div>
            <fieldset class="mb-4" aria-describedby="status-error">
                <legend class="mb-2 block text-sm font-medium">{t!(i18n, set_status)}</legend>
                <div class="flex gap-4 rounded-md border border-gray-200 bg-white px-[14px] py-3 dark:border-gray-700 dark:bg-gray-900">
                    <label class="flex items-center gap-2 text-sm">
                        <input type="radio" name="status" value="pending" checked=status == "pending" />{t!(i18n, status_pending)}
                    </label>
                    <label class="flex items-center gap-2 text-sm">
                        <input type="radio" name="status" value="paid" checked=status == "paid" />{t!(i18n, status_paid)}
                    </label>
                </div>
                {field_error(|e| e.status, "status-error")}
            </fieldset>
            <div aria-live="polite" aria-atomic="true">
                {move || message().map(|m| view! { <p class="mt-2 text-sm text-red-500" data-testid="form-message">{m}</p> })}
            </div>
        </div>
    }
}
