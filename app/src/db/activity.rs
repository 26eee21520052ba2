use crate::events::{ActivityItem, FeedFilter};
use sqlx::PgPool;

/// `seq` of the newest item, 0 for an empty feed: everything up to here is in the database.
pub async fn position(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT COALESCE(MAX(seq), 0) AS "position!" FROM activity_items"#)
        .fetch_one(pool)
        .await
}

/// The newest items that match `filter`, newest first.
pub async fn newest(
    pool: &PgPool,
    filter: &FeedFilter,
    limit: i64,
) -> Result<Vec<ActivityItem>, sqlx::Error> {
    older_than(pool, filter, None, limit).await
}

/// Up to `limit` items older than `before` (any when `None`) that match `filter`, newest first:
/// one page of a long read.
pub async fn older_than(
    pool: &PgPool,
    filter: &FeedFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<ActivityItem>, sqlx::Error> {
    let rows = sqlx::query_scalar!(
        r#"SELECT item AS "item: sqlx::types::Json<ActivityItem>" FROM activity_items
         WHERE ($1::text IS NULL OR item->>'action' = $1) AND ($2::text IS NULL OR item->>'customerId' = $2)
           AND ($4::bigint IS NULL OR seq < $4)
         ORDER BY seq DESC LIMIT $3"#,
        filter.action,
        filter.customer,
        limit,
        before,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|item| item.0).collect())
}

/// The first `limit` items after `after` up to and including `until` that match `filter`,
/// oldest first: what a reconnecting browser missed (or one page of it).
pub async fn between(
    pool: &PgPool,
    after: i64,
    until: i64,
    filter: &FeedFilter,
    limit: i64,
) -> Result<Vec<ActivityItem>, sqlx::Error> {
    let rows = sqlx::query_scalar!(
        r#"SELECT item AS "item: sqlx::types::Json<ActivityItem>" FROM activity_items
         WHERE seq > $1 AND seq <= $2
           AND ($3::text IS NULL OR item->>'action' = $3) AND ($4::text IS NULL OR item->>'customerId' = $4)
         ORDER BY seq LIMIT $5"#,
        after,
        until,
        filter.action,
        filter.customer,
        limit,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|item| item.0).collect())
}
