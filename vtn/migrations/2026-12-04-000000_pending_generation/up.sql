-- A queued distribute is rendered at delivery, so a change made while a push
-- is in flight must not be deleted with the copy that was sent: every new
-- distribute for the VEN bumps the row's generation, and a delivery deletes
-- only the generation it sent.
ALTER TABLE pending_messages ADD COLUMN generation BIGINT NOT NULL DEFAULT 0;
CREATE INDEX pending_created ON pending_messages(created_at);
