//! `GET /api/audit/export?person=…&action=…&since=…&until=…` (admins): the filtered audit
//! trail as a JSON file, newest first, up to the setting `export_max_items` entries.

use crate::state::ServerState;
use axum::{
    extract::{Query, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;

/// Entries read from the database at a time.
const PAGE: i64 = 500;

#[derive(Deserialize)]
pub struct ExportQuery {
    person: Option<String>,
    action: Option<String>,
    since: Option<String>,
    until: Option<String>,
}

pub async fn export(
    State(state): State<ServerState>,
    Query(query): Query<ExportQuery>,
) -> Response {
    let filter =
        match app::routes::audit::filter_of(query.person, query.action, query.since, query.until) {
            Ok(filter) => filter,
            Err(e) => return (StatusCode::BAD_REQUEST, Json(e)).into_response(),
        };
    let mut entries = Vec::new();
    let mut before = None;
    while (entries.len() as i64) < state.export_max_items {
        let want = PAGE.min(state.export_max_items - entries.len() as i64);
        match app::audit::entries(&state.app.pool, &filter, before, want).await {
            Ok(page) => {
                let full = page.len() as i64 == want;
                before = page.last().map(|e| e.id);
                entries.extend(page);
                if !full {
                    break;
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "audit export failed");
                let error = app::errors::AppError::Unavailable {
                    error: "the database is unavailable; try again".into(),
                };
                return (StatusCode::SERVICE_UNAVAILABLE, Json(error)).into_response();
            }
        }
    }
    let name = format!("audit-{}.json", chrono::Utc::now().format("%Y%m%d-%H%M%S"));
    (
        [(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        )],
        Json(entries),
    )
        .into_response()
}
