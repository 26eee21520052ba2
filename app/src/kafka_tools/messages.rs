//! Reading a topic like `kafka-console-consumer` and Kafka UI's message view: newest first or
//! from an offset or a time, filtered by `event-type` header, key and text; and producing JSON
//! lines. Reads assign partitions directly: no consumer group, nothing committed.

use super::cluster::{blocking, fetch_metadata, metadata_client, partitions, timeout};
use super::{BrowseQuery, BrowsedMessage, KafkaTools, Start, ToolError};
use crate::events::headers;
use rdkafka::{
    consumer::{BaseConsumer, Consumer},
    message::{BorrowedMessage, Header, Headers, OwnedHeaders},
    producer::FutureRecord,
    Message, Offset, TopicPartitionList,
};
use std::time::{Duration, Instant};

/// The most messages one browse returns.
pub const MAX_LIMIT: usize = 1_000;
/// How far back per partition a filtered "newest" browse looks for matches.
const FILTERED_WINDOW: i64 = 10_000;

/// Reads assigned partitions; a browse reads at most MAX_LIMIT messages, so its prefetch is small.
pub fn reader(brokers: &str) -> Result<BaseConsumer, ToolError> {
    crate::kafka_clients::reader(brokers).map_err(super::cluster::misconfigured)
}

