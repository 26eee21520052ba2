//! The activity feed's server functions: where the feed stands (the tab's live connection
//! starts after it), its first page for a filter, and what a tab missed in between. Pages and
//! the live layer call them; the feed's store is `db::activity`.

use crate::errors::AppError;
use crate::events::ActivityItem;
#[cfg(feature = "ssr")]
use crate::events::FeedFilter;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// How many items the server renders into the feed page.
pub const FIRST_PAGE: i64 = 50;

/// The newest feed item's `seq` as the page is rendered: the tab's connection asks for
/// everything after it, so nothing that happens between rendering and connecting is missed.
#[server(endpoint = "feed_position")]
pub async fn feed_position() -> Result<i64, AppError> {
    let state = crate::state::app_state()?;
    crate::db::activity::position(&state.pool)
        .await
        .map_err(|e| AppError::unavailable("could not read the feed position", &e))
}

/// The first page of the feed for one filter, and the feed's position when it was read:
/// every item up to `position` that matches is in `items` (or older than its 50).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeedPage {
    pub items: Vec<ActivityItem>,
    pub position: i64,
}

impl FeedPage {
    /// Items above this come from the live connection. `items` may hold a few committed just
    /// after `position` was read; `seq` order is commit order, so nothing below their newest
    /// is missing from the page.
    pub fn covered_up_to(&self) -> i64 {
        self.items
            .first()
            .map(|i| i.seq)
            .unwrap_or(0)
            .max(self.position)
    }
}

#[server(endpoint = "activity_feed")]
pub async fn activity_feed(
    action: Option<String>,
    customer: Option<String>,
) -> Result<FeedPage, AppError> {
    let state = crate::state::app_state()?;
    let filter = FeedFilter::new(action, customer);
    let read = async {
        // The position first, so that nothing committed between the two reads is missed.
        let position = crate::db::activity::position(&state.pool).await?;
        let items = crate::db::activity::newest(&state.pool, &filter, FIRST_PAGE).await?;
        Ok::<_, sqlx::Error>(FeedPage { items, position })
    };
    read.await
        .map_err(|e| AppError::unavailable("could not load the activity feed", &e))
}

/// The most items one `activity_between` call answers with.
#[cfg(feature = "ssr")]
const MAX_BETWEEN: i64 = 5_000;

/// Items after `after` up to `until` that match the filter, oldest first: what happened
/// between the page being rendered and the tab's live connection starting.
#[server(endpoint = "activity_between")]
pub async fn activity_between(
    after: i64,
    until: i64,
    action: Option<String>,
    customer: Option<String>,
) -> Result<Vec<ActivityItem>, AppError> {
    let state = crate::state::app_state()?;
    let until = until.min(after + MAX_BETWEEN);
    crate::db::activity::between(
        &state.pool,
        after,
        until,
        &FeedFilter::new(action, customer),
        MAX_BETWEEN,
    )
    .await
    .map_err(|e| AppError::unavailable("could not load the activity feed", &e))
}
