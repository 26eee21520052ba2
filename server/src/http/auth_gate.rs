//! Who may reach what: pages under /dashboard need a session (else a redirect to the login
//! page that comes back), server functions and the feed socket answer 401 without one, and
//! requests that change data must come from our own pages.

use app::auth::USER_ID_KEY;
use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
    Json,
};
use tower_sessions::Session;
use uuid::Uuid;

/// Server functions anyone may call.
const PUBLIC_API: &[&str] = &["/api/login"];
/// What an API token (instead of a session) may call.
const TOKEN_API: &[&str] = &["/api/kafka/produce"];

#[derive(Clone)]
pub struct Access {
    /// `Authorization: Bearer <token>` opens TOKEN_API; `None` turns tokens off.
    pub api_token: Option<String>,
}

impl Access {
    fn token_matches(&self, headers: &HeaderMap) -> bool {
        let offered = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        match (&self.api_token, offered) {
            // Compare in constant time: the token is a secret.
            (Some(token), Some(offered)) => {
                token.len() == offered.len()
                    && token
                        .bytes()
                        .zip(offered.bytes())
                        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                        == 0
            }
            _ => false,
        }
    }
}

pub async fn require_session(
    State(access): State<Access>,
    session: Session,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let signed_in = session
        .get::<Uuid>(USER_ID_KEY)
        .await
        .ok()
        .flatten()
        .is_some()
        || (TOKEN_API.contains(&path) && access.token_matches(request.headers()));
    if signed_in {
        if path == "/login" {
            return Redirect::to("/dashboard").into_response();
        }
    } else if path == "/dashboard" || path.starts_with("/dashboard/") {
        let asked_for = request
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or(path);
        let target = format!("/login?callbackUrl={}", urlencoding::encode(asked_for));
        return Redirect::to(&target).into_response();
    } else if (path.starts_with("/api/") && !PUBLIC_API.contains(&path)) || path.starts_with("/ws/")
    {
        return (
            StatusCode::UNAUTHORIZED,
            Json(serde_json::json!({ "error": "not signed in" })),
        )
            .into_response();
    }
    next.run(request).await
}

/// Refuses a request that changes data, or opens a WebSocket (not covered by the same-origin
/// policy), when the browser says it came from another site.
pub async fn refuse_cross_site(request: Request, next: Next) -> Response {
    let changes_data = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let opens_socket = request
        .headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if (changes_data || opens_socket) && is_cross_site(request.headers()) {
        return (
            StatusCode::FORBIDDEN,
            Json(serde_json::json!({ "error": "cross-site request refused" })),
        )
            .into_response();
    }
    next.run(request).await
}

pub fn is_cross_site(headers: &HeaderMap) -> bool {
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return true;
    }
    match (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        (Some("null"), _) => true,
        (Some(origin), Some(host)) => origin.split_once("://").map(|(_, rest)| rest) != Some(host),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (header::HeaderName::from_static(k), v.parse().unwrap()))
            .collect()
    }

    #[test]
    fn a_post_from_our_own_page_passes() {
        assert!(!is_cross_site(&headers(&[
            ("origin", "http://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(
            !is_cross_site(&headers(&[("host", "127.0.0.1:3000")])),
            "no Origin: a non-browser client"
        );
    }

    #[test]
    fn a_post_from_another_site_is_refused() {
        assert!(is_cross_site(&headers(&[
            ("origin", "https://evil.example"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(is_cross_site(&headers(&[
            ("origin", "null"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(is_cross_site(&headers(&[
            ("sec-fetch-site", "cross-site"),
            ("host", "127.0.0.1:3000")
        ])));
    }
}
