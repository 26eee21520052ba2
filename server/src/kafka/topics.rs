//! Creates our topics at start-up when they are missing. On a cluster of three or more
//! brokers they are replicated three times and a write needs two in-sync copies
//! (`min.insync.replicas = 2`; our producers send with `acks=all`), so losing one broker
//! loses nothing and stops nothing. Fewer brokers: as many copies as there are brokers.

use rdkafka::{
    admin::{AdminClient, AdminOptions, NewTopic, TopicReplication},
    client::DefaultClientContext,
    types::RDKafkaErrorCode,
};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
#[error("could not create topic {topic}: {reason}")]
pub struct TopicError {
    pub topic: String,
    pub reason: String,
}

pub async fn ensure(brokers: &str, topics: &[(&str, i32)]) -> Result<(), TopicError> {
    let admin: AdminClient<DefaultClientContext> =
        super::admin(brokers).map_err(|e| TopicError {
            topic: String::new(),
            reason: e.to_string(),
        })?;
    let brokers_up = broker_count(brokers).await.map_err(|reason| TopicError {
        topic: topics.iter().map(|t| t.0).collect::<Vec<_>>().join(","),
        reason,
    })?;
    let (copies, min_in_sync) = replication_for(brokers_up);
    let min_in_sync = min_in_sync.to_string();
    let new: Vec<NewTopic> = topics
        .iter()
        .map(|(name, parts)| {
            NewTopic::new(name, *parts, TopicReplication::Fixed(copies))
                .set("min.insync.replicas", &min_in_sync)
        })
        .collect();
    let options = AdminOptions::new()
        .operation_timeout(Some(Duration::from_secs(20)))
        .request_timeout(Some(Duration::from_secs(20)));
    let results = admin
        .create_topics(&new, &options)
        .await
        .map_err(|e| TopicError {
            topic: topics.iter().map(|t| t.0).collect::<Vec<_>>().join(","),
            reason: e.to_string(),
        })?;
    for result in results {
        match result {
            Ok(name) => tracing::info!(topic = %name, "created topic"),
            Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((name, code)) => {
                return Err(TopicError {
                    topic: name,
                    reason: code.to_string(),
                })
            }
        }
    }
    Ok(())
}

/// Copies of each partition and the in-sync copies a write needs, for a cluster of `brokers`.
pub fn replication_for(brokers: usize) -> (i32, i32) {
    let copies = brokers.clamp(1, 3) as i32;
    (copies, (copies - 1).max(1))
}

/// How many brokers the cluster has, from its metadata.
async fn broker_count(brokers: &str) -> Result<usize, String> {
    let brokers = brokers.to_string();
    tokio::task::spawn_blocking(move || {
        use rdkafka::consumer::{BaseConsumer, Consumer};
        let client: BaseConsumer = super::metadata_client(&brokers).map_err(|e| e.to_string())?;
        client
            .fetch_metadata(None, Duration::from_secs(20))
            .map(|m| m.brokers().len())
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

#[cfg(test)]
mod tests {
    use super::replication_for;

    #[test]
    fn three_brokers_or_more_keep_three_copies_and_need_two_in_sync() {
        assert_eq!(replication_for(1), (1, 1));
        assert_eq!(replication_for(2), (2, 1));
        assert_eq!(replication_for(3), (3, 2));
        assert_eq!(replication_for(5), (3, 2));
    }
}
