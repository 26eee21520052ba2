//! Kafka clients, configured from our settings.

pub mod topics;

use rdkafka::{config::ClientConfig, consumer::StreamConsumer, producer::FutureProducer};

/// Who published a message; goes into the `source` header.
pub const SOURCE: &str = "acme-dashboard";

fn base(brokers: &str) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", brokers)
        .set("client.id", "acme-dashboard");
    config
}

/// An idempotent producer: retries never duplicate or reorder a partition's messages.
pub fn producer(brokers: &str) -> Result<FutureProducer, rdkafka::error::KafkaError> {
    base(brokers)
        .set("enable.idempotence", "true")
        .set("acks", "all")
        .set("linger.ms", "2")
        // How long a message may wait for a reachable broker before the relay retries it.
        .set("message.timeout.ms", "120000")
        .create()
}

/// A producer for requests that wait on it: gives up after 5 s when no broker answers.
pub fn quick_producer(brokers: &str) -> Result<FutureProducer, rdkafka::error::KafkaError> {
    base(brokers)
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
        .create()
}
