-- When a failed mail or webhook may be tried again (backoff).
ALTER TABLE email_outbox ADD COLUMN next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now();
ALTER TABLE webhook_outbox ADD COLUMN next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now();
CREATE INDEX email_outbox_due ON email_outbox (next_attempt_at) WHERE sent_at IS NULL;
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at) WHERE sent_at IS NULL;
