//! What our users did with `kafka-topics`, `kafka-console-consumer`, `kafka-consumer-groups`
//! and Kafka UI, as a library: the `acmectl` CLI and the `/dashboard/kafka` page both call it.
//! The types travel to the browser; the Kafka calls (rdkafka admin and consumer APIs) are
//! server only.

use crate::events::headers;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub mod cluster;
#[cfg(feature = "ssr")]
pub mod dead_letters;
#[cfg(feature = "ssr")]
pub mod group_reset;
#[cfg(feature = "ssr")]
pub mod groups;
#[cfg(feature = "ssr")]
pub mod messages;

/// How long a tool waits for the broker before it says it is unreachable.
pub const BROKER_TIMEOUT_SECS: u64 = 5;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BrokerInfo {
    pub id: i32,
    pub address: String,
    /// `process.roles` of the node, e.g. "broker,controller" (KRaft).
    pub roles: Option<String>,
    /// Partitions of every topic this broker leads.
    pub leads: usize,
}

/// Where one partition of the app's topics lives: its leader, its copies and those in sync.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Replication {
    pub topic: String,
    pub partition: i32,
    pub leader: i32,
    pub replicas: Vec<i32>,
    pub isr: Vec<i32>,
}

impl Replication {
    /// Fewer copies in sync than kept: a broker is down or behind.
    pub fn under_replicated(&self) -> bool {
        self.isr.len() < self.replicas.len()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClusterInfo {
    pub bootstrap: String,
    pub reachable: bool,
    pub error: Option<String>,
    pub brokers: Vec<BrokerInfo>,
    /// The partitions of the app's own topics.
    pub replication: Vec<Replication>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TopicSummary {
    pub name: String,
    pub partitions: usize,
    /// Sum over partitions of high - low watermark.
    pub messages: i64,
    /// Kafka's own (`__consumer_offsets`, …): never deleted from here.
    pub internal: bool,
    /// The app's own topics: never deleted from here either.
    pub protected: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartitionInfo {
    pub id: i32,
    pub leader: i32,
    pub replicas: Vec<i32>,
    pub isr: Vec<i32>,
    pub low: i64,
    pub high: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TopicDetail {
    pub name: String,
    pub partitions: Vec<PartitionInfo>,
    /// Non-default configuration first, then the rest, by name.
    pub configs: Vec<(String, String)>,
}

/// Where a message browse starts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Start {
    /// The newest messages, newest first.
    #[default]
    Newest,
    /// From the oldest kept message.
    Beginning,
    /// From this offset in every partition (or the chosen one).
    Offset(i64),
    /// From the first message at or after this time (ms since 1970).
    Time(i64),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct BrowseQuery {
    pub topic: String,
    pub start: Start,
    pub partition: Option<i32>,
    pub limit: usize,
    /// Only messages whose `event-type` header is this.
    pub event_type: Option<String>,
    /// Only messages with this key.
    pub key: Option<String>,
    /// Only messages whose value contains this text (case-insensitive).
    pub text: Option<String>,
}

impl BrowseQuery {
    pub fn matches(&self, message: &BrowsedMessage) -> bool {
        self.event_type
            .as_deref()
            .is_none_or(|t| message.header(headers::EVENT_TYPE) == Some(t))
            && self
                .key
                .as_deref()
                .is_none_or(|k| message.key.as_deref() == Some(k))
            && self
                .text
                .as_deref()
                .is_none_or(|t| message.value.to_lowercase().contains(&t.to_lowercase()))
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BrowsedMessage {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    /// Milliseconds since 1970, when the broker or producer stamped it.
    pub timestamp: Option<i64>,
    pub key: Option<String>,
    pub headers: Vec<(String, String)>,
    /// The value as text (lossy for binary).
    pub value: String,
}

impl BrowsedMessage {
    /// The value of the header `name`, if the message has it.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The `eventId` of an invoice event (or of a dead letter of one), when the value has one.
    pub fn event_id(&self) -> Option<String> {
        let value: serde_json::Value = serde_json::from_str(&self.value).ok()?;
        let id = value.get("eventId")?.as_str()?;
        uuid::Uuid::parse_str(id).ok().map(|u| u.to_string())
    }

    /// The value as indented JSON, or as it is when it is not JSON.
    pub fn pretty_value(&self) -> String {
        serde_json::from_str::<serde_json::Value>(&self.value)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| self.value.clone())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupSummary {
    pub name: String,
    pub state: String,
    pub protocol: String,
    pub members: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupMember {
    pub id: String,
    pub client_id: String,
    pub host: String,
    /// (topic, partitions) assigned to this member.
    pub assignment: Vec<(String, Vec<i32>)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupOffset {
    pub topic: String,
    pub partition: i32,
    pub committed: Option<i64>,
    pub high: i64,
    /// high - committed; the whole partition when nothing is committed.
    pub lag: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupDetail {
    pub name: String,
    pub state: String,
    pub members: Vec<GroupMember>,
    pub offsets: Vec<GroupOffset>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeadLetter {
    /// Where the letter is on the dead-letter topic.
    pub partition: i32,
    pub offset: i64,
    pub timestamp: Option<i64>,
    pub key: Option<String>,
    pub event_id: Option<String>,
    pub event_type: Option<String>,
    pub reason: String,
    pub attempts: Option<u32>,
    pub original_topic: Option<String>,
    pub original_partition: Option<i32>,
    pub original_offset: Option<i64>,
    pub value: String,
    /// Every header of the letter (the original ones and the `dlq-*` ones).
    pub headers: Vec<(String, String)>,
    /// When it was last sent back to its topic, if ever.
    pub replayed_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Replayed {
    pub dlq_partition: i32,
    pub dlq_offset: i64,
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
}

/// Where a consumer group's committed offsets go back to (`kafka-consumer-groups
/// --reset-offsets`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResetTo {
    /// The oldest message each partition keeps.
    Earliest,
    /// The first message at or after this time (ms since 1970), in each partition.
    Time(i64),
    /// These offsets, as (partition, offset); partitions not named stay where they are.
    Offsets(Vec<(i32, i64)>),
}

impl ResetTo {
    /// Reads `p:o,p:o` (offsets per partition), as the CLI and the page take them.
    pub fn parse_offsets(text: &str) -> Result<Self, ToolError> {
        let mut offsets = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let parsed = part.split_once(':').and_then(|(p, o)| {
                Some((p.trim().parse::<i32>().ok()?, o.trim().parse::<i64>().ok()?))
            });
            match parsed {
                Some((p, o)) if p >= 0 && o >= 0 => offsets.push((p, o)),
                _ => {
                    return Err(ToolError::Invalid(format!(
                        "`{part}`: give offsets as partition:offset, e.g. 0:120,1:98"
                    )))
                }
            }
        }
        if offsets.is_empty() {
            return Err(ToolError::Invalid(
                "give at least one partition:offset, e.g. 0:120".into(),
            ));
        }
        offsets.sort();
        if offsets.windows(2).any(|w| w[0].0 == w[1].0) {
            return Err(ToolError::Invalid("each partition once, please".into()));
        }
        Ok(ResetTo::Offsets(offsets))
    }
}

/// One partition of a reset: where the group is and where it goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionReset {
    pub partition: i32,
    pub low: i64,
    pub high: i64,
    /// What the group has committed (`None`: nothing yet).
    pub committed: Option<i64>,
    /// The offset the group reads from after the reset.
    pub to: i64,
    /// Messages of this partition read again.
    pub rereads: i64,
}

/// What a reset will do (asked before it is done) or did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetPlan {
    pub group: String,
    pub topic: String,
    pub to: ResetTo,
    pub partitions: Vec<PartitionReset>,
    /// Messages read again, over every partition.
    pub rereads: i64,
    /// The group is our processors': they are paused on every server process for the reset.
    pub pauses_processors: bool,
    /// Members the group has now (a group not ours must have none).
    pub members: usize,
}

/// A reset as recorded: who asked, what state it is in, what it moved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupReset {
    pub id: i64,
    pub group: String,
    pub topic: String,
    pub to: ResetTo,
    pub requested_by: String,
    pub requested_at: chrono::DateTime<chrono::Utc>,
    /// `pausing` (under way: the processors are paused), `done` or `failed`.
    pub state: String,
    pub rereads: Option<i64>,
    pub error: Option<String>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Kafka's own rule for topic names.
pub fn check_topic_name(topic: &str) -> Result<(), ToolError> {
    if topic.is_empty() || topic.len() > 249 || topic == "." || topic == ".." {
        return Err(ToolError::Invalid(
            "a topic name has 1 to 249 characters and is not . or ..".into(),
        ));
    }
    if !topic
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(ToolError::Invalid(format!(
            "`{topic}`: a topic name may only contain letters, digits, '.', '_' and '-'"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(key: &str, event_type: &str, value: &str) -> BrowsedMessage {
        BrowsedMessage {
            topic: "t".into(),
            partition: 0,
            offset: 0,
            timestamp: None,
            key: Some(key.into()),
            headers: vec![(headers::EVENT_TYPE.into(), event_type.into())],
            value: value.into(),
        }
    }

    #[test]
    fn every_given_filter_must_match() {
        let m = message(
            "inv-1",
            "created",
            r#"{"amount": 1500, "customer": "Lee Robinson"}"#,
        );
        assert!(BrowseQuery::default().matches(&m));
        let q = BrowseQuery {
            event_type: Some("created".into()),
            key: Some("inv-1".into()),
            text: Some("lee ROBINSON".into()),
            ..Default::default()
        };
        assert!(q.matches(&m));
        assert!(!BrowseQuery {
            event_type: Some("deleted".into()),
            ..Default::default()
        }
        .matches(&m));
        assert!(!BrowseQuery {
            key: Some("inv-2".into()),
            ..Default::default()
        }
        .matches(&m));
        assert!(!BrowseQuery {
            text: Some("Delba".into()),
            ..Default::default()
        }
        .matches(&m));
    }

    #[test]
    fn an_events_id_is_found_in_its_value_and_nothing_else_passes_for_one() {
        let id = "0b6c3c56-3f7e-4f43-9a55-0a1e7cbd3f10";
        let event = message("k", "created", &format!(r#"{{"eventId":"{id}"}}"#));
        assert_eq!(event.event_id().as_deref(), Some(id));
        for other in [
            r#"{"eventId":"../../users"}"#,
            r#"{"eventId":7}"#,
            "not json",
            "{}",
        ] {
            assert_eq!(message("k", "x", other).event_id(), None, "{other}");
        }
    }

    #[test]
    fn json_values_are_indented_and_others_left_alone() {
        assert_eq!(
            message("k", "x", r#"{"a":1}"#).pretty_value(),
            "{\n  \"a\": 1\n}"
        );
        assert_eq!(message("k", "x", "plain text").pretty_value(), "plain text");
    }
}

/// Where the tools point, and which topics they must not delete.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug)]
pub struct KafkaTools {
    pub brokers: String,
    pub dlq_topic: String,
    /// The most value bytes one browse holds (setting `browse_max_bytes`).
    pub browse_max_bytes: usize,
    /// The app's own topics (invoices, activity, dead letters).
    pub protected_topics: Vec<String>,
    /// The processor's consumer group: a reset of it pauses our processors.
    pub processor_group: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum ToolError {
    #[error("the broker at {0} did not answer within {BROKER_TIMEOUT_SECS} s")]
    Unreachable(String),
    #[error("no topic named `{0}`")]
    UnknownTopic(String),
    #[error("no consumer group named `{0}`")]
    UnknownGroup(String),
    #[error("{0}")]
    Invalid(String),
    /// Cannot be done now (the group has members, a reset is under way): try again later.
    #[error("{0}")]
    Busy(String),
    #[error("Kafka refused: {0}")]
    Kafka(String),
    #[error("database: {0}")]
    Database(String),
}

impl ToolError {
    /// The CLI's exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            ToolError::Invalid(_) | ToolError::Busy(_) => 2,
            ToolError::Unreachable(_) => 3,
            ToolError::UnknownTopic(_) | ToolError::UnknownGroup(_) => 4,
            ToolError::Kafka(_) | ToolError::Database(_) => 1,
        }
    }
}
