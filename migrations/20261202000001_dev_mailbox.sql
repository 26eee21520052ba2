-- Mail kept by the development mail catcher (setting dev_mail_catcher), read on /dashboard/mailbox.
CREATE TABLE dev_mailbox (
    id BIGSERIAL PRIMARY KEY,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    mail_from TEXT NOT NULL,
    rcpt_to TEXT[] NOT NULL,
    subject TEXT NOT NULL,
    -- The text body, MIME decoded; `raw` is the message exactly as sent.
    body TEXT NOT NULL,
    raw TEXT NOT NULL
);
