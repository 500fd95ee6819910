//! Storage of chain mode: the watcher's cursor, what each on-chain event
//! became, the oracle's entries and its transaction outbox. Raw SQL over the
//! VTN's connection (tables in migrations/2026-11-25-000000_chain).

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text};

use crate::error::Result;
use crate::store::Conn;

#[derive(QueryableByName)]
struct CursorRow {
    #[diesel(sql_type = Text)]
    cursor_json: String,
}

pub fn load_cursor(c: &mut Conn) -> Result<Option<String>> {
    let rows: Vec<CursorRow> =
        diesel::sql_query("SELECT cursor_json FROM chain_cursor WHERE id = 1").load(c)?;
    Ok(rows.into_iter().next().map(|r| r.cursor_json))
}

pub fn save_cursor(c: &mut Conn, json: &str, now_ms: i64) -> Result<()> {
    diesel::sql_query(
        "INSERT INTO chain_cursor (id, cursor_json, updated_at) VALUES (1, ?, ?) \
         ON CONFLICT(id) DO UPDATE SET cursor_json = excluded.cursor_json, updated_at = excluded.updated_at",
    )
    .bind::<Text, _>(json)
    .bind::<BigInt, _>(now_ms)
    .execute(c)?;
    Ok(())
}

/// Where a chain event's oracle submission stands (stored as text).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OracleState {
    /// Not ended on chain yet, or its readings not settled.
    Waiting,
    /// Outbox items queued for data-oracle.
    Queued,
    /// Every batch confirmed on chain.
    Submitted,
    /// A batch failed for good.
    Failed,
    /// Ended with nothing to submit.
    Nothing,
}

impl OracleState {
    pub fn as_str(&self) -> &'static str {
        match self {
            OracleState::Waiting => "waiting",
            OracleState::Queued => "queued",
            OracleState::Submitted => "submitted",
            OracleState::Failed => "failed",
            OracleState::Nothing => "nothing",
        }
    }
}

#[derive(Clone, Debug, QueryableByName, serde::Serialize)]
pub struct ChainEventRow {
    #[diesel(sql_type = BigInt)]
    pub chain_event_id: i64,
    #[diesel(sql_type = Text)]
    pub print_hex: String,
    #[diesel(sql_type = Integer)]
    pub modification_number: i32,
    #[diesel(sql_type = Nullable<Text>)]
    pub vtn_event_id: Option<String>,
    #[diesel(sql_type = Text)]
    pub targets_json: String,
    #[diesel(sql_type = Text)]
    pub oracle_state: String,
}

const EVENT_COLS: &str =
    "chain_event_id, print_hex, modification_number, vtn_event_id, targets_json, oracle_state";

pub fn get_event(c: &mut Conn, id: i64) -> Result<Option<ChainEventRow>> {
    let rows: Vec<ChainEventRow> = diesel::sql_query(format!(
        "SELECT {EVENT_COLS} FROM chain_events WHERE chain_event_id = ?"
    ))
    .bind::<BigInt, _>(id)
    .load(c)?;
    Ok(rows.into_iter().next())
}

pub fn list_events(c: &mut Conn) -> Result<Vec<ChainEventRow>> {
    Ok(diesel::sql_query(format!(
        "SELECT {EVENT_COLS} FROM chain_events ORDER BY chain_event_id"
    ))
    .load(c)?)
}

pub fn upsert_event(c: &mut Conn, r: &ChainEventRow, now_ms: i64) -> Result<()> {
    diesel::sql_query(
        "INSERT INTO chain_events (chain_event_id, print_hex, modification_number, vtn_event_id, targets_json, oracle_state, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(chain_event_id) DO UPDATE SET \
         print_hex = excluded.print_hex, modification_number = excluded.modification_number, \
         vtn_event_id = excluded.vtn_event_id, targets_json = excluded.targets_json, \
         oracle_state = excluded.oracle_state, updated_at = excluded.updated_at",
    )
    .bind::<BigInt, _>(r.chain_event_id)
    .bind::<Text, _>(&r.print_hex)
    .bind::<Integer, _>(r.modification_number)
    .bind::<Nullable<Text>, _>(&r.vtn_event_id)
    .bind::<Text, _>(&r.targets_json)
    .bind::<Text, _>(&r.oracle_state)
    .bind::<BigInt, _>(now_ms)
    .execute(c)?;
    Ok(())
}

