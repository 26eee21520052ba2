//! The dead-letter topic: each letter with its reason and where it came from, and replaying
//! letters to their original topic (original key, value and headers, plus
//! `dlq-replayed-from`), recorded in `dead_letter_replays`.

use super::messages::browse;
use super::{BrowseQuery, BrowsedMessage, DeadLetter, KafkaTools, Replayed, Start, ToolError};
use crate::events::headers;
use rdkafka::{
    message::{Header, OwnedHeaders},
    producer::FutureRecord,
};
use sqlx::PgPool;
use std::time::Duration;

/// Letters read at most (oldest first).
const MAX_LETTERS: usize = 1_000;

fn letter(message: BrowsedMessage) -> DeadLetter {
    let header = |name: &str| message.header(name).map(str::to_string);
    let event_id = serde_json::from_str::<serde_json::Value>(&message.value)
        .ok()
        .and_then(|v| {
            v.get("eventId")
                .and_then(|e| e.as_str())
                .map(str::to_string)
        });
    DeadLetter {
        partition: message.partition,
        offset: message.offset,
        timestamp: message.timestamp,
        key: message.key.clone(),
        event_id,
        event_type: header(headers::EVENT_TYPE),
        reason: header(headers::DLQ_ERROR).unwrap_or_else(|| "(no reason recorded)".into()),
        attempts: header(headers::DLQ_ATTEMPTS).and_then(|a| a.parse().ok()),
        original_topic: header(headers::DLQ_ORIGINAL_TOPIC),
        original_partition: header(headers::DLQ_ORIGINAL_PARTITION).and_then(|p| p.parse().ok()),
        original_offset: header(headers::DLQ_ORIGINAL_OFFSET).and_then(|o| o.parse().ok()),
        value: message.value,
        headers: message.headers,
        replayed_at: None,
    }
}

/// Every letter on the dead-letter topic, oldest first, with when it was last replayed.
pub async fn list(tools: &KafkaTools, pool: &PgPool) -> Result<Vec<DeadLetter>, ToolError> {
    let query = BrowseQuery {
        topic: tools.dlq_topic.clone(),
        start: Start::Beginning,
        limit: MAX_LETTERS,
        ..Default::default()
    };
    let mut letters: Vec<DeadLetter> = browse(tools, query)
        .await?
        .into_iter()
        .map(letter)
        .collect();
    let replays: Vec<(i32, i64, chrono::DateTime<chrono::Utc>)> = sqlx::query!(
        r#"SELECT dlq_partition, dlq_offset, max(replayed_at) AS "replayed_at!: chrono::DateTime<chrono::Utc>"
           FROM dead_letter_replays WHERE dlq_topic = $1 GROUP BY 1, 2"#,
        tools.dlq_topic,
    )
    .fetch_all(pool)
    .await
    .map_err(|e| ToolError::Database(e.to_string()))?
    .into_iter()
    .map(|r| (r.dlq_partition, r.dlq_offset, r.replayed_at))
    .collect();
    for l in &mut letters {
        l.replayed_at = replays
            .iter()
            .find(|(p, o, _)| *p == l.partition && *o == l.offset)
            .map(|(_, _, at)| *at);
    }
    Ok(letters)
}

/// Which letters to replay.
#[derive(Clone, Debug)]
pub enum Which {
    /// The letter(s) of this event id.
    EventId(String),
    /// The letter at this position on the dead-letter topic.
    At { partition: i32, offset: i64 },
    /// Every letter not replayed yet.
    AllPending,
}

pub async fn replay(
    tools: &KafkaTools,
    pool: &PgPool,
    which: Which,
) -> Result<Vec<Replayed>, ToolError> {
    let letters = list(tools, pool).await?;
    let chosen: Vec<&DeadLetter> = letters
        .iter()
        .filter(|l| match &which {
            Which::EventId(id) => l.event_id.as_deref() == Some(id.as_str()),
            Which::At { partition, offset } => l.partition == *partition && l.offset == *offset,
            Which::AllPending => l.replayed_at.is_none(),
        })
        .collect();
    if chosen.is_empty() && !matches!(which, Which::AllPending) {
        return Err(ToolError::Invalid(format!(
            "no dead letter matches {which:?}"
        )));
    }
    let producer = super::cluster::producer(&tools.brokers)?;
    let mut done = Vec::new();
    for l in chosen {
        let Some(topic) = l.original_topic.clone() else {
            return Err(ToolError::Invalid(format!(
                "the letter at {}/{} does not say where it came from",
                l.partition, l.offset
            )));
        };
        let mut headers = OwnedHeaders::new();
        for (k, v) in l
            .headers
            .iter()
            .filter(|(k, _)| !k.starts_with(headers::DLQ_PREFIX))
        {
            headers = headers.insert(Header {
                key: k,
                value: Some(v.as_bytes()),
            });
        }
        let from = format!("{}/{}/{}", tools.dlq_topic, l.partition, l.offset);
        headers = headers.insert(Header {
            key: headers::REPLAYED_FROM,
            value: Some(from.as_bytes()),
        });
        let mut record: FutureRecord<'_, str, str> = FutureRecord::to(&topic)
            .payload(l.value.as_str())
            .headers(headers);
        if let Some(key) = &l.key {
            record = record.key(key);
        }
        let delivery = producer
            .send(record, Duration::from_secs(10))
            .await
            .map_err(|(e, _)| ToolError::Kafka(e.to_string()))?;
        sqlx::query!(
            "INSERT INTO dead_letter_replays (dlq_topic, dlq_partition, dlq_offset, topic, kafka_partition, kafka_offset) VALUES ($1, $2, $3, $4, $5, $6)",
            tools.dlq_topic,
            l.partition,
            l.offset,
            topic,
            delivery.partition,
            delivery.offset,
        )
        .execute(pool)
        .await
        .map_err(|e| ToolError::Database(e.to_string()))?;
        done.push(Replayed {
            dlq_partition: l.partition,
            dlq_offset: l.offset,
            topic,
            partition: delivery.partition,
            offset: delivery.offset,
        });
    }
    Ok(done)
}
