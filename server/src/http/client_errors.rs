//! Every refusal says whose mistake it was: a client's (4xx) or ours (5xx), with a JSON
//! reason for API callers. Four jobs, in one layer around every route:
//! - a body declared larger than `max_body_bytes` is refused with 413 before it is read
//!   (one without a length is cut off at the same limit);
//! - any other body is read whole before a handler answers, so that a route that refuses
//!   without reading it (a GET-only route, a wrong method) does not close the connection
//!   under a client that is still sending: the client gets our answer, not a broken pipe;
//! - a server function's error (always sent as 500 by the framework) gets the status its
//!   `AppError` kind names: a missing field is 400, not 500;
//! - a plain-text refusal from an extractor under `/api/` (wrong content type, body too large)
//!   becomes `{"error": "..."}`.

use app::errors::{AppError, SERVER_FN_ERROR_HEADER};
use axum::{
    body::{to_bytes, Body},
    extract::{Request, State},
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    Json,
};

/// The largest request body any route reads (setting `max_body_bytes`).
#[derive(Clone, Copy)]
pub struct BodyLimit(pub usize);

/// Error bodies are short; a longer one is not ours to rewrite.
const MAX_ERROR_BODY: usize = 64 * 1024;

pub fn too_large(limit: usize) -> Response {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        Json(serde_json::json!({
            "error": format!("the request body is larger than the limit of {limit} bytes")
        })),
    )
        .into_response()
}

fn declared_length(request: &Request) -> Option<u64> {
    request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
}

/// The outermost layer: a body declared within the limit is read before any layer may refuse
/// the request (the sign-in gate, the cross-site check). A refusal that leaves request bytes
/// unread makes the server close the connection, and a client that reuses it sees it drop
/// instead of its next answer. Longer and undeclared bodies are left to `client_errors`,
/// inside the gate, so an anonymous caller still hears "sign in" first.
pub async fn read_declared_body(
    State(limit): State<BodyLimit>,
    request: Request,
    next: Next,
) -> Response {
    let declared = declared_length(&request);
    if !declared.is_some_and(|n| n > 0 && n <= limit.0 as u64) {
        return next.run(request).await;
    }
    match read_whole_body(request, declared, limit.0).await {
        Ok(mut request) => {
            request.extensions_mut().insert(WholeBody);
            next.run(request).await
        }
        Err(refusal) => refusal,
    }
}

/// Marks a request whose body is already in memory, so the inner layer does not read it again.
#[derive(Clone, Copy)]
struct WholeBody;

pub async fn client_errors(
    State(limit): State<BodyLimit>,
    request: Request,
    next: Next,
) -> Response {
    let declared = declared_length(&request);
    if declared.is_some_and(|n| n > limit.0 as u64) {
        return too_large(limit.0);
    }
    let api = request.uri().path().starts_with("/api/");
    let request = match read_whole_body(request, declared, limit.0).await {
        Ok(request) => request,
        Err(refusal) => return refusal,
    };
    let response = next.run(request).await;
    if response.headers().contains_key(SERVER_FN_ERROR_HEADER) {
        return with_error_status(response).await;
    }
    let failed = response.status().is_client_error() || response.status().is_server_error();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if api && failed && !is_json {
        return as_json(response).await;
    }
    response
}

async fn read_whole_body(
    request: Request,
    declared: Option<u64>,
    limit: usize,
) -> Result<Request, Response> {
    let chunked = request.headers().contains_key(header::TRANSFER_ENCODING);
    let in_memory = request.extensions().get::<WholeBody>().is_some();
    if in_memory || (declared.unwrap_or(0) == 0 && !chunked) {
        return Ok(request);
    }
    let (parts, body) = request.into_parts();
    match to_bytes(body, limit).await {
        Ok(bytes) => Ok(Request::from_parts(parts, Body::from(bytes))),
        Err(e)
            if std::error::Error::source(&e)
                .is_some_and(|inner| inner.is::<http_body_util::LengthLimitError>()) =>
        {
            Err(too_large(limit))
        }
        Err(_) => Err((
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({ "error": "the request body could not be read" })),
        )
            .into_response()),
    }
}

/// A server function's `AppError`, answered with the status of its kind.
async fn with_error_status(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "error body unreadable").into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = StatusCode::from_u16(error.status()).unwrap_or(parts.status);
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if error.is_client_mistake() {
            tracing::info!(
                status = error.status(),
                reason = error.reason(),
                "request refused"
            );
        }
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes))
}

/// A plain-text refusal, as `{"error": "<the text>"}` with the same status.
async fn as_json(response: Response) -> Response {
    let status = response.status();
    let text = match to_bytes(response.into_body(), MAX_ERROR_BODY).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_string(),
        Err(_) => String::new(),
    };
    let reason = match text.is_empty() {
        true => status
            .canonical_reason()
            .unwrap_or("refused")
            .to_lowercase(),
        false => text,
    };
    (status, Json(serde_json::json!({ "error": reason }))).into_response()
}
