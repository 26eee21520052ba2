use crate::models::{CardFigures, RevenueMonth};
use sqlx::PgPool;

pub async fn cards(pool: &PgPool) -> Result<CardFigures, sqlx::Error> {
    sqlx::query_as!(
        CardFigures,
        r#"SELECT COALESCE(sum(amount_cents) FILTER (WHERE status = 'paid'), 0)::bigint AS "collected_cents!",
                COALESCE(sum(amount_cents) FILTER (WHERE status = 'pending'), 0)::bigint AS "pending_cents!",
                count(*) AS "invoices!",
                (SELECT count(*) FROM customers) AS "customers!"
         FROM invoices"#,
    )
    .fetch_one(pool)
    .await
}

pub async fn revenue(pool: &PgPool) -> Result<Vec<RevenueMonth>, sqlx::Error> {
    sqlx::query_as!(
        RevenueMonth,
        "SELECT month, revenue_cents FROM revenue ORDER BY month_number"
    )
    .fetch_all(pool)
    .await
}
