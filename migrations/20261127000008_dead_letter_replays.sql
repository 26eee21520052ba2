-- Dead letters sent back to their topic (by acmectl or the Kafka page): the letter stays on the
-- dead-letter topic (Kafka is append-only); this says it was replayed, when, and to where.
CREATE TABLE dead_letter_replays (
    dlq_topic      TEXT        NOT NULL,
    dlq_partition  INTEGER     NOT NULL,
    dlq_offset     BIGINT      NOT NULL,
    topic          TEXT        NOT NULL,
    kafka_partition INTEGER    NOT NULL,
    kafka_offset   BIGINT      NOT NULL,
    replayed_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (dlq_topic, dlq_partition, dlq_offset, replayed_at)
);
