//! Takes invoice events from Kafka and hands each partition's messages to a worker of its own,
//! so partitions are processed side by side while each keeps its order. A worker takes what
//! is waiting in batches (at most `max` messages, waiting at most `wait` for more), handles a
//! batch in one transaction, and only then stores the batch's last offset.
//!
//! Rebalances need no bookkeeping: a worker for a partition this process no longer owns
//! finishes what it holds (effects are once per `eventId`, so the new owner repeating it
//! changes nothing) and its offset is refused by the consumer; if the partition comes back,
//! its messages arrive again behind the old ones, in order.

use crate::kafka::DetachedMessage;
use crate::processor::{until_done::handle_batch_until_done, Processor};
use crate::telemetry::metrics::CONSUMED;
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use std::{collections::HashMap, sync::Arc, time::Duration};
use tokio::{sync::mpsc, task::JoinSet};
use tokio_util::sync::CancellationToken;

/// How big a batch may get and how long a worker waits to fill it.
#[derive(Clone, Copy, Debug)]
pub struct BatchLimits {
    pub max: usize,
    pub wait: Duration,
}

pub async fn run(
    consumer: StreamConsumer,
    processor: Processor,
    limits: BatchLimits,
    shutdown: CancellationToken,
) {
    let consumer = Arc::new(consumer);
    let mut workers: HashMap<(String, i32), mpsc::Sender<DetachedMessage>> = HashMap::new();
    let mut running = JoinSet::new();
    loop {
        let message = tokio::select! {
            _ = shutdown.cancelled() => break,
            message = consumer.recv() => message,
        };
        let message = match message {
            Ok(m) => DetachedMessage::from_message(&m),
            Err(e) => {
                tracing::warn!(error = %e, "kafka consumer error");
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        metrics::counter!(CONSUMED, "topic" => message.topic.clone()).increment(1);
        let worker = workers
            .entry((message.topic.clone(), message.partition))
            .or_insert_with(|| {
                // Room for two batches: one being handled, one filling up.
                let (sender, receiver) = mpsc::channel(limits.max * 2);
                running.spawn(worker(
                    consumer.clone(),
                    processor.clone(),
                    limits,
                    receiver,
                    shutdown.clone(),
                ));
                sender
            });
        // A full worker holds up the others; its partition is behind anyway.
        tokio::select! {
            _ = shutdown.cancelled() => break,
            sent = worker.send(message) => if sent.is_err() { break },
        }
    }
    drop(workers);
    while running.join_next().await.is_some() {}
    // Commit what was stored before leaving the group.
    if let Err(e) = consumer.commit_consumer_state(CommitMode::Sync) {
        tracing::debug!(error = %e, "final commit");
    }
    consumer.unsubscribe();
}

async fn worker(
    consumer: Arc<StreamConsumer>,
    processor: Processor,
    limits: BatchLimits,
    mut inbox: mpsc::Receiver<DetachedMessage>,
    shutdown: CancellationToken,
) {
    loop {
        let first = tokio::select! {
            _ = shutdown.cancelled() => return,
            first = inbox.recv() => match first { Some(m) => m, None => return },
        };
        let batch = fill(first, &mut inbox, limits).await;
        let last = batch.last().expect("a batch is never empty");
        let (topic, partition, offset) = (last.topic.clone(), last.partition, last.offset);
        if !handle_batch_until_done(&processor, batch, &shutdown).await {
            return;
        }
        // Refused for a partition this process no longer owns: its new owner goes on.
        if let Err(e) = consumer.store_offset(&topic, partition, offset) {
            tracing::debug!(error = %e, partition, offset, "offset not stored");
        }
    }
}

/// A batch: `first`, what is already waiting, and what arrives within `limits.wait`.
async fn fill(
    first: DetachedMessage,
    inbox: &mut mpsc::Receiver<DetachedMessage>,
    limits: BatchLimits,
) -> Vec<DetachedMessage> {
    let mut batch = vec![first];
    while batch.len() < limits.max {
        match inbox.try_recv() {
            Ok(m) => batch.push(m),
            Err(_) => break,
        }
    }
    let deadline = tokio::time::Instant::now() + limits.wait;
    while batch.len() < limits.max {
        match tokio::time::timeout_at(deadline, inbox.recv()).await {
            Ok(Some(m)) => batch.push(m),
            _ => break,
        }
    }
    batch
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(offset: i64) -> DetachedMessage {
        DetachedMessage {
            invoice_key: "k".into(),
            topic: "t".into(),
            partition: 0,
            offset,
            key: None,
            payload: None,
            headers: vec![],
        }
    }

    #[tokio::test]
    async fn a_batch_takes_what_waits_up_to_its_limit_in_order() {
        let (sender, mut inbox) = mpsc::channel(10);
        for offset in 1..=5 {
            sender.send(message(offset)).await.unwrap();
        }
        let limits = BatchLimits {
            max: 3,
            wait: Duration::ZERO,
        };
        let batch = fill(message(0), &mut inbox, limits).await;
        assert_eq!(
            batch.iter().map(|m| m.offset).collect::<Vec<_>>(),
            [0, 1, 2]
        );
        let rest = fill(inbox.recv().await.unwrap(), &mut inbox, limits).await;
        assert_eq!(rest.iter().map(|m| m.offset).collect::<Vec<_>>(), [3, 4, 5]);
    }

    #[tokio::test]
    async fn a_batch_waits_for_late_messages_only_as_long_as_allowed() {
        let (sender, mut inbox) = mpsc::channel(10);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            sender.send(message(1)).await.unwrap();
            tokio::time::sleep(Duration::from_secs(5)).await;
            sender.send(message(2)).await.unwrap();
        });
        let limits = BatchLimits {
            max: 10,
            wait: Duration::from_secs(1),
        };
        let batch = fill(message(0), &mut inbox, limits).await;
        assert_eq!(batch.iter().map(|m| m.offset).collect::<Vec<_>>(), [0, 1]);
    }
}
