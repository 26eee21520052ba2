//! One trace per invoice change, in W3C Trace Context form (`traceparent`): started by the
//! server function that saves the change (or continued from the request's own `traceparent`),
//! stored with the outbox row, carried as a Kafka header by the relay, continued by the
//! processor, the activity item and the feed's push. Every log line of that work names the
//! same `trace_id`, so `grep <trace_id>` follows one invoice from the form to the browsers.

use std::fmt;

/// The Kafka header (and HTTP header) that carries it.
pub const HEADER: &str = "traceparent";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TraceParent {
    trace_id: u128,
    span_id: u64,
}

impl TraceParent {
    /// A new trace.
    pub fn new_root() -> Self {
        let (high, low) = uuid::Uuid::new_v4().as_u64_pair();
        let trace_id = (u128::from(high) << 64 | u128::from(low)).max(1);
        Self {
            trace_id,
            span_id: new_span_id(),
        }
    }

    /// The next unit of work in the same trace.
    pub fn child(&self) -> Self {
        Self {
            trace_id: self.trace_id,
            span_id: new_span_id(),
        }
    }

    /// Reads `00-<32 hex>-<16 hex>-<2 hex>`; `None` for anything else (then a new trace is
    /// started, as the W3C recommendation says).
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.trim().split('-');
        let (version, trace, span, flags) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some()
            || version != "00"
            || trace.len() != 32
            || span.len() != 16
            || flags.len() != 2
            || !text
                .trim()
                .bytes()
                .all(|b| b == b'-' || b.is_ascii_hexdigit())
            || text.trim().bytes().any(|b| b.is_ascii_uppercase())
        {
            return None;
        }
        let trace_id = u128::from_str_radix(trace, 16).ok()?;
        let span_id = u64::from_str_radix(span, 16).ok()?;
        (trace_id != 0 && span_id != 0).then_some(Self { trace_id, span_id })
    }

    /// Continues `incoming` when it is a valid traceparent, else starts a new trace.
    pub fn continue_or_new(incoming: Option<&str>) -> Self {
        incoming
            .and_then(Self::parse)
            .map_or_else(Self::new_root, |parent| parent.child())
    }

    /// The trace's id, 32 hex digits: what to grep for.
    pub fn trace_id(&self) -> String {
        format!("{:032x}", self.trace_id)
    }
}

impl fmt::Display for TraceParent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "00-{:032x}-{:016x}-01", self.trace_id, self.span_id)
    }
}

fn new_span_id() -> u64 {
    uuid::Uuid::new_v4().as_u64_pair().1.max(1)
}

#[cfg(feature = "ssr")]
tokio::task_local! {
    static CURRENT: TraceParent;
}

/// Runs `work` with `trace` as the current trace: what it writes to the outbox carries it.
#[cfg(feature = "ssr")]
pub async fn within<F: std::future::Future>(trace: TraceParent, work: F) -> F::Output {
    CURRENT.scope(trace, work).await
}

/// The current trace's next unit of work, or a new trace outside of one.
#[cfg(feature = "ssr")]
pub fn next() -> TraceParent {
    CURRENT
        .try_with(TraceParent::child)
        .unwrap_or_else(|_| TraceParent::new_root())
}

/// Runs `work` in the trace of the current request (see `of_request`); returns that trace too,
/// for the log line that reports the outcome.
#[cfg(feature = "ssr")]
pub async fn within_request<F: std::future::Future>(work: F) -> (TraceParent, F::Output) {
    let trace = of_request().await;
    (trace, within(trace, work).await)
}

/// The trace a request asks to continue (its `traceparent` header), or a new one.
#[cfg(feature = "ssr")]
pub async fn of_request() -> TraceParent {
    let headers = leptos_axum::extract::<http::HeaderMap>()
        .await
        .unwrap_or_default();
    TraceParent::continue_or_new(headers.get(HEADER).and_then(|v| v.to_str().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_traceparent_is_written_and_read_in_the_w3c_form() {
        let sample = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let parsed = TraceParent::parse(sample).expect("the W3C example");
        assert_eq!(parsed.to_string(), sample);
        assert_eq!(parsed.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
        let child = parsed.child();
        assert_eq!(child.trace_id(), parsed.trace_id());
        assert_ne!(child, parsed);
        for bad in [
            "",
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",
            "00-4bf92f3577b34da6a3ce929d0e0e47zz-00f067aa0ba902b7-01",
        ] {
            assert_eq!(TraceParent::parse(bad), None, "{bad:?}");
        }
        let continued = TraceParent::continue_or_new(Some(sample));
        assert_eq!(continued.trace_id(), parsed.trace_id());
        let fresh = TraceParent::continue_or_new(Some("garbage"));
        assert_ne!(fresh.trace_id(), parsed.trace_id());
        assert!(TraceParent::parse(&fresh.to_string()).is_some());
    }
}