#[derive(Clone, Debug, QueryableByName, serde::Serialize)]
pub struct OracleEntryRow {
    #[diesel(sql_type = BigInt)]
    pub chain_event_id: i64,
    #[diesel(sql_type = Text)]
    pub user_principal: String,
    #[diesel(sql_type = Text)]
    pub ven_ids_json: String,
    #[diesel(sql_type = BigInt)]
    pub baseline_wh: i64,
    #[diesel(sql_type = BigInt)]
    pub actual_wh: i64,
    #[diesel(sql_type = Text)]
    pub data_hash: String,
    #[diesel(sql_type = Integer)]
    pub reading_count: i32,
    #[diesel(sql_type = Integer)]
    pub batch_no: i32,
    /// Readings received after this (Unix ms) were not hashed.
    #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
    pub settled_at: Option<i64>,
}

pub fn insert_entry(c: &mut Conn, e: &OracleEntryRow) -> Result<()> {
    diesel::sql_query(
        "INSERT OR IGNORE INTO oracle_entries (chain_event_id, user_principal, ven_ids_json, baseline_wh, actual_wh, data_hash, reading_count, batch_no, settled_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind::<BigInt, _>(e.chain_event_id)
    .bind::<Text, _>(&e.user_principal)
    .bind::<Text, _>(&e.ven_ids_json)
    .bind::<BigInt, _>(e.baseline_wh)
    .bind::<BigInt, _>(e.actual_wh)
    .bind::<Text, _>(&e.data_hash)
    .bind::<Integer, _>(e.reading_count)
    .bind::<Integer, _>(e.batch_no)
    .bind::<diesel::sql_types::Nullable<BigInt>, _>(e.settled_at)
    .execute(c)?;
    Ok(())
}

pub fn entries_of(c: &mut Conn, chain_event_id: i64) -> Result<Vec<OracleEntryRow>> {
    Ok(diesel::sql_query(
        "SELECT chain_event_id, user_principal, ven_ids_json, baseline_wh, actual_wh, data_hash, reading_count, batch_no, settled_at \
         FROM oracle_entries WHERE chain_event_id = ? ORDER BY batch_no, user_principal",
    )
    .bind::<BigInt, _>(chain_event_id)
    .load(c)?)
}

#[derive(Clone, Debug, QueryableByName, serde::Serialize)]
pub struct OutboxRow {
    #[diesel(sql_type = Text)]
    pub item_key: String,
    #[diesel(sql_type = BigInt)]
    pub chain_event_id: i64,
    #[diesel(sql_type = Text)]
    pub state: String,
    #[diesel(sql_type = Text)]
    pub item_json: String,
}

/// Store an outbox item (insert or replace: the key is the item's identity).
pub fn save_outbox(
    c: &mut Conn,
    key: &str,
    chain_event_id: i64,
    state: &str,
    json: &str,
    now_ms: i64,
) -> Result<()> {
    diesel::sql_query(
        "INSERT INTO oracle_outbox (item_key, chain_event_id, state, item_json, updated_at) VALUES (?, ?, ?, ?, ?) \
         ON CONFLICT(item_key) DO UPDATE SET state = excluded.state, item_json = excluded.item_json, updated_at = excluded.updated_at",
    )
    .bind::<Text, _>(key)
    .bind::<BigInt, _>(chain_event_id)
    .bind::<Text, _>(state)
    .bind::<Text, _>(json)
    .bind::<BigInt, _>(now_ms)
    .execute(c)?;
    Ok(())
}

/// Items not yet confirmed or failed.
pub fn open_outbox(c: &mut Conn) -> Result<Vec<OutboxRow>> {
    Ok(diesel::sql_query(
        "SELECT item_key, chain_event_id, state, item_json FROM oracle_outbox WHERE state IN ('pending', 'broadcast') ORDER BY item_key",
    )
    .load(c)?)
}

pub fn outbox_of(c: &mut Conn, chain_event_id: i64) -> Result<Vec<OutboxRow>> {
    Ok(diesel::sql_query(
        "SELECT item_key, chain_event_id, state, item_json FROM oracle_outbox WHERE chain_event_id = ? ORDER BY item_key",
    )
    .bind::<BigInt, _>(chain_event_id)
    .load(c)?)
}
