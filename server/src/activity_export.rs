//! `GET /api/activity/export?action=…&customer=…`: the filtered feed as a JSON file, newest
//! first (up to EXPORT_LIMIT items). Needs the session like every other `/api` route.

use crate::startup::AppState;
use app::events::FeedFilter;
use axum::{
    extract::{Query, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;

pub const EXPORT_LIMIT: i64 = 10_000;

#[derive(Deserialize)]
pub struct ExportQuery {
    action: Option<String>,
    customer: Option<String>,
}

pub async fn export(State(state): State<AppState>, Query(query): Query<ExportQuery>) -> Response {
    let filter = FeedFilter::new(query.action, query.customer);
    if let Some(action) = &filter.action {
        if !app::events::action::FEED_ACTIONS.contains(&action.as_str()) {
            let reason = format!(
                "unknown action `{action}`; one of {}",
                app::events::action::FEED_ACTIONS.join(", ")
            );
            return (
                StatusCode::BAD_REQUEST,
                Json(serde_json::json!({ "error": reason })),
            )
                .into_response();
        }
    }
    match app::db::activity::newest(&state.app.pool, &filter, EXPORT_LIMIT).await {
        Ok(items) => {
            let name = format!(
                "activity-{}.json",
                chrono::Utc::now().format("%Y%m%d-%H%M%S")
            );
            (
                [(
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                )],
                Json(items),
            )
                .into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "exporting the activity feed failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({ "error": "the database is not reachable" })),
            )
                .into_response()
        }
    }
}
