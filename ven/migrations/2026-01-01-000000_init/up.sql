-- Small key/value state: the registration ids, opts we announced.
CREATE TABLE kv (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

-- Readings waiting for the VTN's acknowledgement (oadrUpdatedReport 200).
-- Rows are delivered in id order and deleted only once acknowledged.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    report_request_id TEXT NOT NULL,
    report_specifier_id TEXT NOT NULL,
    report_name TEXT NOT NULL,
    rid TEXT NOT NULL,
    dtstart_ms BIGINT NOT NULL,
    duration_s INTEGER NOT NULL,
    value TEXT NOT NULL
);

-- Local meter history, the source of HISTORY_USAGE reports.
CREATE TABLE history (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    dtstart_ms BIGINT NOT NULL,
    duration_s INTEGER NOT NULL,
    energy_wh DOUBLE NOT NULL,
    power_w DOUBLE NOT NULL
);
CREATE INDEX history_dtstart ON history (dtstart_ms);
