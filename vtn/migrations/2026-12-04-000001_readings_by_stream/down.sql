DROP INDEX readings_once;
CREATE UNIQUE INDEX readings_once ON readings (ven_id, report_request_id, rid, dtstart);
