//! Database access (server only). Each module owns the queries for one table.

pub mod activity;
pub mod api_tokens;
pub mod customers;
pub mod invoices;
pub mod mailbox;
pub mod outbox;
pub mod overview;
pub mod users;
