-- Transactional outbox: a change and the event that announces it are committed together;
-- the relay publishes unpublished rows to Kafka in id order and then stamps published_at.
CREATE TABLE outbox (
    id            BIGSERIAL PRIMARY KEY,
    event_id      UUID NOT NULL UNIQUE,
    topic         TEXT NOT NULL,
    message_key   TEXT NOT NULL,
    event_type    TEXT NOT NULL,
    payload       JSONB NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    published_at  TIMESTAMPTZ,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT
);
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;

-- Wake the relay the moment a row is committed (NOTIFY is delivered at commit).
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox_new', '');
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- Which invoice events the processor has handled: written in the same transaction as the
-- handling, so a redelivered event is recognised and changes nothing.
CREATE TABLE processed_events (
    event_id      UUID PRIMARY KEY,
    invoice_id    TEXT NOT NULL,
    action        TEXT NOT NULL,
    kafka_topic   TEXT NOT NULL,
    kafka_partition INTEGER NOT NULL,
    kafka_offset  BIGINT NOT NULL,
    processed_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The activity feed: one row per processed event. seq orders the feed and lets a browser
-- that reconnects ask for everything after the last item it has.
CREATE TABLE activity_items (
    seq          BIGSERIAL PRIMARY KEY,
    event_id     UUID NOT NULL UNIQUE REFERENCES processed_events (event_id),
    item         JSONB NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
