//! The Acme Dashboard server: SSR, the outbox relay, the invoice events processor, and the
//! live activity feed over WebSockets. `main.rs` only wires process concerns around it.

pub mod activity_export;
pub mod activity_feed;
pub mod activity_hub;
pub mod auth_gate;
pub mod client_errors;
pub mod delivery;
pub mod invoice_processor;
pub mod kafka;
pub mod mail_catcher;
pub mod outbox_relay;
pub mod parked_events;
pub mod partition_workers;
pub mod produce_api;
pub mod scratch;
pub mod seed;
pub mod settings;
pub mod side_effects;
pub mod startup;
pub mod telemetry;
pub mod telemetry_metrics;
pub mod ws_activity;
