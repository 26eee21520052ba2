//! The integration tests: one binary (one link of the whole server), a module per story.
//! Every test stands on the real PostgreSQL and Kafka of scripts/services.sh with a database
//! and topics of its own (`common::test_env`); the few that stop the shared broker run alone
//! (`common::test_env_alone`).

mod common;

mod acmectl;
mod binaries;
mod broker_outage;
mod client_mistakes;
mod delivery;
mod faults;
mod feed_socket;
mod invoice_events;
mod invoice_to_feed;
mod journey;
mod outbox;
mod people;
mod processor;
mod produce_api;
mod relay;
mod replay;
mod roles;
mod sessions;
mod side_effects;
mod two_servers;
