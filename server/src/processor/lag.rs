//! The processor group's lag per partition, as a gauge.

use crate::telemetry::metrics::CONSUMER_LAG;
use rdkafka::{
    consumer::{BaseConsumer, Consumer},
    TopicPartitionList,
};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Every few seconds: how far the group's committed offsets trail each partition's end.
/// Runs on a blocking thread (the admin calls wait on the broker).
pub fn watch_lag(brokers: String, group: String, topic: String, shutdown: CancellationToken) {
    let consumer: BaseConsumer = match crate::kafka::offsets_reader(&brokers, &group) {
        Ok(c) => c,
        Err(e) => return tracing::warn!(error = %e, "consumer lag watcher not started"),
    };
    let timeout = Duration::from_secs(2);
    while !shutdown.is_cancelled() {
        let partitions = consumer
            .fetch_metadata(Some(&topic), timeout)
            .ok()
            .and_then(|m| {
                m.topics()
                    .first()
                    .map(|t| t.partitions().iter().map(|p| p.id()).collect::<Vec<_>>())
            })
            .unwrap_or_default();
        let mut wanted = TopicPartitionList::new();
        for p in &partitions {
            wanted.add_partition(&topic, *p);
        }
        if let Ok(committed) = consumer.committed_offsets(wanted, timeout) {
            for element in committed.elements() {
                let Ok((low, high)) =
                    consumer.fetch_watermarks(&topic, element.partition(), timeout)
                else {
                    continue;
                };
                let position = element.offset().to_raw().filter(|o| *o >= 0).unwrap_or(low);
                metrics::gauge!(CONSUMER_LAG, "partition" => element.partition().to_string())
                    .set((high - position).max(0) as f64);
            }
        }
        for _ in 0..50 {
            if shutdown.is_cancelled() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
