DROP INDEX pending_created;
ALTER TABLE pending_messages DROP COLUMN generation;
