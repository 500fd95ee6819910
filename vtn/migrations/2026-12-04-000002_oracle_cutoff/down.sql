ALTER TABLE oracle_entries DROP COLUMN settled_at;
