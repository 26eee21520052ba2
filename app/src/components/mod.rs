pub mod layout;
pub mod status_badge;
