//! Moving a consumer group's committed offsets back (`kafka-consumer-groups --reset-offsets`),
//! to read again from the earliest, from a time, or from given offsets per partition.
//!
//! Kafka takes new offsets only for a group with no members. When the group is our
//! processors', the reset pauses them on every server process: it is recorded in
//! `group_resets` as `pausing` and announced (NOTIFY), every processor leaves the group
//! (committing what it finished), the offsets are committed here, and marking the reset
//! `done` or `failed` resumes them. A pause also ends at its deadline, so a reset whose
//! coordinator died cannot hold the processors for good. Resets only go back: skipping
//! events would leave their effects undone, and reading them again changes nothing done
//! (effects are once per `eventId`).

use super::cluster::{blocking, metadata_client, misconfigured, partitions, timeout};
use super::{GroupReset, KafkaTools, PartitionReset, ResetPlan, ResetTo, ToolError};
use chrono::{DateTime, Utc};
use rdkafka::{
    consumer::{BaseConsumer, CommitMode, Consumer},
    Offset, TopicPartitionList,
};
use sqlx::PgPool;
use std::time::Duration;

/// The NOTIFY channel of resets (payload: the group).
pub const CHANNEL: &str = "acme_group_resets";
/// How long a reset waits for the processors to leave the group.
pub const LEAVE_WAIT: Duration = Duration::from_secs(30);
/// How long the processors stay paused at most, whatever happens to the reset.
const PAUSE_LIMIT_SECS: i64 = 60;

/// What a reset to `to` would do now, without doing it.
pub async fn plan(
    tools: &KafkaTools,
    group: &str,
    topic: &str,
    to: &ResetTo,
) -> Result<ResetPlan, ToolError> {
    let (brokers, group, topic, to) = (
        tools.brokers.clone(),
        checked_group(group)?,
        topic.trim().to_string(),
        to.clone(),
    );
    let ours = group == tools.processor_group;
    super::check_topic_name(&topic)?;
    blocking(move || plan_now(&brokers, &group, &topic, &to, ours)).await
}

/// Resets the group (pausing our processors when it is theirs) and answers what it did.
/// Runs to its end even when the caller goes away (a browser closed mid-way).
pub async fn reset(
    tools: &KafkaTools,
    pool: &PgPool,
    group: &str,
    topic: &str,
    to: &ResetTo,
    requested_by: &str,
) -> Result<ResetPlan, ToolError> {
    let group = checked_group(group)?;
    let topic = topic.trim().to_string();
    super::check_topic_name(&topic)?;
    // Wrong names are refused before anything pauses.
    plan(tools, &group, &topic, to).await?;
    let (tools, pool, to, by) = (
        tools.clone(),
        pool.clone(),
        to.clone(),
        requested_by.to_string(),
    );
    tokio::spawn(async move { coordinate(&tools, &pool, &group, &topic, &to, &by).await })
        .await
        .map_err(|e| ToolError::Kafka(e.to_string()))?
}

/// The newest resets first.
pub async fn history(pool: &PgPool, limit: i64) -> Result<Vec<GroupReset>, ToolError> {
    let rows = sqlx::query!(
        r#"SELECT id, group_id, topic, target, requested_by, requested_at AS "requested_at: DateTime<Utc>",
                  state, rereads, error, finished_at AS "finished_at: DateTime<Utc>"
           FROM group_resets ORDER BY requested_at DESC, id DESC LIMIT $1"#,
        limit,
    )
    .fetch_all(pool)
    .await
    .map_err(database)?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(GroupReset {
                id: r.id,
                group: r.group_id,
                topic: r.topic,
                to: serde_json::from_value(r.target).ok()?,
                requested_by: r.requested_by,
                requested_at: r.requested_at,
                state: r.state,
                rereads: r.rereads,
                error: r.error,
                finished_at: r.finished_at,
            })
        })
        .collect())
}

/// Until when the group's consumers should stay out of it (a reset under way), if they should.
pub async fn paused_until(
    pool: &PgPool,
    group: &str,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT max(pause_until) AS "until: DateTime<Utc>" FROM group_resets
         WHERE group_id = $1 AND state = 'pausing' AND pause_until > now()"#,
        group,
    )
    .fetch_one(pool)
    .await
}

