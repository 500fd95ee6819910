-- Times are Unix milliseconds (UTC). JSON columns hold our own serde types.
CREATE TABLE vens (
    ven_id            TEXT PRIMARY KEY NOT NULL,
    ven_name          TEXT,
    registration_id   TEXT UNIQUE,
    profile_name      TEXT NOT NULL DEFAULT '2.0b',
    transport_name    TEXT NOT NULL DEFAULT 'simpleHttp',
    transport_address TEXT,
    http_pull_model   BOOLEAN NOT NULL DEFAULT 1,
    report_only       BOOLEAN NOT NULL DEFAULT 0,
    xml_signature     BOOLEAN NOT NULL DEFAULT 0,
    groups_json       TEXT NOT NULL DEFAULT '[]',
    resources_json    TEXT NOT NULL DEFAULT '[]',
    party_id          TEXT,
    -- Issue 7 (TLS): the client certificate fingerprint bound to this venID.
    cert_fingerprint  TEXT,
    created_at        BIGINT NOT NULL,
    registered_at     BIGINT,
    last_contact      BIGINT
);
CREATE UNIQUE INDEX vens_name ON vens(ven_name) WHERE ven_name IS NOT NULL;

CREATE TABLE events (
    event_id            TEXT PRIMARY KEY NOT NULL,
    modification_number INTEGER NOT NULL,
    spec_json           TEXT NOT NULL,
    status              TEXT NOT NULL,
    cancelled           BOOLEAN NOT NULL DEFAULT 0,
    created_at          BIGINT NOT NULL,
    modified_at         BIGINT NOT NULL,
    dtstart             BIGINT NOT NULL,
    end_at              BIGINT NOT NULL
);
CREATE INDEX events_end ON events(end_at);

-- Every version of every event (modification 0 is the creation).
CREATE TABLE event_versions (
    event_id            TEXT NOT NULL REFERENCES events(event_id) ON DELETE CASCADE,
    modification_number INTEGER NOT NULL,
    spec_json           TEXT NOT NULL,
    reason              TEXT,
    modified_at         BIGINT NOT NULL,
    PRIMARY KEY (event_id, modification_number)
);

-- oadrCreatedEvent answers, one per VEN, event and modification.
CREATE TABLE event_responses (
    event_id            TEXT NOT NULL REFERENCES events(event_id) ON DELETE CASCADE,
    ven_id              TEXT NOT NULL REFERENCES vens(ven_id) ON DELETE CASCADE,
    modification_number INTEGER NOT NULL,
    opt_type            TEXT NOT NULL,
    response_code       INTEGER NOT NULL,
    received_at         BIGINT NOT NULL,
    PRIMARY KEY (event_id, ven_id, modification_number)
);

-- EiOpt: oadrCreateOpt for one event or an availability schedule.
CREATE TABLE opts (
    ven_id              TEXT NOT NULL REFERENCES vens(ven_id) ON DELETE CASCADE,
    opt_id              TEXT NOT NULL,
    opt_type            TEXT NOT NULL,
    opt_reason          TEXT NOT NULL,
    market_context      TEXT,
    event_id            TEXT,
    modification_number INTEGER,
    schedule_json       TEXT NOT NULL DEFAULT '[]',
    target_json         TEXT NOT NULL DEFAULT '{}',
    created_at          BIGINT NOT NULL,
    cancelled_at        BIGINT,
    PRIMARY KEY (ven_id, opt_id)
);

-- What each VEN offered in oadrRegisterReport (METADATA).
CREATE TABLE report_registrations (
    ven_id              TEXT NOT NULL REFERENCES vens(ven_id) ON DELETE CASCADE,
    report_specifier_id TEXT NOT NULL,
    report_name         TEXT NOT NULL,
    descriptions_json   TEXT NOT NULL,
    registered_at       BIGINT NOT NULL,
    PRIMARY KEY (ven_id, report_specifier_id)
);

-- What the VTN asked each VEN to report (oadrReportRequest).
CREATE TABLE report_requests (
    report_request_id    TEXT PRIMARY KEY NOT NULL,
    ven_id               TEXT NOT NULL REFERENCES vens(ven_id) ON DELETE CASCADE,
    report_specifier_id  TEXT NOT NULL,
    report_name          TEXT NOT NULL,
    rids_json            TEXT NOT NULL,
    granularity          TEXT NOT NULL,
    report_back_duration TEXT NOT NULL,
    interval_start       BIGINT,
    interval_end         BIGINT,
    state                TEXT NOT NULL,
    created_at           BIGINT NOT NULL,
    deadline             BIGINT,
    updated_at           BIGINT NOT NULL
);
CREATE INDEX report_requests_ven ON report_requests(ven_id, state);

-- Every reading of every oadrUpdateReport, one row each.
CREATE TABLE readings (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    ven_id              TEXT NOT NULL REFERENCES vens(ven_id) ON DELETE CASCADE,
    report_request_id   TEXT NOT NULL,
    report_specifier_id TEXT NOT NULL,
    report_name         TEXT,
    rid                 TEXT NOT NULL,
    dtstart             BIGINT NOT NULL,
    duration_secs       DOUBLE,
    value               DOUBLE,
    status_json         TEXT,
    confidence          INTEGER,
    accuracy            DOUBLE,
    data_quality        TEXT,
    received_at         BIGINT NOT NULL
);
CREATE INDEX readings_ven_time ON readings(ven_id, dtstart);
CREATE INDEX readings_request ON readings(report_request_id, dtstart);

-- Messages waiting for a VEN's next oadrPoll (or a push). kind 'distribute'
-- has no body: the current events are written at delivery.
CREATE TABLE pending_messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    ven_id      TEXT NOT NULL REFERENCES vens(ven_id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX pending_ven ON pending_messages(ven_id, id);
