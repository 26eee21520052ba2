//! The Next.js Learn demo data, inserted when missing (running it again changes nothing).

use sqlx::PgPool;
use uuid::Uuid;

pub const DEMO_EMAIL: &str = "user@nextmail.com";
const DEMO_PASSWORD: &str = "123456";

/// The demo users: the guide's (an admin, so every step of the guide works), one editor and one
/// viewer, all with the guide's password. (id, name, email, role)
pub const DEMO_USERS: [(&str, &str, &str, &str); 3] = [
    (
        "410544b2-4001-4271-9855-fec4b6a6442a",
        "User",
        DEMO_EMAIL,
        "admin",
    ),
    (
        "5eed0000-0000-4000-8000-00000000ed17",
        "Edith Editor",
        "editor@nextmail.com",
        "editor",
    ),
    (
        "5eed0000-0000-4000-8000-0000000071e3",
        "Victor Viewer",
        "viewer@nextmail.com",
        "viewer",
    ),
];

/// (id, name, email, avatar)
const CUSTOMERS: [(&str, &str, &str, &str); 6] = [
    (
        "d6e15727-9fe1-4961-8c5b-ea44a9bd81aa",
        "Evil Rabbit",
        "evil@rabbit.com",
        "/customers/evil-rabbit.svg",
    ),
    (
        "3958dc9e-712f-4377-85e9-fec4b6a6442a",
        "Delba de Oliveira",
        "delba@oliveira.com",
        "/customers/delba-de-oliveira.svg",
    ),
    (
        "3958dc9e-742f-4377-85e9-fec4b6a6442a",
        "Lee Robinson",
        "lee@robinson.com",
        "/customers/lee-robinson.svg",
    ),
    (
        "76d65c26-f784-44a2-ac19-586678f7c2f2",
        "Michael Novotny",
        "michael@novotny.com",
        "/customers/michael-novotny.svg",
    ),
    (
        "cc27c14a-0acf-4f4a-a6c9-d45682c144b9",
        "Amy Burns",
        "amy@burns.com",
        "/customers/amy-burns.svg",
    ),
    (
        "13d07535-c59e-4157-a011-f8d2ef4e0cbb",
        "Balazs Orban",
        "balazs@orban.com",
        "/customers/balazs-orban.svg",
    ),
];

/// (customer index, cents, status, date). Ids are fixed so that seeding is idempotent.
const INVOICES: [(usize, i64, &str, &str); 13] = [
    (0, 15795, "pending", "2022-12-06"),
    (1, 20348, "pending", "2022-11-14"),
    (4, 3040, "paid", "2022-10-29"),
    (3, 44800, "paid", "2023-09-10"),
    (5, 34577, "pending", "2023-08-05"),
    (2, 54246, "pending", "2023-07-16"),
    (0, 666, "pending", "2023-06-27"),
    (3, 32545, "paid", "2023-06-09"),
    (4, 1250, "paid", "2023-06-17"),
    (5, 8546, "paid", "2023-06-07"),
    (1, 500, "paid", "2023-08-19"),
    (5, 8945, "paid", "2023-06-03"),
    (2, 1000, "paid", "2022-06-05"),
];

/// Dollars per month, as in the Next.js data; stored in cents.
const REVENUE: [(&str, i64); 12] = [
    ("Jan", 2000),
    ("Feb", 1800),
    ("Mar", 2200),
    ("Apr", 2500),
    ("May", 2300),
    ("Jun", 3200),
    ("Jul", 3500),
    ("Aug", 3700),
    ("Sep", 2500),
    ("Oct", 2800),
    ("Nov", 3000),
    ("Dec", 4800),
];

pub async fn demo_data(
    pool: &PgPool,
    cost: app::auth::password_checks::PasswordCost,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    for (id, name, email, role) in DEMO_USERS {
        let has_user = sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT 1 FROM users WHERE email = $1) AS "exists!""#,
            email,
        )
        .fetch_one(&mut *tx)
        .await?;
        if has_user {
            continue;
        }
        let hash = cost
            .hash(DEMO_PASSWORD)
            .map_err(|e| sqlx::Error::Protocol(format!("hashing the demo password: {e}")))?;
        sqlx::query!(
            "INSERT INTO users (id, name, email, password, role) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (email) DO NOTHING",
            Uuid::parse_str(id).expect("valid uuid"),
            name,
            email,
            hash,
            role,
        )
        .execute(&mut *tx)
        .await?;
    }
    for (id, name, email, image) in CUSTOMERS {
        sqlx::query!(
            "INSERT INTO customers (id, name, email, image_url) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
            Uuid::parse_str(id).expect("valid uuid"),
            name,
            email,
            image,
        )
        .execute(&mut *tx)
        .await?;
    }
    for (n, (customer, cents, status, date)) in INVOICES.iter().enumerate() {
        let id = Uuid::from_u128(0x5eed_0000_0000_4000_8000_0000_0000_0000 + n as u128 + 1);
        sqlx::query!(
            "INSERT INTO invoices (id, customer_id, amount_cents, status, date, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5::text::date, $5::text::date, $5::text::date) ON CONFLICT (id) DO NOTHING",
            id,
            Uuid::parse_str(CUSTOMERS[*customer].0).expect("valid uuid"),
            cents,
            status,
            date,
        )
        .execute(&mut *tx)
        .await?;
    }
    for (i, (month, dollars)) in REVENUE.iter().enumerate() {
        sqlx::query!(
            "INSERT INTO revenue (month_number, month, revenue_cents) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            i as i16 + 1,
            month,
            dollars * 100,
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}