fn checked_group(group: &str) -> Result<String, ToolError> {
    let group = group.trim();
    if group.is_empty() || group.len() > 255 {
        return Err(ToolError::Invalid(
            "name the consumer group (1 to 255 characters)".into(),
        ));
    }
    Ok(group.to_string())
}

fn database(e: sqlx::Error) -> ToolError {
    ToolError::Database(e.to_string())
}

async fn coordinate(
    tools: &KafkaTools,
    pool: &PgPool,
    group: &str,
    topic: &str,
    to: &ResetTo,
    by: &str,
) -> Result<ResetPlan, ToolError> {
    let id = begin(pool, group, topic, to, by).await?;
    let ours = group == tools.processor_group;
    let outcome = async {
        let (brokers, g) = (tools.brokers.clone(), group.to_string());
        let wait = if ours { LEAVE_WAIT } else { Duration::ZERO };
        blocking(move || wait_until_empty(&brokers, &g, wait)).await?;
        let (brokers, g, t, target) = (
            tools.brokers.clone(),
            group.to_string(),
            topic.to_string(),
            to.clone(),
        );
        blocking(move || {
            let plan = plan_now(&brokers, &g, &t, &target, ours)?;
            commit(&brokers, &plan)?;
            Ok(plan)
        })
        .await
    }
    .await;
    finish(pool, id, group, &outcome).await?;
    if let Ok(plan) = &outcome {
        tracing::info!(
            group,
            topic,
            rereads = plan.rereads,
            by,
            "consumer group reset"
        );
    }
    outcome
}

/// Records the reset as under way (pausing the group's processors) and announces it; a
/// reset left `pausing` past its deadline by a coordinator that died is closed as failed.
async fn begin(
    pool: &PgPool,
    group: &str,
    topic: &str,
    to: &ResetTo,
    by: &str,
) -> Result<i64, ToolError> {
    let mut tx = pool.begin().await.map_err(database)?;
    sqlx::query!(
        "UPDATE group_resets SET state = 'failed', finished_at = now(),
                error = 'did not finish before its deadline'
         WHERE group_id = $1 AND state = 'pausing' AND pause_until <= now()",
        group,
    )
    .execute(&mut *tx)
    .await
    .map_err(database)?;
    let target = serde_json::to_value(to).map_err(|e| ToolError::Invalid(e.to_string()))?;
    let inserted = sqlx::query_scalar!(
        "INSERT INTO group_resets (group_id, topic, target, requested_by, pause_until)
         VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))
         ON CONFLICT (group_id) WHERE state = 'pausing' DO NOTHING
         RETURNING id",
        group,
        topic,
        target,
        by,
        PAUSE_LIMIT_SECS as f64,
    )
    .fetch_optional(&mut *tx)
    .await
    .map_err(database)?;
    let Some(id) = inserted else {
        let under_way = sqlx::query!(
            r#"SELECT requested_by, requested_at AS "requested_at: DateTime<Utc>" FROM group_resets
             WHERE group_id = $1 AND state = 'pausing'"#,
            group,
        )
        .fetch_optional(&mut *tx)
        .await
        .map_err(database)?;
        let who = under_way
            .map(|r| {
                format!(
                    " (asked by {} at {})",
                    r.requested_by,
                    r.requested_at.format("%H:%M:%S UTC")
                )
            })
            .unwrap_or_default();
        return Err(ToolError::Busy(format!(
            "a reset of `{group}` is already under way{who}: wait for it to finish"
        )));
    };
    announce(&mut tx, group).await?;
    tx.commit().await.map_err(database)?;
    Ok(id)
}

async fn finish(
    pool: &PgPool,
    id: i64,
    group: &str,
    outcome: &Result<ResetPlan, ToolError>,
) -> Result<(), ToolError> {
    let (state, rereads, moved, error) = match outcome {
        Ok(plan) => {
            let moved: Vec<(i32, Option<i64>, i64)> = plan
                .partitions
                .iter()
                .map(|p| (p.partition, p.committed, p.to))
                .collect();
            (
                "done",
                Some(plan.rereads),
                serde_json::to_value(moved).ok(),
                None,
            )
        }
        Err(e) => ("failed", None, None, Some(e.to_string())),
    };
    let mut tx = pool.begin().await.map_err(database)?;
    sqlx::query!(
        "UPDATE group_resets SET state = $2, rereads = $3, moved = $4, error = $5, finished_at = now()
         WHERE id = $1",
        id,
        state,
        rereads,
        moved,
        error,
    )
    .execute(&mut *tx)
    .await
    .map_err(database)?;
    announce(&mut tx, group).await?;
    tx.commit().await.map_err(database)
}

