-- An invoice as the tables show it: with its customer.
CREATE VIEW invoice_rows AS
    SELECT i.id, i.amount_cents, i.status, i.date, i.created_at, c.name, c.email, c.image_url
    FROM invoices i JOIN customers c ON c.id = i.customer_id;

-- The invoices search, one definition for the page and its count: customer name, email, amount
-- (as cents or dollars), date and status, ignoring case. `pattern` is the query as a LIKE
-- pattern; an empty `query` matches every row. A plain SQL function: the planner inlines it.
CREATE FUNCTION invoice_row_matches(r invoice_rows, query TEXT, pattern TEXT) RETURNS BOOLEAN
LANGUAGE sql STABLE AS $$
    SELECT query = '' OR r.name ILIKE pattern OR r.email ILIKE pattern
        OR r.amount_cents::text ILIKE pattern
        OR to_char(r.amount_cents / 100.0, 'FM999999990.00') ILIKE pattern
        OR r.date::text ILIKE pattern OR r.status ILIKE pattern
$$;
