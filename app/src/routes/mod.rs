pub mod activity;
pub mod create_invoice;
pub mod home;
pub mod invoices;
pub mod not_found;
pub mod overview;
