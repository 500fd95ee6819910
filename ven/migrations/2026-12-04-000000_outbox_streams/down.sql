DROP TABLE sampled;
DROP INDEX outbox_stream;
DROP INDEX outbox_once;
