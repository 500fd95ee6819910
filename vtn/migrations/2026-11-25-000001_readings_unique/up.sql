-- A VEN re-sends a report the VTN stored but did not acknowledge (crash
-- between commit and answer): the second copy must not be a second reading.
-- Keep the first copy of any duplicate already stored, then enforce it.
DELETE FROM readings WHERE id NOT IN (
    SELECT MIN(id) FROM readings GROUP BY ven_id, report_request_id, rid, dtstart
);
CREATE UNIQUE INDEX readings_once ON readings (ven_id, report_request_id, rid, dtstart);
