//! `POST /api/kafka/produce` and `GET /api/kafka/produce`, as in our users' guide, made safe:
//! a session or the API token, topics on an allow-list, a size limit, a JSON reason for every
//! refusal, and 503 within seconds when the broker cannot be reached.

use crate::kafka::SOURCE;
use app::events::headers;
use axum::{
    body::Bytes,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use rdkafka::{
    message::{Header, OwnedHeaders},
    producer::{FutureProducer, FutureRecord},
};
use serde_json::{json, Value};
use std::time::Duration;

/// Larger bodies are refused with 413 before they are read.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

#[derive(Clone)]
pub struct ProduceApi {
    pub producer: FutureProducer,
    /// Where each produce request is recorded in the audit trail.
    pub pool: sqlx::PgPool,
    pub broker: String,
    pub allowed_topics: Vec<String>,
}

fn refuse(status: StatusCode, error: impl Into<String>) -> Response {
    (
        status,
        Json(json!({ "success": false, "error": error.into() })),
    )
        .into_response()
}

/// The users' health check: is the endpoint up, and which broker does it talk to.
pub async fn health(State(api): State<ProduceApi>) -> Json<Value> {
    Json(json!({ "status": "ok", "broker": api.broker, "allowedTopics": api.allowed_topics }))
}

/// What a produce request asks for, once checked.
#[derive(Debug, PartialEq)]
pub struct ProduceRequest {
    pub topic: String,
    pub key: Option<String>,
    pub event_type: Option<String>,
    pub value: String,
}

/// Checks a request body: `{"topic": "...", "message": {...}}`.
pub fn parse(
    body: &[u8],
    allowed_topics: &[String],
) -> Result<ProduceRequest, (StatusCode, String)> {
    let bad = |reason: String| (StatusCode::BAD_REQUEST, reason);
    let body: Value =
        serde_json::from_slice(body).map_err(|e| bad(format!("invalid JSON: {e}")))?;
    let topic = match body.get("topic") {
        Some(Value::String(t)) if !t.trim().is_empty() => t.trim().to_string(),
        Some(_) => return Err(bad("`topic` must be a non-empty string".into())),
        None => return Err(bad("missing field `topic`".into())),
    };
    let message = match body.get("message") {
        Some(m @ Value::Object(_)) => m,
        Some(_) => return Err(bad("`message` must be a JSON object".into())),
        None => return Err(bad("missing field `message`".into())),
    };
    if !allowed_topics.iter().any(|t| *t == topic) {
        return Err((
            StatusCode::FORBIDDEN,
            format!(
                "topic `{topic}` is not allowed here (allowed: {})",
                allowed_topics.join(", ")
            ),
        ));
    }
    let key = match message.get("invoiceId") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let event_type = message
        .get("action")
        .and_then(Value::as_str)
        .map(str::to_string);
    Ok(ProduceRequest {
        topic,
        key,
        event_type,
        value: message.to_string(),
    })
}

pub async fn produce(
    State(api): State<ProduceApi>,
    axum::Extension(actor): axum::Extension<app::auth::roles::Actor>,
    request_headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    let request = match parse(&body, &api.allowed_topics) {
        Ok(request) => request,
        Err((status, reason)) => return refuse(status, reason),
    };
    // The caller's trace continues in the message (or a new one starts here).
    let trace = app::trace::TraceParent::continue_or_new(
        request_headers
            .get(app::trace::HEADER)
            .and_then(|v| v.to_str().ok()),
    )
    .to_string();
    let mut headers = OwnedHeaders::new()
        .insert(Header {
            key: headers::SOURCE,
            value: Some(SOURCE),
        })
        .insert(Header {
            key: app::trace::HEADER,
            value: Some(trace.as_str()),
        });
    if let Some(event_type) = &request.event_type {
        headers = headers.insert(Header {
            key: headers::EVENT_TYPE,
            value: Some(event_type.as_str()),
        });
    }
    let mut record = FutureRecord::to(&request.topic)
        .payload(&request.value)
        .headers(headers);
    if let Some(key) = &request.key {
        record = record.key(key);
    }
    let sent = api.producer.send(record, Duration::from_secs(1)).await;
    let (outcome, details) = match &sent {
        Ok(delivery) => (
            app::audit::SUCCEEDED,
            json!({ "key": request.key, "eventType": request.event_type, "partition": delivery.partition, "offset": delivery.offset }),
        ),
        Err((e, _)) => (
            app::audit::FAILED,
            json!({ "key": request.key, "eventType": request.event_type, "error": e.to_string() }),
        ),
    };
    let change = app::audit::Change {
        action: app::audit::action::PRODUCE,
        target: &request.topic,
        outcome,
        details,
    };
    // The message is in Kafka (or was refused) whatever happens here: a failure to record it
    // is logged, not answered as a failure of the produce.
    if let Err(e) = app::audit::record(&api.pool, Some(&actor), change).await {
        tracing::error!(error = %e, actor = %actor.name, topic = %request.topic, "could not record a produce request in the audit trail");
    }
    match sent {
        Ok(delivery) => Json(json!({
            "success": true,
            "topic": request.topic,
            "partition": delivery.partition,
            "offset": delivery.offset,
            "key": request.key,
        }))
        .into_response(),
        Err((e, _)) => {
            tracing::warn!(error = %e, broker = %api.broker, "produce request failed");
            refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "the Kafka broker at {} did not accept the message: {e}",
                    api.broker
                ),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed() -> Vec<String> {
        vec!["invoices".to_string()]
    }

    #[test]
    fn the_guides_example_is_accepted_with_the_invoice_id_as_key() {
        let body = br#"{"topic":"invoices","message":{"invoiceId":"INV-001","action":"created","amount":1500}}"#;
        let request = parse(body, &allowed()).unwrap();
        assert_eq!(request.topic, "invoices");
        assert_eq!(request.key.as_deref(), Some("INV-001"));
        assert_eq!(request.event_type.as_deref(), Some("created"));
        assert_eq!(
            serde_json::from_str::<Value>(&request.value).unwrap()["amount"],
            1500
        );
    }

    #[test]
    fn bad_bodies_get_a_reason() {
        let reason = |body: &[u8]| parse(body, &allowed()).unwrap_err();
        assert_eq!(reason(b"{not json").0, StatusCode::BAD_REQUEST);
        assert!(reason(b"{not json").1.starts_with("invalid JSON"));
        assert_eq!(reason(br#"{"message":{}}"#).1, "missing field `topic`");
        assert_eq!(
            reason(br#"{"topic":"invoices"}"#).1,
            "missing field `message`"
        );
        assert_eq!(
            reason(br#"{"topic":"invoices","message":"hi"}"#).1,
            "`message` must be a JSON object"
        );
        assert_eq!(
            reason(br#"{"topic":"secrets","message":{}}"#).0,
            StatusCode::FORBIDDEN
        );
    }
}
