use crate::models::CustomerField;
use sqlx::PgPool;

/// Customers for the invoice form's select, by name.
pub async fn all_for_select(pool: &PgPool) -> Result<Vec<CustomerField>, sqlx::Error> {
    sqlx::query_as("SELECT id, name FROM customers ORDER BY name").fetch_all(pool).await
}
