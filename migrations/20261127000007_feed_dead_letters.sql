-- Dead letters show in the activity feed too; they have no processed_events row (a replayed
-- dead letter must still be processable), so the feed no longer requires one.
ALTER TABLE activity_items DROP CONSTRAINT activity_items_event_id_fkey;
-- Filtering the feed by customer or action.
CREATE INDEX activity_items_customer ON activity_items ((item->>'customerId'), seq DESC);
CREATE INDEX activity_items_action ON activity_items ((item->>'action'), seq DESC);
