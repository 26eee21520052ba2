-- Events whose processing failed for now. Parking them lets other invoices' events flow; an
-- invoice with a parked event parks its later events too, so its own order holds. The
-- parked-events worker retries the oldest of each invoice with backoff.
CREATE TABLE parked_events (
    id              BIGSERIAL PRIMARY KEY,
    invoice_key     TEXT NOT NULL,
    kafka_topic     TEXT NOT NULL,
    kafka_partition INTEGER NOT NULL,
    kafka_offset    BIGINT NOT NULL,
    message_key     BYTEA,
    payload         BYTEA,
    headers         JSONB NOT NULL DEFAULT '[]',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_error      TEXT,
    parked_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (kafka_topic, kafka_partition, kafka_offset)
);
CREATE INDEX parked_events_by_invoice ON parked_events (invoice_key, id);
