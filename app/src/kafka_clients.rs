//! Every Kafka client the app and the server build, in one place: the connection, the
//! client id, what each kind of client is for, and how much it may hold in memory.

use rdkafka::{
    admin::AdminClient,
    client::DefaultClientContext,
    config::ClientConfig,
    consumer::{BaseConsumer, StreamConsumer},
    error::KafkaResult,
    producer::FutureProducer,
};
use std::{sync::OnceLock, time::Duration};

/// Who published a message; goes into the `source` header and is the clients' `client.id`.
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
        .set("client.id", SOURCE);
    config
}

/// An idempotent producer (`acks=all`: retries never duplicate or reorder a partition's
/// messages) that gives up on a message no broker took within `patience`.
pub fn idempotent_producer(brokers: &str, patience: Duration) -> KafkaResult<FutureProducer> {
    base(brokers)
        .set(
            "queue.buffering.max.kbytes",
            limits().producer_kib.to_string(),
        )
        .set("enable.idempotence", "true")
        .set("acks", "all")
        .set("linger.ms", "2")
        .set("message.timeout.ms", patience.as_millis().to_string())
        .create()
}

/// The relay's producer: a message may wait two minutes for a reachable broker before the
/// relay tries it again.
pub fn producer(brokers: &str) -> KafkaResult<FutureProducer> {
    idempotent_producer(brokers, Duration::from_secs(120))
}

/// A producer for requests that wait on it: gives up after 5 s when no broker answers.
pub fn quick_producer(brokers: &str) -> KafkaResult<FutureProducer> {
    idempotent_producer(brokers, Duration::from_secs(5))
}

fn bounded_consumer(brokers: &str, group_id: &str) -> ClientConfig {
    let mut config = base(brokers);
    config
        .set("group.id", group_id)
        // Prefetch: at most this much, and no 100,000 messages per partition first.
        .set(
            "queued.max.messages.kbytes",
            limits().consumer_kib.to_string(),
        )
        .set("queued.min.messages", "10000");
    config
}

/// A group consumer that commits only the offsets we store after finishing a message,
/// starting at `from` (`earliest` or `latest`) when the group has no offsets yet.
pub fn consumer(brokers: &str, group_id: &str, from: &str) -> KafkaResult<StreamConsumer> {
    bounded_consumer(brokers, group_id)
        .set("enable.auto.commit", "true")
        .set("auto.commit.interval.ms", "1000")
        .set("enable.auto.offset.store", "false")
        .set("auto.offset.reset", from)
        .set("session.timeout.ms", "10000")
        .set("heartbeat.interval.ms", "1000")
        .create()
}

/// `kafka-console-consumer --from-beginning` in a group: commits what it printed.
pub fn console_consumer(brokers: &str, group_id: &str) -> KafkaResult<StreamConsumer> {
    bounded_consumer(brokers, group_id)
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "true")
        .create()
}

/// Reads partitions it is assigned (a browse, a tail): never joins the group, commits
/// nothing, and prefetches little (a browse reads at most a thousand messages).
pub fn reader(brokers: &str) -> KafkaResult<BaseConsumer> {
    base(brokers)
        .set("group.id", "acme-tools-reader")
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "false")
        .set("queued.max.messages.kbytes", "4096")
        .set("queued.min.messages", "1000")
        .create()
}

/// For metadata and watermarks only (it never joins a group).
pub fn metadata_client(brokers: &str) -> KafkaResult<BaseConsumer> {
    base(brokers).create()
}

/// Reads a group's committed offsets (it never joins the group nor commits).
pub fn offsets_reader(brokers: &str, group_id: &str) -> KafkaResult<BaseConsumer> {
    base(brokers)
        .set("group.id", group_id)
        .set("enable.auto.commit", "false")
        .create()
}

/// Creates, describes and deletes topics.
pub fn admin(brokers: &str) -> KafkaResult<AdminClient<DefaultClientContext>> {
    base(brokers).create()
}
