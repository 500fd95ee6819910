-- A reading is what a VEN measured on one stream at one time, whatever
-- request carried it: a VEN that re-sends a batch under a newer request
-- (after a re-registration) must not store it twice. Keep the first copy of
-- any duplicate already stored, then enforce it.
DROP INDEX readings_once;
DELETE FROM readings WHERE id NOT IN (
    SELECT MIN(id) FROM readings GROUP BY ven_id, report_specifier_id, rid, dtstart
);
CREATE UNIQUE INDEX readings_once ON readings (ven_id, report_specifier_id, rid, dtstart);
