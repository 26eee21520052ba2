pub mod icons;
pub mod layout;
pub mod live;
pub mod locale_switch;
pub mod pagination;
pub mod search;
pub mod status_badge;
pub mod theme;
