//! The customer, amount and status fields with their errors, shared by both forms.

use super::{SaveOutcome, LANGUAGE_FIELD};
use crate::domain::{AmountCents, FieldError, FieldErrors, InvoiceDraft, NumberStyle};
use crate::errors::AppError;
use crate::formatting::number_style;
use crate::i18n::*;
use crate::models::CustomerField;
use leptos::prelude::*;

/// A field error in the reader's language.
pub fn field_error_text(i18n: leptos_i18n::I18nContext<Locale>, error: FieldError) -> String {
    match error {
        FieldError::SelectCustomer => t_string!(i18n, error_select_customer),
        FieldError::AmountNotPositive => t_string!(i18n, error_amount_not_positive),
        FieldError::AmountNotANumber => t_string!(i18n, error_amount_not_a_number),
        FieldError::AmountTooManyDecimals => t_string!(i18n, error_amount_too_many_decimals),
        FieldError::AmountTooLarge => t_string!(i18n, error_amount_too_large),
        FieldError::AmountMisplacedSeparator => {
            t_string!(i18n, error_amount_misplaced_separator)
        }
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
    #[prop(into)] outcome: Signal<Option<Result<SaveOutcome, AppError>>>,
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
        Some(Err(AppError::TooLarge { .. })) => Some(t_string!(i18n, form_too_large).to_string()),
        Some(Err(AppError::BadRequest { .. })) => {
            Some(t_string!(i18n, form_unreadable).to_string())
        }
        Some(Err(e)) => Some(crate::components::me::error_text(i18n, &e)),
        _ => None,
    };
    let field_error = move |pick: fn(FieldErrors) -> Option<FieldError>, id: &'static str| {
        view! {
            <div id=id aria-live="polite" aria-atomic="true">
                {move || pick(errors()).map(|e| view! { <p class="mt-2 text-sm text-red-500">{field_error_text(i18n, e)}</p> })}
            </div>
        }
    };
    // The amount is shown and read in the reader's language; switching language rewrites a
    // readable amount in the new one, so what is submitted matches the language field.
    let amount_input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |previous: Option<NumberStyle>| {
        let style = number_style(i18n.get_locale());
        if let (Some(previous), Some(input)) = (previous, amount_input.get_untracked()) {
            if let Ok(amount) = AmountCents::parse(&input.value(), previous) {
                input.set_value(&amount.to_plain(style));
            }
        }
        style
    });
    let selected_customer = initial.customer_id.clone();
    let status = initial.status.clone().unwrap_or_default();
    view! {
        <div class="rounded-md bg-gray-50 p-4 md:p-6 dark:bg-gray-800">
            <input type="hidden" name=LANGUAGE_FIELD value=move || number_style(i18n.get_locale()).code() />
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
                <input id="amount" name="amount" type="text" node_ref=amount_input inputmode="decimal" placeholder=move || t_string!(i18n, amount_placeholder) value=initial.amount
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
