DROP TABLE history;
DROP TABLE outbox;
DROP TABLE kv;
