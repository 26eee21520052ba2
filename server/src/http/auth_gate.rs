//! Who may reach what. Every request's user is looked up (so a disabled user's session ends at
//! once, on every server process, and a new role holds from the next request); then the one
//! rule table (`app::auth::rules`) decides: pages under /dashboard need a session (else a
//! redirect to the login page that comes back), server functions and our routes answer 401
//! without one and 403 with a JSON reason for a role below their rule, or for one with no rule
//! at all. Requests that change data must come from our own pages.

use app::auth::roles::Actor;
use app::auth::rules::{self, Rule};
use app::auth::USER_ID_KEY;
use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
    Json,
};
use sqlx::PgPool;
use tower_sessions::Session;
use uuid::Uuid;

#[derive(Clone)]
pub struct Access {
    /// The token from settings: `Authorization: Bearer <token>` opens the token paths as an
    /// admin (kept for compatibility; tokens made on the users page are named and revocable).
    pub api_token: Option<String>,
    pub pool: PgPool,
}

/// What the settings' token is called in the audit trail.
pub const SETTINGS_TOKEN: &str = "token:settings";

impl Access {
    fn settings_token_matches(&self, offered: &str) -> bool {
        match &self.api_token {
            // Compare in constant time: the token is a secret.
            Some(token) => {
                token.len() == offered.len()
                    && token
                        .bytes()
                        .zip(offered.bytes())
                        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                        == 0
            }
            None => false,
        }
    }

    /// Who is asking: the session's user (if still enabled), else a valid API token on a path
    /// that takes tokens. `Err` is the answer when the database cannot say.
    async fn actor(
        &self,
        session: &Session,
        path: &str,
        headers: &HeaderMap,
    ) -> Result<Option<Actor>, Response> {
        let unavailable = |e: sqlx::Error| {
            tracing::error!(error = %e, "cannot look up who is asking");
            let reason = "the database is unavailable; try again";
            refuse(StatusCode::SERVICE_UNAVAILABLE, "unavailable", reason)
        };
        if let Some(id) = session.get::<Uuid>(USER_ID_KEY).await.ok().flatten() {
            match app::db::users::actor(&self.pool, id).await {
                Ok(Some(actor)) => return Ok(Some(actor)),
                // Disabled or removed: the session ends here.
                Ok(None) => {
                    let _ = session.flush().await;
                }
                Err(e) => return Err(unavailable(e)),
            }
        }
        let offered = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let Some(offered) = offered.filter(|_| rules::TOKEN_PATHS.contains(&path)) else {
            return Ok(None);
        };
        if self.settings_token_matches(offered) {
            return Ok(Some(Actor::operator(None, SETTINGS_TOKEN.into())));
        }
        app::db::api_tokens::actor(&self.pool, offered)
            .await
            .map_err(unavailable)
    }
}

fn refuse(status: StatusCode, kind: &str, error: impl Into<String>) -> Response {
    (
        status,
        Json(serde_json::json!({ "kind": kind, "error": error.into() })),
    )
        .into_response()
}

pub async fn require_session(
    State(access): State<Access>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_string();
    let page = path == "/dashboard" || path.starts_with("/dashboard/");
    let call = path.starts_with("/api/") || path.starts_with("/ws/");
    // The site's assets, the landing page, /healthz: open to all, no lookups.
    if !page && !call && path != "/login" {
        return next.run(request).await;
    }
    let actor = match access.actor(&session, &path, request.headers()).await {
        Ok(actor) => actor,
        Err(answer) => return answer,
    };
    let rule = rules::for_call(&path, request.method().as_str());
    match actor {
        Some(actor) => {
            if path == "/login" {
                return Redirect::to("/dashboard").into_response();
            }
            if actor.must_change_password && !rules::open_before_password_change(&path) {
                if page {
                    return Redirect::to("/dashboard/account").into_response();
                }
                if call {
                    return refuse(
                        StatusCode::FORBIDDEN,
                        "forbidden",
                        "choose your own password first (/dashboard/account)",
                    );
                }
            }
            if call {
                match rule {
                    None => {
                        tracing::warn!(%path, "refused: no access rule (app::auth::rules)");
                        return refuse(
                            StatusCode::FORBIDDEN,
                            "forbidden",
                            format!("{path} has no access rule"),
                        );
                    }
                    Some(Rule::AtLeast(needed)) if !actor.may(needed) => {
                        tracing::info!(%path, actor = %actor.name, role = %actor.role, "refused by role");
                        let reason = app::auth::ssr::refusal(&actor, needed);
                        return refuse(StatusCode::FORBIDDEN, "forbidden", reason.reason());
                    }
                    Some(_) => {}
                }
            }
            request.extensions_mut().insert(actor);
        }
        None => {
            if page {
                let asked_for = request
                    .uri()
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or(&path);
                let target = format!("/login?callbackUrl={}", urlencoding::encode(asked_for));
                return Redirect::to(&target).into_response();
            }
            if call && rule != Some(Rule::Public) {
                return refuse(StatusCode::UNAUTHORIZED, "unauthorized", "not signed in");
            }
        }
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
