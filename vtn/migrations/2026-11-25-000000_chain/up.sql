-- Chain mode: what the bridge has seen on chain and what it owes it.

-- Where the watcher is in event-manager's print history (one row).
CREATE TABLE chain_cursor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    cursor_json TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- One row per on-chain DR event: the last print applied (hex, re-decoded on
-- use), the OpenADR event it became, and the VENs it targets.
CREATE TABLE chain_events (
    chain_event_id BIGINT PRIMARY KEY NOT NULL,
    print_hex TEXT NOT NULL,
    modification_number INTEGER NOT NULL,
    vtn_event_id TEXT,
    targets_json TEXT NOT NULL DEFAULT '[]',
    oracle_state TEXT NOT NULL DEFAULT 'waiting',
    updated_at BIGINT NOT NULL
);

-- What the oracle computed per (event, participant): kept so an auditor
-- (`vtn verify`) can compare the chain with a recomputation.
CREATE TABLE oracle_entries (
    chain_event_id BIGINT NOT NULL,
    user_principal TEXT NOT NULL,
    ven_ids_json TEXT NOT NULL,
    baseline_wh BIGINT NOT NULL,
    actual_wh BIGINT NOT NULL,
    data_hash TEXT NOT NULL,
    reading_count INTEGER NOT NULL,
    batch_no INTEGER NOT NULL,
    PRIMARY KEY (chain_event_id, user_principal)
);

-- The durable outbox of data-oracle transactions (adr_chain::outbox items,
-- as JSON): pending -> broadcast (signed bytes, txid, nonce) -> confirmed | failed.
CREATE TABLE oracle_outbox (
    item_key TEXT PRIMARY KEY NOT NULL,
    chain_event_id BIGINT NOT NULL,
    state TEXT NOT NULL,
    item_json TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX oracle_outbox_open ON oracle_outbox (state);
