-- The Next.js Learn dashboard's tables, with real types: money in integer cents,
-- a constrained status, a foreign key from invoice to customer, and timestamps.
CREATE TABLE users (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL UNIQUE,
    password    TEXT NOT NULL, -- an argon2 PHC string, never the password itself
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE customers (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL,
    image_url   TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE invoices (
    id           UUID PRIMARY KEY,
    customer_id  UUID NOT NULL REFERENCES customers (id),
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
    status       TEXT NOT NULL CHECK (status IN ('pending', 'paid')),
    date         DATE NOT NULL DEFAULT CURRENT_DATE,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX invoices_customer_id ON invoices (customer_id);
CREATE INDEX invoices_newest_first ON invoices (date DESC, created_at DESC);

CREATE TABLE revenue (
    month_number SMALLINT PRIMARY KEY CHECK (month_number BETWEEN 1 AND 12),
    month        TEXT NOT NULL UNIQUE,
    revenue_cents BIGINT NOT NULL CHECK (revenue_cents >= 0)
);