async fn announce(tx: &mut sqlx::PgConnection, group: &str) -> Result<(), ToolError> {
    sqlx::query!("SELECT pg_notify($1, $2)", CHANNEL, group)
        .execute(tx)
        .await
        .map_err(database)?;
    Ok(())
}

/// The group's members as `client_id@host`, or `None` when Kafka does not know the group.
fn members(
    client: &BaseConsumer,
    brokers: &str,
    group: &str,
) -> Result<Option<Vec<String>>, ToolError> {
    let list = client
        .fetch_group_list(Some(group), timeout())
        .map_err(|_| ToolError::Unreachable(brokers.to_string()))?;
    Ok(list
        .groups()
        .iter()
        .find(|g| g.name() == group && g.state() != "Dead")
        .map(|g| {
            g.members()
                .iter()
                .map(|m| format!("{}@{}", m.client_id(), m.client_host()))
                .collect()
        }))
}

/// Waits up to `wait` for the group to have no members (ours leave when paused).
fn wait_until_empty(brokers: &str, group: &str, wait: Duration) -> Result<(), ToolError> {
    let client = metadata_client(brokers)?;
    let deadline = std::time::Instant::now() + wait;
    loop {
        let present = members(&client, brokers, group)?.unwrap_or_default();
        if present.is_empty() {
            return Ok(());
        }
        if std::time::Instant::now() >= deadline {
            return Err(ToolError::Busy(format!(
                "the group `{group}` still has {} active member(s) ({}): Kafka resets only a group without members; stop them and try again",
                present.len(),
                present.join(", ")
            )));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn plan_now(
    brokers: &str,
    group: &str,
    topic: &str,
    to: &ResetTo,
    ours: bool,
) -> Result<ResetPlan, ToolError> {
    let client = metadata_client(brokers)?;
    let Some(present) = members(&client, brokers, group)? else {
        return Err(ToolError::UnknownGroup(group.to_string()));
    };
    let found = partitions(&client, brokers, topic)?;
    let as_group: BaseConsumer =
        crate::kafka_clients::offsets_reader(brokers, group).map_err(misconfigured)?;
    let mut wanted = TopicPartitionList::new();
    for p in &found {
        wanted.add_partition(topic, p.id);
    }
    let committed = as_group
        .committed_offsets(wanted.clone(), timeout())
        .map_err(|_| ToolError::Unreachable(brokers.to_string()))?;
    let committed_of = |partition: i32| {
        committed
            .find_partition(topic, partition)
            .and_then(|e| match e.offset() {
                Offset::Offset(o) => Some(o),
                _ => None,
            })
    };
    let at_time = match to {
        ResetTo::Time(ms) => {
            let mut times = TopicPartitionList::new();
            for p in &found {
                times
                    .add_partition_offset(topic, p.id, Offset::Offset(*ms))
                    .map_err(|e| ToolError::Kafka(e.to_string()))?;
            }
            Some(
                as_group
                    .offsets_for_times(times, timeout())
                    .map_err(|e| ToolError::Kafka(e.to_string()))?,
            )
        }
        _ => None,
    };
    let mut parts = Vec::new();
    for p in &found {
        let wanted = match to {
            ResetTo::Earliest => Some(p.low),
            ResetTo::Time(_) => Some(
                at_time
                    .as_ref()
                    .and_then(|t| t.find_partition(topic, p.id))
                    .and_then(|e| match e.offset() {
                        Offset::Offset(o) => Some(o),
                        _ => None, // nothing at or after the time
                    })
                    .unwrap_or(p.high),
            ),
            ResetTo::Offsets(offsets) => offsets.iter().find(|(id, _)| *id == p.id).map(|o| o.1),
        };
        parts.push(partition_reset(
            p.id,
            p.low,
            p.high,
            committed_of(p.id),
            wanted,
            to,
        )?);
    }
    if let ResetTo::Offsets(offsets) = to {
        if let Some((p, _)) = offsets
            .iter()
            .find(|(id, _)| !found.iter().any(|f| f.id == *id))
        {
            return Err(ToolError::Invalid(format!(
                "`{topic}` has no partition {p} (it has {})",
                found.len()
            )));
        }
    }
    Ok(ResetPlan {
        group: group.to_string(),
        topic: topic.to_string(),
        to: to.clone(),
        rereads: parts.iter().map(|p| p.rereads).sum(),
        partitions: parts,
        pauses_processors: ours,
        members: present.len(),
    })
}

/// Where one partition goes: back to `wanted` but never forward (an earliest or a time past
/// where the group is leaves it there; an offset past it is refused), within what is kept.
fn partition_reset(
    partition: i32,
    low: i64,
    high: i64,
    committed: Option<i64>,
    wanted: Option<i64>,
    to: &ResetTo,
) -> Result<PartitionReset, ToolError> {
    // Nothing committed: the group has read nothing of it yet, nothing is read *again*.
    let current = committed.unwrap_or(low).clamp(low, high);
    let to_offset = match (wanted, to) {
        (None, _) => current,
        (Some(o), ResetTo::Offsets(_)) => {
            if o < low || o > high {
                return Err(ToolError::Invalid(format!(
                    "partition {partition} keeps offsets {low} to {high}; {o} is outside them"
                )));
            }
            if o > current {
                return Err(ToolError::Invalid(format!(
                    "partition {partition}: offset {o} is past where the group is ({current}); a reset only goes back (skipping events would leave their effects undone)"
                )));
            }
            o
        }
        (Some(o), _) => o.clamp(low, current),
    };
    Ok(PartitionReset {
        partition,
        low,
        high,
        committed,
        to: to_offset,
        rereads: current - to_offset,
    })
}

/// Commits the plan's offsets as the group (Kafka takes them only from a group without
/// members, which is what was waited for).
fn commit(brokers: &str, plan: &ResetPlan) -> Result<(), ToolError> {
    let mut offsets = TopicPartitionList::new();
    for p in plan.partitions.iter().filter(|p| p.committed != Some(p.to)) {
        offsets
            .add_partition_offset(&plan.topic, p.partition, Offset::Offset(p.to))
            .map_err(|e| ToolError::Kafka(e.to_string()))?;
    }
    if offsets.count() == 0 {
        return Ok(());
    }
    let as_group: BaseConsumer =
        crate::kafka_clients::offsets_reader(brokers, &plan.group).map_err(misconfigured)?;
    as_group
        .commit(&offsets, CommitMode::Sync)
        .map_err(|e| ToolError::Kafka(format!("committing the new offsets: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partition_goes_back_never_forward_and_stays_within_what_is_kept() {
        let earliest = ResetTo::Earliest;
        let back = partition_reset(0, 10, 100, Some(80), Some(10), &earliest).unwrap();
        assert_eq!((back.to, back.rereads), (10, 70));
        // A time past where the group is: it stays, nothing is skipped.
        let time = ResetTo::Time(0);
        let stays = partition_reset(1, 0, 100, Some(40), Some(90), &time).unwrap();
        assert_eq!((stays.to, stays.rereads), (40, 0));
        // Nothing committed: nothing to read again.
        let fresh = partition_reset(2, 5, 50, None, Some(5), &earliest).unwrap();
        assert_eq!((fresh.to, fresh.rereads), (5, 0));
        let offsets = ResetTo::Offsets(vec![(0, 60)]);
        let given = partition_reset(0, 10, 100, Some(80), Some(60), &offsets).unwrap();
        assert_eq!((given.to, given.rereads), (60, 20));
        let unnamed = partition_reset(1, 10, 100, Some(80), None, &offsets).unwrap();
        assert_eq!((unnamed.to, unnamed.rereads), (80, 0));
        let forward = partition_reset(0, 10, 100, Some(80), Some(90), &offsets).unwrap_err();
        assert!(forward.to_string().contains("only goes back"), "{forward}");
        let outside = partition_reset(0, 10, 100, Some(80), Some(5), &offsets).unwrap_err();
        assert!(
            outside.to_string().contains("keeps offsets 10 to 100"),
            "{outside}"
        );
    }

    #[test]
    fn offsets_read_as_partition_colon_offset() {
        assert_eq!(
            ResetTo::parse_offsets(" 1:40, 0:12 ").unwrap(),
            ResetTo::Offsets(vec![(0, 12), (1, 40)])
        );
        for bad in ["", "12", "0:-1", "a:1", "0:1,0:2"] {
            assert!(ResetTo::parse_offsets(bad).is_err(), "{bad}");
        }
    }
}
