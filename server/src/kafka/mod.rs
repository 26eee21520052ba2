//! Kafka clients, configured from our settings.

pub mod detached;
pub mod topics;

pub use detached::DetachedMessage;

use rdkafka::{config::ClientConfig, consumer::StreamConsumer, producer::FutureProducer};
use std::sync::OnceLock;

/// Who published a message; goes into the `source` header.
pub const SOURCE: &str = "acme-dashboard";

/// How much each of our Kafka clients may hold in memory. librdkafka's defaults are made for
/// brokers' worth of traffic: a consumer prefetches up to 64 MiB, a producer queues up to
/// 1 GiB. Settings `kafka_consumer_queue_kib` and `kafka_producer_queue_kib`.
#[derive(Clone, Copy, Debug)]
pub struct QueueLimits {
    pub consumer_kib: u32,
    pub producer_kib: u32,
}

impl Default for QueueLimits {
    fn default() -> Self {
        Self {
            consumer_kib: 8 * 1024,
            producer_kib: 16 * 1024,
        }
    }
}

static LIMITS: OnceLock<QueueLimits> = OnceLock::new();

/// Sets the limits for every client this process builds from now on (the first call wins;
/// without one, the defaults hold).
pub fn bound_queues(limits: QueueLimits) {
    let _ = LIMITS.set(limits);
}

fn limits() -> QueueLimits {
    *LIMITS.get_or_init(QueueLimits::default)
}

fn base(brokers: &str) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", brokers)
        .set("client.id", "acme-dashboard");
    config
}

fn bounded_producer(brokers: &str) -> ClientConfig {
    let mut config = base(brokers);
    config.set(
        "queue.buffering.max.kbytes",
        limits().producer_kib.to_string(),
    );
    config
}

/// An idempotent producer: retries never duplicate or reorder a partition's messages.
pub fn producer(brokers: &str) -> Result<FutureProducer, rdkafka::error::KafkaError> {
    bounded_producer(brokers)
        .set("enable.idempotence", "true")
        .set("acks", "all")
        .set("linger.ms", "2")
        // How long a message may wait for a reachable broker before the relay retries it.
        .set("message.timeout.ms", "120000")
        .create()
}

/// A producer for requests that wait on it: gives up after 5 s when no broker answers.
pub fn quick_producer(brokers: &str) -> Result<FutureProducer, rdkafka::error::KafkaError> {
    bounded_producer(brokers)
        .set("enable.idempotence", "true")
        .set("acks", "all")
        .set("message.timeout.ms", "5000")
        .create()
}

/// A group consumer that commits only the offsets we store after finishing a message.
pub fn consumer(
    brokers: &str,
    group_id: &str,
    from: &str,
) -> Result<StreamConsumer, rdkafka::error::KafkaError> {
    base(brokers)
        .set("group.id", group_id)
        .set("enable.auto.commit", "true")
        .set("auto.commit.interval.ms", "1000")
        .set("enable.auto.offset.store", "false")
        .set("auto.offset.reset", from)
        .set("session.timeout.ms", "10000")
        .set("heartbeat.interval.ms", "1000")
        // Prefetch: at most this much, and no 100,000 messages per partition first.
        .set(
            "queued.max.messages.kbytes",
            limits().consumer_kib.to_string(),
        )
        .set("queued.min.messages", "10000")
        .create()
}
