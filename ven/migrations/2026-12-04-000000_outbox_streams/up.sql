-- Readings are kept by what they measure (reportSpecifierID, rID, interval
-- length and start), not by the report request they were queued under: one
-- reading per stream and instant, so a reading taken twice around a restart
-- is stored once. HISTORY_USAGE rows answer one request each and are left out.
DELETE FROM outbox WHERE report_name <> 'HISTORY_USAGE' AND id NOT IN (
    SELECT MIN(id) FROM outbox WHERE report_name <> 'HISTORY_USAGE'
    GROUP BY report_specifier_id, rid, duration_s, dtstart_ms
);
CREATE UNIQUE INDEX outbox_once ON outbox (report_specifier_id, rid, duration_s, dtstart_ms)
    WHERE report_name <> 'HISTORY_USAGE';
CREATE INDEX outbox_stream ON outbox (report_specifier_id, rid, id);

-- The latest interval start stored per stream and interval length (two
-- requests at different granularities are two series), kept after the reading is
-- acknowledged and deleted: a restarted VEN that measures an instant again
-- (it resumes at the latest sampling instant, in case the crash came before
-- that one was stored) does not send it twice.
CREATE TABLE sampled (
    report_specifier_id TEXT NOT NULL,
    rid TEXT NOT NULL,
    duration_s INTEGER NOT NULL,
    last_dtstart_ms BIGINT NOT NULL,
    PRIMARY KEY (report_specifier_id, rid, duration_s)
);
INSERT INTO sampled (report_specifier_id, rid, duration_s, last_dtstart_ms)
    SELECT report_specifier_id, rid, duration_s, MAX(dtstart_ms) FROM outbox
    WHERE report_name <> 'HISTORY_USAGE' GROUP BY report_specifier_id, rid, duration_s;
