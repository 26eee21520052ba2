-- What the processor does for each event, recorded in the same transaction as the
-- processed_events row: a redelivered event finds its row and does nothing twice.
CREATE TABLE follow_up_tasks (
    id          BIGSERIAL PRIMARY KEY,
    event_id    UUID NOT NULL UNIQUE REFERENCES processed_events (event_id),
    invoice_id  UUID NOT NULL,
    title       TEXT NOT NULL,
    due_on      DATE NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE audit_log (
    id          BIGSERIAL PRIMARY KEY,
    event_id    UUID NOT NULL UNIQUE REFERENCES processed_events (event_id),
    invoice_id  UUID NOT NULL,
    action      TEXT NOT NULL,
    before      JSONB NOT NULL,
    after       JSONB NOT NULL,
    at          TIMESTAMPTZ NOT NULL
);

-- Deleted invoices, kept for compliance.
CREATE TABLE invoice_archive (
    id          BIGSERIAL PRIMARY KEY,
    event_id    UUID NOT NULL UNIQUE REFERENCES processed_events (event_id),
    invoice_id  UUID NOT NULL,
    data        JSONB NOT NULL,
    archived_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Running figures: invoices_created, amount_created_cents, revenue_collected_cents...
CREATE TABLE invoice_analytics (
    metric      TEXT PRIMARY KEY,
    value       BIGINT NOT NULL DEFAULT 0,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One row per payment (an invoice turning paid at a moment). An update that flips the
-- status emits both `updated` and `status_changed`; the payment actions run once.
CREATE TABLE payments (
    invoice_id  UUID NOT NULL,
    paid_at     TIMESTAMPTZ NOT NULL,
    event_id    UUID NOT NULL REFERENCES processed_events (event_id),
    amount_cents BIGINT NOT NULL,
    PRIMARY KEY (invoice_id, paid_at)
);

-- Mail and webhooks to send, each once: decided in the processor's transaction, delivered
-- (and stamped sent_at) by their senders, so a crash in between neither loses nor repeats one.
CREATE TABLE email_outbox (
    id          BIGSERIAL PRIMARY KEY,
    dedupe_key  TEXT NOT NULL UNIQUE,
    event_id    UUID NOT NULL REFERENCES processed_events (event_id),
    kind        TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at     TIMESTAMPTZ,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT
);

CREATE TABLE webhook_outbox (
    id          BIGSERIAL PRIMARY KEY,
    dedupe_key  TEXT NOT NULL UNIQUE,
    event_id    UUID NOT NULL REFERENCES processed_events (event_id),
    target      TEXT NOT NULL CHECK (target IN ('accounting', 'finance', 'team_chat')),
    body        JSONB NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at     TIMESTAMPTZ,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT
);
