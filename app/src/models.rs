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
    #[cfg_attr(
        feature = "hydrate",
        serde(deserialize_with = "crate::wire_time::date")
    )]
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

/// An invoice as the edit form needs it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct InvoiceEditable {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub amount_cents: i64,
    pub status: String,
}

/// A row of the customers table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct CustomerRow {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub image_url: String,
    pub total_invoices: i64,
    pub total_pending: i64,
    pub total_paid: i64,
}

/// The four overview cards.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct CardFigures {
    pub collected_cents: i64,
    pub pending_cents: i64,
    pub invoices: i64,
    pub customers: i64,
}

/// One month of the revenue chart.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct RevenueMonth {
    pub month: String,
    pub revenue_cents: i64,
}
