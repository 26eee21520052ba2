//! The broker and its topics: `kafka-topics --list | --describe | --create | --delete`.

use super::{
    check_topic_name, BrokerInfo, ClusterInfo, KafkaTools, PartitionInfo, Replication, ToolError,
    TopicDetail, TopicSummary, BROKER_TIMEOUT_SECS,
};
use crate::backoff::{Backoff, Retries};
use rdkafka::{
    admin::{AdminClient, AdminOptions, NewTopic, ResourceSpecifier, TopicReplication},
    client::DefaultClientContext,
    consumer::{BaseConsumer, Consumer},
    metadata::Metadata,
};
use std::time::Duration;

pub fn timeout() -> Duration {
    Duration::from_secs(BROKER_TIMEOUT_SECS)
}

/// A client that cannot be built has a bad `kafka_broker` setting.
pub fn misconfigured(e: rdkafka::error::KafkaError) -> ToolError {
    ToolError::Invalid(format!("kafka_broker: {e}"))
}

/// For metadata and watermarks (it never joins a group).
pub fn metadata_client(brokers: &str) -> Result<BaseConsumer, ToolError> {
    crate::kafka_clients::metadata_client(brokers).map_err(misconfigured)
}

/// An idempotent producer that gives up on a message after 10 s.
pub fn producer(brokers: &str) -> Result<rdkafka::producer::FutureProducer, ToolError> {
    crate::kafka_clients::idempotent_producer(brokers, Duration::from_secs(10))
        .map_err(misconfigured)
}

fn admin(brokers: &str) -> Result<AdminClient<DefaultClientContext>, ToolError> {
    crate::kafka_clients::admin(brokers).map_err(misconfigured)
}

fn options() -> AdminOptions {
    AdminOptions::new()
        .request_timeout(Some(timeout()))
        .operation_timeout(Some(timeout()))
}

/// Runs a blocking librdkafka call off the async runtime.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ToolError> + Send + 'static,
) -> Result<T, ToolError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ToolError::Kafka(e.to_string()))?
}

pub fn fetch_metadata(
    client: &BaseConsumer,
    brokers: &str,
    topic: Option<&str>,
) -> Result<Metadata, ToolError> {
    client
        .fetch_metadata(topic, timeout())
        .map_err(|_| ToolError::Unreachable(brokers.to_string()))
}

pub async fn cluster(tools: &KafkaTools) -> ClusterInfo {
    let (brokers, ours) = (tools.brokers.clone(), tools.protected_topics.clone());
    let found = blocking(move || {
        let client = metadata_client(&brokers)?;
        let metadata = fetch_metadata(&client, &brokers, None)?;
        let leaders: Vec<i32> = metadata
            .topics()
            .iter()
            .flat_map(|t| t.partitions().iter().map(|p| p.leader()))
            .collect();
        let list = metadata
            .brokers()
            .iter()
            .map(|b| BrokerInfo {
                id: b.id(),
                address: format!("{}:{}", b.host(), b.port()),
                roles: None,
                leads: leaders.iter().filter(|l| **l == b.id()).count(),
            })
            .collect::<Vec<_>>();
        let mut replication: Vec<Replication> = metadata
            .topics()
            .iter()
            .filter(|t| ours.iter().any(|o| o == t.name()))
            .flat_map(|t| {
                t.partitions().iter().map(|p| Replication {
                    topic: t.name().to_string(),
                    partition: p.id(),
                    leader: p.leader(),
                    replicas: p.replicas().to_vec(),
                    isr: p.isr().to_vec(),
                })
            })
            .collect();
        replication.sort_by(|a, b| (&a.topic, a.partition).cmp(&(&b.topic, b.partition)));
        Ok((list, replication))
    })
    .await;
    match found {
        Ok((mut list, replication)) => {
            if let Ok(admin) = admin(&tools.brokers) {
                let specs: Vec<ResourceSpecifier> = list
                    .iter()
                    .map(|b| ResourceSpecifier::Broker(b.id))
                    .collect();
                if let Ok(results) = admin.describe_configs(specs.iter(), &options()).await {
                    for (broker, result) in list.iter_mut().zip(results) {
                        broker.roles = result
                            .ok()
                            .and_then(|r| r.get("process.roles").and_then(|e| e.value.clone()));
                    }
                }
            }
            ClusterInfo {
                bootstrap: tools.brokers.clone(),
                reachable: true,
                error: None,
                brokers: list,
                replication,
            }
        }
        Err(e) => ClusterInfo {
            bootstrap: tools.brokers.clone(),
            reachable: false,
            error: Some(e.to_string()),
            brokers: vec![],
            replication: vec![],
        },
    }
}

pub async fn list_topics(tools: &KafkaTools) -> Result<Vec<TopicSummary>, ToolError> {
    let (brokers, protected) = (tools.brokers.clone(), tools.protected_topics.clone());
    blocking(move || {
        let client = metadata_client(&brokers)?;
        let metadata = fetch_metadata(&client, &brokers, None)?;
        let mut topics = Vec::new();
        for topic in metadata.topics() {
            let mut messages = 0;
            for p in topic.partitions() {
                if let Ok((low, high)) = watermarks(&client, topic.name(), p.id()) {
                    messages += high - low;
                }
            }
            topics.push(TopicSummary {
                name: topic.name().to_string(),
                partitions: topic.partitions().len(),
                messages,
                internal: topic.name().starts_with("__"),
                protected: protected.iter().any(|t| t == topic.name()),
            });
        }
        topics.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(topics)
    })
    .await
}

