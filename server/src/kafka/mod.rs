//! Kafka on the server's side: every client (built in `app::kafka_clients`, re-exported
//! here), our topics, and messages detached from their consumer.

pub mod detached;
pub mod topics;

pub use detached::DetachedMessage;

pub use app::kafka_clients::*;
