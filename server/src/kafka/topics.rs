//! Creates our topics at start-up when they are missing.

use rdkafka::{
    admin::{AdminClient, AdminOptions, NewTopic, TopicReplication},
    client::DefaultClientContext,
    types::RDKafkaErrorCode,
    ClientConfig,
};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
#[error("could not create topic {topic}: {reason}")]
pub struct TopicError {
    pub topic: String,
    pub reason: String,
}

pub async fn ensure(brokers: &str, topics: &[(&str, i32)]) -> Result<(), TopicError> {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .create()
        .map_err(|e| TopicError {
            topic: String::new(),
            reason: e.to_string(),
        })?;
    let new: Vec<NewTopic> = topics
        .iter()
        .map(|(name, parts)| NewTopic::new(name, *parts, TopicReplication::Fixed(1)))
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
