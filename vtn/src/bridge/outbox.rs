//! The durable outbox of data-oracle transactions: `adr_chain::outbox`
//! decides (sign once, persist before sending, re-send the same bytes, ask
//! for our txid before trusting a nonce refusal, rebuild only when the first
//! transaction provably cannot land); this file only keeps its items in the
//! VTN's database, so a crash or an outage at any point resumes where it was.

use adr_chain::outbox::{self, OutboxConfig, OutboxItem, OutboxState, OutboxStore, Signer};
use adr_chain::PostConditionMode;

use super::store;
use super::{chain_err, Bridge};
use crate::error::{Result, VtnError};
use crate::state::AppState;
use crate::store::Pool;

/// `event-{id}/batch-{n}`: one item per `submit-readings-batch` call.
pub fn item_key(chain_event_id: u64, batch: usize) -> String {
    format!("event-{chain_event_id:010}/batch-{batch:04}")
}

fn state_name(item: &OutboxItem) -> &'static str {
    match item.state {
        OutboxState::Pending { .. } => "pending",
        OutboxState::Broadcast { .. } => "broadcast",
        OutboxState::Confirmed { .. } => "confirmed",
        OutboxState::Failed { .. } => "failed",
    }
}

/// Outbox items in the VTN's SQLite database; `save` is durable (WAL commit)
/// when it returns. Every call runs on the blocking pool: the outbox is
/// driven from the same async thread as push and the timers, and a busy
/// database (up to the 10 s busy timeout) must not stall them.
pub struct SqliteOutbox {
    pool: Pool,
    now_ms: i64,
}

fn event_of(key: &str) -> i64 {
    key.strip_prefix("event-")
        .and_then(|k| k.split('/').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(-1)
}

fn store_err(e: impl std::fmt::Display) -> adr_chain::Error {
    adr_chain::Error::Api(format!("outbox store: {e}"))
}

#[async_trait::async_trait]
impl OutboxStore for SqliteOutbox {
    async fn open_items(&self) -> adr_chain::Result<Vec<OutboxItem>> {
        let pool = self.pool.clone();
        actix_web::web::block(move || {
            let mut c = pool.get().map_err(store_err)?;
            let rows = store::open_outbox(&mut c).map_err(store_err)?;
            rows.iter()
                .map(|r| {
                    serde_json::from_str(&r.item_json).map_err(|e| {
                        adr_chain::Error::Api(format!("outbox item {}: {e}", r.item_key))
                    })
                })
                .collect()
        })
        .await
        .map_err(store_err)?
    }
    async fn save(&mut self, item: &OutboxItem) -> adr_chain::Result<()> {
        let json = serde_json::to_string(item).map_err(|e| adr_chain::Error::Api(e.to_string()))?;
        let (pool, now_ms) = (self.pool.clone(), self.now_ms);
        let (key, state) = (item.key.clone(), state_name(item));
        actix_web::web::block(move || {
            let mut c = pool.get().map_err(store_err)?;
            store::save_outbox(&mut c, &key, event_of(&key), state, &json, now_ms)
                .map_err(store_err)
        })
        .await
        .map_err(store_err)?
    }
}

/// Queue a new item (inside the caller's transaction).
pub fn enqueue(c: &mut crate::store::Conn, item: &OutboxItem, now_ms: i64) -> Result<()> {
    let json = serde_json::to_string(item).map_err(|e| VtnError::Store(e.to_string()))?;
    store::save_outbox(
        c,
        &item.key,
        event_of(&item.key),
        state_name(item),
        &json,
        now_ms,
    )
}

pub async fn drive(st: &AppState, bridge: &Bridge) -> Result<()> {
    let Some(key) = &bridge.oracle_key else {
        return Ok(());
    };
    let signer = Signer {
        key: key.clone(),
        network: bridge.network,
        fee: bridge.fee,
        post_condition_mode: PostConditionMode::Deny,
    };
    let now = st.clock.now();
    let mut store = SqliteOutbox {
        pool: st.pool.clone(),
        now_ms: now.timestamp_millis(),
    };
    let report = outbox::run_once(
        bridge.client.as_ref(),
        &mut store,
        &signer,
        now.timestamp(),
        &OutboxConfig::default(),
    )
    .await
    .map_err(chain_err)?;
    if report.signed + report.sent + report.confirmed + report.failed > 0 {
        tracing::info!(?report, "oracle outbox");
    }
    finish_events(st).await
}

/// An event whose batches are all settled is done.
async fn finish_events(st: &AppState) -> Result<()> {
    st.db(|c, ctx| {
        for mut ev in store::list_events(c)?.into_iter().filter(|e| e.oracle_state == store::OracleState::Queued.as_str()) {
            let rows = store::outbox_of(c, ev.chain_event_id)?;
            if rows.iter().all(|r| r.state == "confirmed" || r.state == "failed") {
                ev.oracle_state = if rows.iter().all(|r| r.state == "confirmed") {
                    store::OracleState::Submitted
                } else {
                    store::OracleState::Failed
                }
                .as_str()
                .into();
                tracing::info!(chain_event = ev.chain_event_id, state = %ev.oracle_state, "oracle submission finished");
                store::upsert_event(c, &ev, ctx.now.timestamp_millis())?;
            }
        }
        Ok(())
    })
    .await
}