/// The partitions of `topic` (id, leader, replicas, in-sync replicas), or UnknownTopic.
/// Brief waits while a partition's leadership settles (a topic just created, a broker just
/// gone): 100 ms, doubling, at most 1 s (with jitter), five tries.
const SETTLING: Backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(1));

/// A partition's low and high watermarks; asks again while its leader is moving.
pub fn watermarks(
    client: &BaseConsumer,
    topic: &str,
    partition: i32,
) -> Result<(i64, i64), ToolError> {
    let mut retries = Retries::new(SETTLING);
    loop {
        match client.fetch_watermarks(topic, partition, timeout()) {
            Ok(marks) => return Ok(marks),
            Err(e) if leader_moving(&e) && retries.failures() < 5 => {
                std::thread::sleep(retries.failed());
            }
            Err(e) => return Err(ToolError::Kafka(e.to_string())),
        }
    }
}

fn leader_moving(error: &rdkafka::error::KafkaError) -> bool {
    use rdkafka::types::RDKafkaErrorCode::{LeaderNotAvailable, NotLeaderForPartition};
    matches!(
        error.rdkafka_error_code(),
        Some(NotLeaderForPartition | LeaderNotAvailable)
    )
}

pub fn partitions(
    client: &BaseConsumer,
    brokers: &str,
    topic: &str,
) -> Result<Vec<PartitionInfo>, ToolError> {
    let metadata = fetch_metadata(client, brokers, Some(topic))?;
    let found = metadata
        .topics()
        .iter()
        .find(|t| t.name() == topic)
        .filter(|t| t.error().is_none() && !t.partitions().is_empty());
    let Some(found) = found else {
        return Err(ToolError::UnknownTopic(topic.to_string()));
    };
    let mut partitions = Vec::new();
    for p in found.partitions() {
        let (low, high) = watermarks(client, topic, p.id())?;
        partitions.push(PartitionInfo {
            id: p.id(),
            leader: p.leader(),
            replicas: p.replicas().to_vec(),
            isr: p.isr().to_vec(),
            low,
            high,
        });
    }
    partitions.sort_by_key(|p| p.id);
    Ok(partitions)
}

pub async fn describe_topic(tools: &KafkaTools, topic: &str) -> Result<TopicDetail, ToolError> {
    let (brokers, name) = (tools.brokers.clone(), topic.to_string());
    let partitions =
        blocking(move || partitions(&metadata_client(&brokers)?, &brokers, &name)).await?;
    let admin = admin(&tools.brokers)?;
    let spec = [ResourceSpecifier::Topic(topic)];
    let mut configs: Vec<(bool, String, String)> =
        match admin.describe_configs(spec.iter(), &options()).await {
            Ok(results) => results
                .into_iter()
                .filter_map(Result::ok)
                .flat_map(|r| r.entries.into_iter())
                .map(|e| (e.is_default, e.name, e.value.unwrap_or_default()))
                .collect(),
            Err(_) => Vec::new(),
        };
    configs.sort();
    Ok(TopicDetail {
        name: topic.to_string(),
        partitions,
        configs: configs.into_iter().map(|(_, k, v)| (k, v)).collect(),
    })
}

pub async fn create_topic(
    tools: &KafkaTools,
    name: &str,
    partitions: i32,
) -> Result<(), ToolError> {
    check_topic_name(name)?;
    if !(1..=1000).contains(&partitions) {
        return Err(ToolError::Invalid(
            "partitions must be between 1 and 1000".into(),
        ));
    }
    let admin = admin(&tools.brokers)?;
    // -1: the cluster's default replication factor (1 on a single node, 3 on our cluster).
    let topic = NewTopic::new(name, partitions, TopicReplication::Fixed(-1));
    let results = admin
        .create_topics([&topic], &options())
        .await
        .map_err(|_| ToolError::Unreachable(tools.brokers.clone()))?;
    for result in results {
        result.map_err(|(name, code)| ToolError::Kafka(format!("creating `{name}`: {code}")))?;
    }
    Ok(())
}

pub async fn delete_topic(tools: &KafkaTools, name: &str) -> Result<(), ToolError> {
    if name.starts_with("__") {
        return Err(ToolError::Invalid(format!(
            "`{name}` is one of Kafka's internal topics and is not deleted from here"
        )));
    }
    if tools.protected_topics.iter().any(|t| t == name) {
        return Err(ToolError::Invalid(format!(
            "`{name}` is one of the app's own topics and is not deleted from here"
        )));
    }
    // Say "no such topic" rather than Kafka's error code.
    let (brokers, topic) = (tools.brokers.clone(), name.to_string());
    blocking(move || partitions(&metadata_client(&brokers)?, &brokers, &topic).map(|_| ())).await?;
    let admin = admin(&tools.brokers)?;
    let results = admin
        .delete_topics(&[name], &options())
        .await
        .map_err(|_| ToolError::Unreachable(tools.brokers.clone()))?;
    for result in results {
        result.map_err(|(name, code)| ToolError::Kafka(format!("deleting `{name}`: {code}")))?;
    }
    Ok(())
}
