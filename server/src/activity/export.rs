//! `GET /api/activity/export?action=…&customer=…`: the filtered feed as a JSON file, newest
//! first (up to the setting `export_max_items`). Needs the session like every other `/api`
//! route. The file is read and written a page at a time: an export holds one page, however
//! long the file.

use crate::state::ServerState;
use app::events::{Action, ActivityItem, FeedFilter};
use axum::{
    body::{Body, Bytes},
    extract::{Query, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;
use sqlx::PgPool;

/// Items read from the database at a time.
const PAGE: i64 = 500;

#[derive(Deserialize)]
pub struct ExportQuery {
    action: Option<String>,
    customer: Option<String>,
}

pub async fn export(
    State(state): State<ServerState>,
    Query(query): Query<ExportQuery>,
) -> Response {
    let filter = FeedFilter::new(query.action, query.customer);
    if let Some(action) = &filter.action {
        if Action::in_the_feed(action).is_none() {
            let names: Vec<_> = Action::IN_THE_FEED.iter().map(|a| a.as_str()).collect();
            let reason = format!("unknown action `{action}`; one of {}", names.join(", "));
            return (
                StatusCode::BAD_REQUEST,
                Json(serde_json::json!({ "error": reason })),
            )
                .into_response();
        }
    }
    let max = state.export_max_items;
    // The first page before answering, so that an unreachable database answers 503.
    match app::db::activity::older_than(&state.app.pool, &filter, None, PAGE.min(max)).await {
        Ok(first) => {
            let name = format!(
                "activity-{}.json",
                chrono::Utc::now().format("%Y%m%d-%H%M%S")
            );
            let pages = Pages {
                pool: state.app.pool.clone(),
                filter,
                ready: Some(first),
                before: None,
                left: max,
                written: 0,
                done: false,
            };
            (
                [
                    (header::CONTENT_TYPE, "application/json".to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{name}\""),
                    ),
                ],
                // Fused: a compressing layer may poll again after the end.
                Body::from_stream(futures::StreamExt::fuse(futures::stream::unfold(
                    pages,
                    Pages::next,
                ))),
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

/// Where an export stands: the JSON array is written page by page.
struct Pages {
    pool: PgPool,
    filter: FeedFilter,
    /// A page read and not yet written (the first).
    ready: Option<Vec<ActivityItem>>,
    /// The seq of the last item written: the next page is older.
    before: Option<i64>,
    left: i64,
    written: usize,
    done: bool,
}

impl Pages {
    /// The next piece of the file: the opening bracket with the first page, each page after,
    /// the closing bracket with the last. A database error cuts the file short.
    async fn next(mut self) -> Option<(Result<Bytes, std::io::Error>, Self)> {
        if self.done {
            return None;
        }
        let asked = PAGE.min(self.left);
        let page = match self.ready.take() {
            Some(page) => page,
            None => {
                match app::db::activity::older_than(&self.pool, &self.filter, self.before, asked)
                    .await
                {
                    Ok(page) => page,
                    Err(e) => {
                        tracing::error!(error = %e, "an activity export was cut short");
                        self.done = true;
                        return Some((Err(std::io::Error::other(e)), self));
                    }
                }
            }
        };
        let mut chunk = String::with_capacity(page.len() * 400 + 2);
        if self.written == 0 && self.before.is_none() {
            chunk.push('[');
        }
        for item in &page {
            if self.written > 0 {
                chunk.push(',');
            }
            match serde_json::to_string(item) {
                Ok(json) => chunk.push_str(&json),
                Err(e) => {
                    self.done = true;
                    return Some((Err(std::io::Error::other(e)), self));
                }
            }
            self.written += 1;
            self.before = Some(item.seq);
        }
        self.left -= page.len() as i64;
        if (page.len() as i64) < asked || self.left <= 0 {
            chunk.push(']');
            self.done = true;
        }
        Some((Ok(Bytes::from(chunk)), self))
    }
}
