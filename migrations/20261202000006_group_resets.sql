-- Resets of a consumer group's committed offsets (replay from the earliest, a time or given
-- offsets). While a reset of the processor group is `pausing` and before `pause_until`, every
-- server process stops its processor's consumer (the group must have no members for Kafka to
-- take new offsets); `done` or `failed` resumes them, and so does `pause_until` passing (a
-- coordinator that died mid-way cannot hold the processors for good).
CREATE TABLE group_resets (
    id bigserial PRIMARY KEY,
    group_id text NOT NULL,
    topic text NOT NULL,
    -- as app::kafka_tools::ResetTo serializes: "earliest" | {"time": <ms since 1970>} | {"offsets": [[partition, offset], ...]}
    target jsonb NOT NULL,
    requested_by text NOT NULL,
    requested_at timestamptz NOT NULL DEFAULT now(),
    pause_until timestamptz NOT NULL,
    state text NOT NULL DEFAULT 'pausing' CHECK (state IN ('pausing', 'done', 'failed')),
    -- Events the group reads again, and per partition [partition, from, to].
    rereads bigint,
    moved jsonb,
    error text,
    finished_at timestamptz
);

-- One reset of a group at a time.
CREATE UNIQUE INDEX group_resets_one_at_a_time ON group_resets (group_id) WHERE state = 'pausing';
CREATE INDEX group_resets_newest ON group_resets (requested_at DESC);
