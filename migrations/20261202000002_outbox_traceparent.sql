-- The W3C traceparent of the work that wrote the row: the relay sends it as a Kafka header, so
-- one trace id follows an invoice change from the server function to the browsers.
ALTER TABLE outbox ADD COLUMN traceparent TEXT;
