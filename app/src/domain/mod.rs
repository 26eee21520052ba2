//! The invoice rules, shared by the browser form and the server (which always re-checks).
//! Parse, don't validate: a value of these types is known to be good.

mod amount;
mod invoice_form;
mod status;

pub use amount::{format_money, format_usd, AmountCents, AmountError, NumberStyle};
pub use invoice_form::{FieldError, FieldErrors, InvoiceDraft, InvoiceInput};
pub use status::InvoiceStatus;
