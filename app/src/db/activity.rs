use crate::events::ActivityItem;
use sqlx::PgPool;

/// The newest feed items, newest first.
pub async fn newest(pool: &PgPool, limit: i64) -> Result<Vec<ActivityItem>, sqlx::Error> {
    let rows: Vec<(sqlx::types::Json<ActivityItem>,)> =
        sqlx::query_as("SELECT item FROM activity_items ORDER BY seq DESC LIMIT $1").bind(limit).fetch_all(pool).await?;
    Ok(rows.into_iter().map(|(item,)| item.0).collect())
}

/// Items after `after` up to and including `until`, oldest first: what a reconnecting
/// browser missed.
pub async fn between(pool: &PgPool, after: i64, until: i64) -> Result<Vec<ActivityItem>, sqlx::Error> {
    let rows: Vec<(sqlx::types::Json<ActivityItem>,)> =
        sqlx::query_as("SELECT item FROM activity_items WHERE seq > $1 AND seq <= $2 ORDER BY seq")
            .bind(after)
            .bind(until)
            .fetch_all(pool)
            .await?;
    Ok(rows.into_iter().map(|(item,)| item.0).collect())
}
