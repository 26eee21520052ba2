//! The server's side of the form: how to read a submitted amount, and the re-check of the
//! shared rules plus what only the database knows.

use super::SaveOutcome;
use crate::domain::{FieldError, FieldErrors, InvoiceDraft, NumberStyle};
use crate::errors::AppError;

/// How to read a submitted amount: the form's language field, else the language cookie, else
/// English (an API caller that says nothing gets the strict English reading).
pub async fn submitted_number_style(lang: Option<&str>) -> NumberStyle {
    if let Some(style) = lang.and_then(NumberStyle::from_code) {
        return style;
    }
    let headers = leptos_axum::extract::<http::HeaderMap>()
        .await
        .unwrap_or_default();
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|header| crate::cookies::cookie_value(header, crate::cookies::LANGUAGE))
        .and_then(NumberStyle::from_code)
        .unwrap_or_default()
}

/// The server's re-check of a submitted form: the shared rules (the amount read in the form's
/// language), then that the customer exists.
pub async fn check(
    pool: &sqlx::PgPool,
    (customer_id, amount, status): (String, String, Option<String>),
    lang: Option<&str>,
    verb: &str,
) -> Result<Result<crate::domain::InvoiceInput, SaveOutcome>, AppError> {
    let draft = InvoiceDraft {
        customer_id,
        amount,
        status,
    };
    let input = match draft.parse(submitted_number_style(lang).await) {
        Ok(input) => input,
        Err(errors) => return Ok(Err(SaveOutcome::invalid(errors, verb))),
    };
    let exists = crate::db::invoices::customer_exists(pool, input.customer_id).await?;
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
