-- Failed logins, to slow down password guessing per account and per address.
CREATE TABLE login_failures (
    id       BIGSERIAL PRIMARY KEY,
    email    TEXT NOT NULL,
    address  TEXT NOT NULL,
    at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_email ON login_failures (email, at);
CREATE INDEX login_failures_address ON login_failures (address, at);
