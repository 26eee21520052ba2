-- Which processor process handled each event (host:pid), for the event's journey.
ALTER TABLE processed_events ADD COLUMN processed_by TEXT;
