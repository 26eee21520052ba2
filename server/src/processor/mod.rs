//! Handles invoice events (group `invoice-processor-group`; `partition_workers` takes them
//! from Kafka): records each as processed, writes its side effects and its activity item, a
//! whole batch in one transaction, and only then is the offset stored: at-least-once
//! delivery, effects once per `eventId`.
//!
//! A message that can never be processed (not JSON, not an invoice event, an unknown action
//! or invoice) goes to the dead-letter topic at once. One that fails for now is tried again
//! briefly, then parked (see `parked`) so that other invoices' events keep flowing;
//! later events of a parked invoice are parked behind it, keeping that invoice's order. If
//! even parking fails (the database is down), the partition waits and retries in line. A dead
//! letter is acknowledged by the broker before the offset moves on.

//!
//! Modules: `handling` (one batch in one transaction), `until_done` (retries, parking, the
//! one-by-one fallback), `side_effects`, `parked`, `dead_letters`, `partition_workers` (from
//! the consumer to a task per partition), `pausing` (out of the group while an operator
//! resets its offsets) and `lag`.

pub mod dead_letters;
pub mod handling;
pub mod lag;
pub mod parked;
pub mod partition_workers;
pub mod pausing;
pub mod side_effects;
pub mod until_done;

use rdkafka::producer::FutureProducer;
use sqlx::PgPool;

/// This process, as the events it handles name it (`host:pid`).
pub fn instance() -> &'static str {
    static INSTANCE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    INSTANCE.get_or_init(|| {
        let host = std::env::var("HOSTNAME")
            .ok()
            .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "localhost".into());
        format!("{host}:{}", std::process::id())
    })
}

#[derive(Clone)]
pub struct Processor {
    pub pool: PgPool,
    pub activity_topic: String,
    pub dead_letters: DeadLetters,
}

/// Where messages that cannot be processed go, and how many tries a failing one gets.
#[derive(Clone)]
pub struct DeadLetters {
    pub producer: FutureProducer,
    pub topic: String,
    pub max_attempts: u32,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Processed {
        seq: i64,
        action: app::events::Action,
    },
    AlreadyProcessed,
}

/// Why a message was not processed.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Trying again cannot help: straight to the dead-letter topic.
    #[error("{0}")]
    Permanent(String),
    /// Might work on a later try.
    #[error("database: {0}")]
    Transient(#[from] sqlx::Error),
}
