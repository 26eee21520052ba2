//! Rows as pages show them, shared by the server (which reads them) and the browser.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct InvoiceRow {
    pub id: Uuid,
    pub amount_cents: i64,
    pub status: String,
    pub date: NaiveDate,
    pub name: String,
    pub email: String,
    pub image_url: String,
}

/// A customer as the invoice form's select lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct CustomerField {
    pub id: Uuid,
    pub name: String,
}