/// A message's headers as (key, value) text pairs, in order (a value that is not UTF-8 is shown
/// lossily; a header without a value is empty).
pub fn header_pairs(message: &impl Message) -> Vec<(String, String)> {
    message
        .headers()
        .map(|h| {
            h.iter()
                .map(|h| {
                    (
                        h.key.to_string(),
                        String::from_utf8_lossy(h.value.unwrap_or_default()).into_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

pub fn to_browsed(message: &BorrowedMessage<'_>) -> BrowsedMessage {
    BrowsedMessage {
        topic: message.topic().to_string(),
        partition: message.partition(),
        offset: message.offset(),
        timestamp: message.timestamp().to_millis(),
        key: message
            .key()
            .map(|k| String::from_utf8_lossy(k).into_owned()),
        headers: header_pairs(message),
        value: message
            .payload()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .unwrap_or_default(),
    }
}

pub async fn browse(
    tools: &KafkaTools,
    query: BrowseQuery,
) -> Result<Vec<BrowsedMessage>, ToolError> {
    let (brokers, max_bytes) = (tools.brokers.clone(), tools.browse_max_bytes);
    blocking(move || browse_blocking(&brokers, &query, max_bytes)).await
}

/// Value bytes held in `messages`.
fn held_bytes(messages: &[BrowsedMessage]) -> usize {
    messages.iter().map(|m| m.value.len()).sum()
}

/// Keeps what a browse may show: at most `limit` messages holding at most `max_bytes` of
/// values (and always the first, however big: the broker bounds one message), the first ones
/// when reading forward, the newest otherwise, in that order.
fn keep_within(found: &mut Vec<BrowsedMessage>, forward: bool, limit: usize, max_bytes: usize) {
    if forward {
        found.sort_by_key(|m| (m.timestamp.unwrap_or(0), m.partition, m.offset));
    } else {
        found.sort_by_key(|m| std::cmp::Reverse((m.timestamp.unwrap_or(0), m.partition, m.offset)));
    }
    found.truncate(limit);
    let mut held = 0;
    let within = found
        .iter()
        .take_while(|m| {
            held += m.value.len();
            held <= max_bytes
        })
        .count();
    found.truncate(within.max(1));
}

fn browse_blocking(
    brokers: &str,
    query: &BrowseQuery,
    max_bytes: usize,
) -> Result<Vec<BrowsedMessage>, ToolError> {
    let limit = query.limit.clamp(1, MAX_LIMIT);
    let client = metadata_client(brokers)?;
    let mut parts = partitions(&client, brokers, &query.topic)?;
    if let Some(only) = query.partition {
        parts.retain(|p| p.id == only);
        if parts.is_empty() {
            return Err(ToolError::Invalid(format!(
                "`{}` has no partition {only}",
                query.topic
            )));
        }
    }
    let consumer = reader(brokers)?;
    let filtered = query.event_type.is_some() || query.key.is_some() || query.text.is_some();
    // Where to start in each partition, and where to stop (the high watermark now).
    let mut starts: Vec<(i32, i64, i64)> = Vec::new();
    let by_time = match query.start {
        Start::Time(ms) => {
            let mut wanted = TopicPartitionList::new();
            for p in &parts {
                wanted
                    .add_partition_offset(&query.topic, p.id, Offset::Offset(ms))
                    .map_err(|e| ToolError::Kafka(e.to_string()))?;
            }
            Some(
                consumer
                    .offsets_for_times(wanted, timeout())
                    .map_err(|_| ToolError::Unreachable(brokers.to_string()))?,
            )
        }
        _ => None,
    };
    for p in &parts {
        let from = match &query.start {
            Start::Newest => {
                p.high
                    - if filtered {
                        FILTERED_WINDOW
                    } else {
                        limit as i64
                    }
            }
            Start::Beginning => p.low,
            Start::Offset(o) => *o,
            Start::Time(_) => match by_time
                .as_ref()
                .and_then(|t| t.find_partition(&query.topic, p.id))
                .map(|e| e.offset())
            {
                Some(Offset::Offset(o)) => o,
                _ => p.high, // nothing at or after that time
            },
        };
        let from = from.clamp(p.low, p.high);
        if from < p.high {
            starts.push((p.id, from, p.high));
        }
    }
    let mut found = Vec::new();
    if starts.is_empty() {
        return Ok(found);
    }
    let mut assignment = TopicPartitionList::new();
    for (id, from, _) in &starts {
        assignment
            .add_partition_offset(&query.topic, *id, Offset::Offset(*from))
            .map_err(|e| ToolError::Kafka(e.to_string()))?;
    }
    consumer
        .assign(&assignment)
        .map_err(|e| ToolError::Kafka(e.to_string()))?;
    let mut open: Vec<(i32, i64)> = starts.iter().map(|(id, _, end)| (*id, *end)).collect();
    let forward = !matches!(query.start, Start::Newest);
    let deadline = Instant::now() + Duration::from_secs(10);
    // Value bytes in `found`; with its length, kept within bounds as messages arrive.
    let (mut held, mut matched, mut full) = (0, 0, false);
    // Reading forward, a few times the limit lets partitions interleave by time.
    while !open.is_empty()
        && Instant::now() < deadline
        && !(forward && (full || matched >= limit * 4))
    {
        let Some(result) = consumer.poll(Duration::from_millis(200)) else {
            continue;
        };
        let message = result.map_err(|e| ToolError::Kafka(e.to_string()))?;
        let browsed = to_browsed(&message);
        if let Some(i) = open.iter().position(|(id, _)| *id == browsed.partition) {
            if browsed.offset + 1 >= open[i].1 {
                open.remove(i);
            }
        }
        if query.matches(&browsed) {
            matched += 1;
            held += browsed.value.len();
            found.push(browsed);
            if found.len() >= limit * 2 || held > max_bytes {
                keep_within(&mut found, forward, limit, max_bytes);
                held = held_bytes(&found);
                // Fewer than the limit left means the bytes ran out; reading forward, what
                // comes next is later and would not be shown.
                full = found.len() < limit;
            }
        }
    }
    keep_within(&mut found, forward, limit, max_bytes);
    Ok(found)
}

/// Produces one message per JSON line: key = its `invoiceId` (else none), header
/// `event-type` = its `action` when it has one. Returns (line, partition, offset) per message;
/// stops at the first line that is not JSON, naming it.
pub async fn produce_lines(
    tools: &KafkaTools,
    topic: &str,
    lines: &[String],
) -> Result<Vec<(usize, i32, i64)>, ToolError> {
    super::check_topic_name(topic)?;
    let mut parsed = Vec::new();
    for (n, line) in lines
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let value: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| ToolError::Invalid(format!("line {}: not JSON: {e}", n + 1)))?;
        parsed.push((n + 1, value, line.trim().to_string()));
    }
    let (brokers, name) = (tools.brokers.clone(), topic.to_string());
    blocking(move || {
        let client = metadata_client(&brokers)?;
        fetch_metadata(&client, &brokers, None)?;
        partitions(&client, &brokers, &name).map(|_| ())
    })
    .await?;
    let producer = super::cluster::producer(&tools.brokers)?;
    let mut results = Vec::new();
    for (line, value, text) in parsed {
        let key = value
            .get("invoiceId")
            .and_then(|v| v.as_str())
            .map(str::to_string);
        let mut headers = OwnedHeaders::new().insert(Header {
            key: headers::SOURCE,
            value: Some("acmectl"),
        });
        if let Some(action) = value.get("action").and_then(|v| v.as_str()) {
            headers = headers.insert(Header {
                key: headers::EVENT_TYPE,
                value: Some(action),
            });
        }
        let mut record: FutureRecord<'_, str, str> = FutureRecord::to(topic)
            .payload(text.as_str())
            .headers(headers);
        if let Some(key) = &key {
            record = record.key(key);
        }
        let delivery = producer
            .send(record, Duration::from_secs(10))
            .await
            .map_err(|(e, _)| ToolError::Kafka(format!("line {line}: {e}")))?;
        results.push((line, delivery.partition, delivery.offset));
    }
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::{held_bytes, keep_within, BrowsedMessage};

    fn message(partition: i32, offset: i64, bytes: usize) -> BrowsedMessage {
        BrowsedMessage {
            topic: "t".into(),
            partition,
            offset,
            timestamp: Some(1_000 + offset),
            key: None,
            headers: vec![],
            value: "x".repeat(bytes),
        }
    }

    fn offsets(found: &[BrowsedMessage]) -> Vec<i64> {
        found.iter().map(|m| m.offset).collect()
    }

    #[test]
    fn a_browse_keeps_at_most_its_limit_and_its_bytes_newest_or_first() {
        let all: Vec<_> = (0..10).map(|o| message((o % 2) as i32, o, 100)).collect();
        let mut newest = all.clone();
        keep_within(&mut newest, false, 4, 1_000);
        assert_eq!(offsets(&newest), [9, 8, 7, 6]);
        let mut first = all.clone();
        keep_within(&mut first, true, 4, 1_000);
        assert_eq!(offsets(&first), [0, 1, 2, 3]);
        // 250 bytes hold two messages of 100.
        let mut small = all.clone();
        keep_within(&mut small, false, 4, 250);
        assert_eq!(offsets(&small), [9, 8]);
        assert_eq!(held_bytes(&small), 200);
        let mut huge = vec![message(0, 1, 10_000), message(0, 2, 10)];
        keep_within(&mut huge, true, 4, 1_000);
        assert_eq!(
            offsets(&huge),
            [1],
            "the first message is shown however big"
        );
    }
}
