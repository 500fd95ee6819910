DROP TABLE oracle_outbox;
DROP TABLE oracle_entries;
DROP TABLE chain_events;
DROP TABLE chain_cursor;
