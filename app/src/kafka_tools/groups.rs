//! Consumer groups: `kafka-consumer-groups --list | --describe`: state, members with their
//! partitions, committed offsets and lag per partition.

use super::cluster::{blocking, fetch_metadata, metadata_client, timeout};
use super::{GroupDetail, GroupMember, GroupOffset, GroupSummary, KafkaTools, ToolError};
use rdkafka::{
    consumer::{BaseConsumer, Consumer},
    Offset, TopicPartitionList,
};

pub async fn list_groups(tools: &KafkaTools) -> Result<Vec<GroupSummary>, ToolError> {
    let brokers = tools.brokers.clone();
    blocking(move || {
        let client = metadata_client(&brokers)?;
        let list = client
            .fetch_group_list(None, timeout())
            .map_err(|_| ToolError::Unreachable(brokers.clone()))?;
        let mut groups: Vec<GroupSummary> = list
            .groups()
            .iter()
            .map(|g| GroupSummary {
                name: g.name().to_string(),
                state: g.state().to_string(),
                protocol: g.protocol().to_string(),
                members: g.members().len(),
            })
            .collect();
        groups.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(groups)
    })
    .await
}

pub async fn describe_group(tools: &KafkaTools, group: &str) -> Result<GroupDetail, ToolError> {
    let (brokers, group) = (tools.brokers.clone(), group.to_string());
    blocking(move || {
        let client = metadata_client(&brokers)?;
        let list = client
            .fetch_group_list(Some(&group), timeout())
            .map_err(|_| ToolError::Unreachable(brokers.clone()))?;
        let info = list
            .groups()
            .iter()
            .find(|g| g.name() == group && g.state() != "Dead");
        let Some(info) = info else {
            return Err(ToolError::UnknownGroup(group));
        };
        let members: Vec<GroupMember> = info
            .members()
            .iter()
            .map(|m| GroupMember {
                id: m.id().to_string(),
                client_id: m.client_id().to_string(),
                host: m.client_host().to_string(),
                assignment: m.assignment().map(parse_assignment).unwrap_or_default(),
            })
            .collect();
        // Committed offsets: of the assigned topics, or (no members) of every topic, keeping those it has.
        let mut topics: Vec<String> = members
            .iter()
            .flat_map(|m| m.assignment.iter().map(|(t, _)| t.clone()))
            .collect();
        let metadata = fetch_metadata(&client, &brokers, None)?;
        if topics.is_empty() {
            topics = metadata
                .topics()
                .iter()
                .map(|t| t.name().to_string())
                .filter(|t| !t.starts_with("__"))
                .collect();
        }
        topics.sort();
        topics.dedup();
        let mut wanted = TopicPartitionList::new();
        for topic in metadata
            .topics()
            .iter()
            .filter(|t| topics.iter().any(|n| n == t.name()))
        {
            for p in topic.partitions() {
                wanted.add_partition(topic.name(), p.id());
            }
        }
        let as_group: BaseConsumer = crate::kafka_clients::offsets_reader(&brokers, &group)
            .map_err(super::cluster::misconfigured)?;
        let committed = as_group
            .committed_offsets(wanted, timeout())
            .map_err(|_| ToolError::Unreachable(brokers.clone()))?;
        let assigned = |topic: &str, partition: i32| {
            members.iter().any(|m| {
                m.assignment
                    .iter()
                    .any(|(t, ps)| t == topic && ps.contains(&partition))
            })
        };
        let mut offsets = Vec::new();
        for element in committed.elements() {
            let committed = match element.offset() {
                Offset::Offset(o) => Some(o),
                _ => None,
            };
            if committed.is_none() && !assigned(element.topic(), element.partition()) {
                continue; // a topic this group never read
            }
            let (low, high) =
                super::cluster::watermarks(&client, element.topic(), element.partition())
                    .unwrap_or((0, 0));
            let lag = (high - committed.unwrap_or(low)).max(0);
            offsets.push(GroupOffset {
                topic: element.topic().to_string(),
                partition: element.partition(),
                committed,
                high,
                lag,
            });
        }
        offsets.sort_by(|a, b| (&a.topic, a.partition).cmp(&(&b.topic, b.partition)));
        Ok(GroupDetail {
            name: group.clone(),
            state: info.state().to_string(),
            members,
            offsets,
        })
    })
    .await
}

/// A member's assignment in the consumer protocol's wire format: version (i16), then topics
/// (i32 count; each a string of i16 length and the partition ids, i32 count + i32 each).
pub fn parse_assignment(bytes: &[u8]) -> Vec<(String, Vec<i32>)> {
    fn take<const N: usize>(bytes: &[u8], at: &mut usize) -> Option<[u8; N]> {
        let slice = bytes.get(*at..*at + N)?;
        *at += N;
        slice.try_into().ok()
    }
    let mut at = 0;
    let parse = |at: &mut usize| -> Option<Vec<(String, Vec<i32>)>> {
        let _version = i16::from_be_bytes(take::<2>(bytes, at)?);
        let topics = i32::from_be_bytes(take::<4>(bytes, at)?);
        let mut out = Vec::new();
        for _ in 0..topics.max(0) {
            let len = i16::from_be_bytes(take::<2>(bytes, at)?) as usize;
            let name = String::from_utf8_lossy(bytes.get(*at..*at + len)?).into_owned();
            *at += len;
            let count = i32::from_be_bytes(take::<4>(bytes, at)?);
            let mut partitions = Vec::new();
            for _ in 0..count.max(0) {
                partitions.push(i32::from_be_bytes(take::<4>(bytes, at)?));
            }
            out.push((name, partitions));
        }
        Some(out)
    };
    parse(&mut at).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::parse_assignment;

    #[test]
    fn an_assignment_reads_as_topics_and_partitions_and_garbage_as_nothing() {
        let mut bytes = vec![0, 1, 0, 0, 0, 1, 0, 8];
        bytes.extend_from_slice(b"invoices");
        bytes.extend_from_slice(&[0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0]);
        assert_eq!(
            parse_assignment(&bytes),
            vec![("invoices".to_string(), vec![0, 2])]
        );
        assert_eq!(parse_assignment(&[0, 1, 0]), vec![]);
    }
}
