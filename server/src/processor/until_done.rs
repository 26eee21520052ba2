//! Retries: a batch, then (if it fails) each message on its own, is handled until it is
//! processed, parked or dead-lettered, or the server shuts down.

use super::{dead_letters::dead_letter_until_sent, Failure, Outcome, Processor};
use crate::kafka::DetachedMessage;
use crate::telemetry::metrics::{BATCH_SIZE, PROCESSED, PROCESSING_SECONDS, RETRIES};
use app::backoff::Backoff;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// Waits between tries in line: 200 ms, doubling, at most 10 s (with jitter).
const RETRY_IN_LINE: Backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(10));

/// Tries made in line before a failing event is parked.
const TRIES_BEFORE_PARKING: u32 = 2;

/// Handles a batch taken from one partition until every message in it is processed, parked
/// or dead-lettered; `false` when the server shut down first (then the caller stores no
/// offset and the messages are delivered again).
///
/// The batch goes through in one transaction. Events of an invoice that has parked events
/// are parked behind them, one by one as before. If the transaction fails, each message is
/// handled on its own, so one message that cannot be processed never fails its neighbours.
pub async fn handle_batch_until_done(
    processor: &Processor,
    batch: Vec<DetachedMessage>,
    shutdown: &CancellationToken,
) -> bool {
    let keys: Vec<&str> = batch.iter().map(|m| m.invoice_key.as_str()).collect();
    let waiting = match crate::processor::parked::parked_among(&processor.pool, &keys).await {
        Ok(waiting) => waiting,
        Err(e) => {
            tracing::warn!(error = %e, "could not look for parked events");
            return one_by_one(processor, &batch, shutdown).await;
        }
    };
    let (behind, ready): (Vec<DetachedMessage>, Vec<DetachedMessage>) = batch
        .into_iter()
        .partition(|m| waiting.contains(&m.invoice_key));
    if !ready.is_empty() {
        let span = tracing::info_span!(
            "invoice_events",
            partition = ready[0].partition,
            first_offset = ready[0].offset,
            count = ready.len()
        );
        let started = std::time::Instant::now();
        let outcomes = processor
            .handle_batch(&ready)
            .instrument(span.clone())
            .await;
        metrics::histogram!(PROCESSING_SECONDS).record(started.elapsed().as_secs_f64());
        metrics::histogram!(BATCH_SIZE).record(ready.len() as f64);
        match outcomes {
            Ok(outcomes) => {
                for (message, outcome) in ready.iter().zip(outcomes) {
                    match outcome {
                        Ok(outcome) => counted(&span, message, &outcome),
                        Err(failure) => {
                            if !dead_letter_until_sent(
                                processor,
                                message,
                                &failure.to_string(),
                                1,
                                &span,
                                shutdown,
                            )
                            .await
                            {
                                return false;
                            }
                        }
                    }
                }
            }
            Err(e) => {
                tracing::warn!(parent: &span, error = %e, "batch failed; handling its messages one by one");
                if !one_by_one(processor, &ready, shutdown).await {
                    return false;
                }
            }
        }
    }
    one_by_one(processor, &behind, shutdown).await
}

async fn one_by_one(
    processor: &Processor,
    messages: &[DetachedMessage],
    shutdown: &CancellationToken,
) -> bool {
    for message in messages {
        if !handle_until_done(processor, message, shutdown).await {
            return false;
        }
    }
    true
}

fn counted(span: &tracing::Span, message: &DetachedMessage, outcome: &Outcome) {
    tracing::debug!(parent: span, offset = message.offset, ?outcome, "invoice event handled");
    if let Outcome::Processed { action, .. } = outcome {
        metrics::counter!(PROCESSED, "action" => action.as_str()).increment(1);
    }
}

/// Handles one message until it is processed, parked or dead-lettered; `false` when the server
/// shut down first (then the offset is not stored and the message is delivered again).
async fn handle_until_done(
    processor: &Processor,
    message: &DetachedMessage,
    shutdown: &CancellationToken,
) -> bool {
    match crate::processor::parked::has_parked(&processor.pool, &message.invoice_key).await {
        Ok(true) => {
            if crate::processor::parked::park(
                &processor.pool,
                message,
                0,
                "waiting behind an earlier event of this invoice",
            )
            .await
            .is_ok()
            {
                tracing::info!(invoice = %message.invoice_key, offset = message.offset, "parked behind an earlier event");
                return true;
            }
        }
        Ok(false) => {}
        Err(e) => tracing::warn!(error = %e, "could not look for parked events"),
    }
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let span = tracing::info_span!(
            "invoice_event",
            partition = message.partition,
            offset = message.offset,
            attempt
        );
        let started = std::time::Instant::now();
        // Instrument, not enter: a span entered across an await leaks into other tasks.
        let result = processor
            .handle_message(message)
            .instrument(span.clone())
            .await;
        metrics::histogram!(PROCESSING_SECONDS).record(started.elapsed().as_secs_f64());
        let reason = match result {
            Ok(outcome) => {
                counted(&span, message, &outcome);
                return true;
            }
            Err(Failure::Permanent(reason)) => reason,
            Err(Failure::Transient(e))
                if attempt >= TRIES_BEFORE_PARKING
                    && attempt < processor.dead_letters.max_attempts
                    && crate::processor::parked::park(
                        &processor.pool,
                        message,
                        attempt,
                        &e.to_string(),
                    )
                    .await
                    .is_ok() =>
            {
                metrics::counter!(RETRIES).increment(1);
                tracing::warn!(parent: &span, error = %e, "processing failed; parked for a later retry");
                return true;
            }
            Err(Failure::Transient(e)) if attempt < processor.dead_letters.max_attempts => {
                let delay = RETRY_IN_LINE.delay(attempt);
                metrics::counter!(RETRIES).increment(1);
                tracing::warn!(parent: &span, error = %e, "processing failed; retrying");
                tokio::select! { _ = shutdown.cancelled() => return false, _ = tokio::time::sleep(delay) => {} }
                continue;
            }
            Err(Failure::Transient(e)) => format!("retries used up after {attempt} attempts: {e}"),
        };
        return dead_letter_until_sent(processor, message, &reason, attempt, &span, shutdown).await;
    }
}
