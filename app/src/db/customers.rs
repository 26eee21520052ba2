use crate::models::{CustomerField, CustomerRow};
use sqlx::PgPool;

/// Customers for the invoice form's select, by name.
pub async fn all_for_select(pool: &PgPool) -> Result<Vec<CustomerField>, sqlx::Error> {
    sqlx::query_as!(
        CustomerField,
        "SELECT id, name FROM customers ORDER BY name"
    )
    .fetch_all(pool)
    .await
}

/// Customers whose name or email matches, with their invoice totals, in one query.
pub async fn table(pool: &PgPool, query: &str) -> Result<Vec<CustomerRow>, sqlx::Error> {
    sqlx::query_as!(
        CustomerRow,
        r#"SELECT c.id, c.name, c.email, c.image_url,
                count(i.id) AS "total_invoices!",
                COALESCE(sum(i.amount_cents) FILTER (WHERE i.status = 'pending'), 0)::bigint AS "total_pending!",
                COALESCE(sum(i.amount_cents) FILTER (WHERE i.status = 'paid'), 0)::bigint AS "total_paid!"
         FROM customers c LEFT JOIN invoices i ON i.customer_id = c.id
         WHERE c.name ILIKE $1 OR c.email ILIKE $1
         GROUP BY c.id ORDER BY c.name"#,
        super::invoices::like_pattern(query),
    )
    .fetch_all(pool)
    .await
}
