-- Who may do what: a role per user (viewer < editor < admin), users that can be disabled,
-- one-time passwords, API tokens for the produce API, and the audit trail of every change.
ALTER TABLE users
    ADD COLUMN role TEXT NOT NULL DEFAULT 'viewer' CHECK (role IN ('viewer', 'editor', 'admin')),
    ADD COLUMN disabled_at TIMESTAMPTZ,
    -- Set for a password an admin chose: its owner must choose their own before anything else.
    ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT false;
-- Before roles every user could do everything: they keep it.
UPDATE users SET role = 'admin';

CREATE TABLE api_tokens (
    id           UUID PRIMARY KEY,
    name         TEXT NOT NULL,
    -- SHA-256 of the token (256 random bits: a fast hash is enough, nothing to guess).
    token_hash   BYTEA NOT NULL UNIQUE,
    created_by   UUID REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);

-- Every change made by a person or a token, once, with who, when, what and the outcome.
-- (audit_log is the processor's record of invoice changes, as in the users' guide.)
CREATE TABLE audit_trail (
    id          BIGSERIAL PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor_user  UUID,
    actor_token UUID,
    -- Who, as a reader names them: a user's email, `token:<name>`, or `anonymous`.
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL DEFAULT '',
    outcome     TEXT NOT NULL,
    details     JSONB NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_trail_newest ON audit_trail (at DESC, id DESC);
CREATE INDEX audit_trail_actor ON audit_trail (actor, at DESC);
CREATE INDEX audit_trail_action ON audit_trail (action, at DESC);
CREATE INDEX audit_trail_sign_ins ON audit_trail (actor_user, at DESC) WHERE action = 'sign_in';

-- The person behind an invoice change, as the event named them.
ALTER TABLE audit_log ADD COLUMN acted_by TEXT;
