//! The Acme Dashboard server, laid out along the path an invoice takes (README, "How an invoice
//! travels"):
//!
//! - `http`: what a browser or API client reaches besides the pages (sign-in gate, client
//!   errors, the produce API, the router);
//! - the server functions in the `app` crate write the invoice and its event in one transaction;
//! - `outbox_relay`: publishes outbox rows (invoice events and activity items) to Kafka;
//! - `kafka`: every Kafka client, our topics, header names, messages detached from a consumer;
//! - `processor`: consumes invoice events in batches, their side effects, parked events and
//!   dead letters, consumer lag;
//! - `delivery`: sends the processor's mails and webhooks;
//! - `activity`: the feed's store, the hub that fans it out, the browser socket, the export;
//! - `telemetry`: logs and metrics; `state`: what handlers share; `startup`: builds it all.

pub mod activity;
pub mod delivery;
pub mod http;
pub mod kafka;
pub mod outbox_relay;
pub mod processor;
pub mod scratch;
pub mod seed;
pub mod settings;
pub mod startup;
pub mod state;
pub mod telemetry;
