//! The durable oracle outbox: each submission reaches the chain exactly once,
//! whatever crashes or outages happen on the way.
//!
//! ```text
//! Pending ──sign (nonce), persist──▶ Broadcast{signed bytes, txid, nonce}
//!    ▲                                  │ status success, deep enough ──▶ Confirmed{block}
//!    │ rebuild: only when the first     │ status aborted by (err ...)  ──▶ Failed{reason}
//!    │ tx provably can never land       │ not found: rebroadcast the SAME bytes
//!    └──────────────────────────────────┘ after `rebroadcast_after`
//! ```
//!
//! Rules (pure functions below; [`run_once`] does the IO):
//! - The signed bytes are persisted *before* they are sent, so after a crash
//!   the same txid is checked, and the same bytes re-sent, never re-signed.
//! - A Broadcast item always asks the chain about its txid first.
//! - A node refusal about nonces (`BadNonce`, `ConflictingNonceInMempool`)
//!   is not trusted on its own: the next step checks our txid's status.
//! - A new transaction for the same item is built only when the first one
//!   provably cannot land: it was mined and aborted by something other than
//!   the contract's `(err ...)` (e.g. a post-condition); or the node refused
//!   it for a non-nonce reason (it is not in the mempool); or its nonce has
//!   been used by another transaction while ours stayed unknown for
//!   `nonce_gone_grace` (the API may lag behind the node). At most
//!   `max_rebuilds` times, then Failed.
//! - A mined `(err uN)` is final (Failed): the contract's answer will not
//!   change by asking again (e.g. u505 already submitted).
//! - Nonces: the lowest n ≥ the confirmed next nonce that none of our
//!   Broadcast items holds and that is free on chain (≥ possible_next, or a
//!   detected gap). Without gaps that is max(possible_next, highest held + 1).

use std::collections::{BTreeMap, BTreeSet};

use crate::clarity::Principal;
use crate::client::{AccountNonces, ChainClient, TxStatus};
use crate::error::{Error, Result};
use crate::tx::{
    sign_contract_call, ContractCall, Network, PostConditionMode, SenderKey, SignedTx, TxId,
    TxParams,
};

/// One submission (e.g. one `submit-readings-batch`), keyed by the caller
/// (e.g. `event-7/batch-0`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OutboxItem {
    pub key: String,
    pub call: ContractCall,
    pub state: OutboxState,
    /// How many times a new transaction was built after the first.
    pub rebuilds: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum OutboxState {
    Pending {
        last_error: Option<String>,
    },
    Broadcast {
        tx: SignedTx,
        signed_at: i64,
        last_sent_at: Option<i64>,
        /// When we first saw our nonce used while our txid was unknown.
        nonce_gone_since: Option<i64>,
    },
    Confirmed {
        txid: TxId,
        block_height: u64,
    },
    Failed {
        txid: Option<TxId>,
        reason: String,
    },
}

impl OutboxItem {
    pub fn new(key: impl Into<String>, call: ContractCall) -> Self {
        OutboxItem {
            key: key.into(),
            call,
            state: OutboxState::Pending { last_error: None },
            rebuilds: 0,
        }
    }
    pub fn is_open(&self) -> bool {
        matches!(
            self.state,
            OutboxState::Pending { .. } | OutboxState::Broadcast { .. }
        )
    }
    /// The nonce this item holds, if it has a signed transaction.
    pub fn held_nonce(&self) -> Option<u64> {
        match &self.state {
            OutboxState::Broadcast { tx, .. } => Some(tx.nonce),
            _ => None,
        }
    }
}

/// Timing and retry policy (seconds).
#[derive(Debug, Clone, Copy)]
pub struct OutboxConfig {
    pub rebroadcast_after: i64,
    pub nonce_gone_grace: i64,
    pub max_rebuilds: u32,
    /// Confirmations before Confirmed (the tip block counts as one).
    pub confirmations: u64,
}

impl Default for OutboxConfig {
    fn default() -> Self {
        OutboxConfig {
            rebroadcast_after: 120,
            nonce_gone_grace: 600,
            max_rebuilds: 3,
            confirmations: 1,
        }
    }
}

/// What to do next with an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Allocate a nonce, sign, persist, then send.
    Sign,
    /// Ask the chain about this txid.
    CheckStatus(TxId),
    /// Nothing (final state).
    Done,
}

/// What to do after hearing from the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Wait,
    /// Send the stored bytes (again).
    Send,
    /// The item went back to Pending: sign a new transaction.
    Rebuild,
    Done,
}

pub fn next_action(item: &OutboxItem) -> Action {
    match &item.state {
        OutboxState::Pending { .. } => Action::Sign,
        OutboxState::Broadcast { tx, .. } => Action::CheckStatus(tx.txid),
        _ => Action::Done,
    }
}

/// Pending → Broadcast with freshly signed bytes (persist before sending).
pub fn on_signed(item: &mut OutboxItem, tx: SignedTx, now: i64) {
    item.state = OutboxState::Broadcast {
        tx,
        signed_at: now,
        last_sent_at: None,
        nonce_gone_since: None,
    };
}

fn rebuild_or_fail(item: &mut OutboxItem, reason: String, cfg: &OutboxConfig) -> Decision {
    let txid = match &item.state {
        OutboxState::Broadcast { tx, .. } => Some(tx.txid),
        _ => None,
    };
    if item.rebuilds >= cfg.max_rebuilds {
        item.state = OutboxState::Failed {
            txid,
            reason: format!("{reason} (after {} rebuilds)", item.rebuilds),
        };
        Decision::Done
    } else {
        item.rebuilds += 1;
        item.state = OutboxState::Pending {
            last_error: Some(reason),
        };
        Decision::Rebuild
    }
}

/// Folds the chain's answer about our txid into the item.
pub fn on_status(
    item: &mut OutboxItem,
    status: &TxStatus,
    nonces: &AccountNonces,
    tip: u64,
    now: i64,
    cfg: &OutboxConfig,
) -> Decision {
    let OutboxState::Broadcast {
        tx,
        last_sent_at,
        nonce_gone_since,
        ..
    } = &mut item.state
    else {
        return Decision::Done;
    };
    match status {
        TxStatus::Success { block_height, .. } => {
            if tip >= *block_height && tip - block_height + 1 >= cfg.confirmations.max(1) {
                item.state = OutboxState::Confirmed {
                    txid: tx.txid,
                    block_height: *block_height,
                };
                Decision::Done
            } else {
                Decision::Wait
            }
        }
        TxStatus::Aborted { reason, result, .. } => {
            match result.as_ref().and_then(|r| r.as_response()) {
                Some(Err(code)) => {
                    item.state = OutboxState::Failed {
                        txid: Some(tx.txid),
                        reason: format!("{reason}: (err {code})"),
                    };
                    Decision::Done
                }
                _ => rebuild_or_fail(item, format!("aborted: {reason}"), cfg),
            }
        }
        TxStatus::Pending => {
            *nonce_gone_since = None;
            Decision::Wait
        }
        TxStatus::NotFound | TxStatus::Dropped { .. } => {
            if nonces.confirmed_next > tx.nonce {
                let since = *nonce_gone_since.get_or_insert(now);
                if now - since >= cfg.nonce_gone_grace {
                    let n = tx.nonce;
                    return rebuild_or_fail(
                        item,
                        format!("nonce {n} was used by another transaction"),
                        cfg,
                    );
                }
                Decision::Wait
            } else {
                *nonce_gone_since = None;
                match last_sent_at {
                    Some(t) if now - *t < cfg.rebroadcast_after => Decision::Wait,
                    _ => Decision::Send,
                }
            }
        }
    }
}

/// Folds the broadcast's answer into the item.
pub fn on_sent(
    item: &mut OutboxItem,
    result: &Result<TxId>,
    now: i64,
    cfg: &OutboxConfig,
) -> Decision {
    let OutboxState::Broadcast { last_sent_at, .. } = &mut item.state else {
        return Decision::Done;
    };
    match result {
        Ok(_) => {
            *last_sent_at = Some(now);
            Decision::Wait
        }
        Err(Error::Rejected { reason, .. }) if reason.is_nonce_conflict() => {
            // Maybe our own tx already landed or waits in the mempool: the
            // next step checks the txid before anything else.
            *last_sent_at = Some(now);
            Decision::Wait
        }
        Err(Error::Rejected { reason, detail }) => {
            rebuild_or_fail(item, format!("rejected: {reason:?} {detail}"), cfg)
        }
        Err(_) => {
            *last_sent_at = Some(now);
            Decision::Wait
        }
    }
}

/// The lowest usable nonce (see the module docs).
pub fn allocate_nonce(nonces: &AccountNonces, held: &BTreeSet<u64>) -> u64 {
    let mut n = nonces.confirmed_next;
    loop {
        let free_on_chain = n >= nonces.possible_next || nonces.missing.contains(&n);
        if free_on_chain && !held.contains(&n) {
            return n;
        }
        n += 1;
    }
}

/// Where the VTN keeps outbox items (its database; [`MemoryStore`] in tests).
/// `save` must be durable when it returns. Async, so that a store on a
/// blocking database runs it off the async threads (a busy database must not
/// stall the runtime that also serves push and timers).
#[async_trait::async_trait]
pub trait OutboxStore: Send {
    async fn open_items(&self) -> Result<Vec<OutboxItem>>;
    async fn save(&mut self, item: &OutboxItem) -> Result<()>;
}

/// An in-memory store.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    pub items: BTreeMap<String, OutboxItem>,
}

impl MemoryStore {
    pub fn open_items(&self) -> Result<Vec<OutboxItem>> {
        Ok(self
            .items
            .values()
            .filter(|i| i.is_open())
            .cloned()
            .collect())
    }
    pub fn save(&mut self, item: &OutboxItem) -> Result<()> {
        self.items.insert(item.key.clone(), item.clone());
        Ok(())
    }
}

#[async_trait::async_trait]
impl OutboxStore for MemoryStore {
    async fn open_items(&self) -> Result<Vec<OutboxItem>> {
        MemoryStore::open_items(self)
    }
    async fn save(&mut self, item: &OutboxItem) -> Result<()> {
        MemoryStore::save(self, item)
    }
}

/// The oracle's key and transaction settings.
#[derive(Debug, Clone)]
pub struct Signer {
    pub key: SenderKey,
    pub network: Network,
    /// micro-STX per transaction
    pub fee: u64,
    pub post_condition_mode: PostConditionMode,
}

impl Signer {
    pub fn principal(&self) -> Principal {
        Principal::Standard(self.key.principal(self.network))
    }
    pub fn sign(&self, call: &ContractCall, nonce: u64) -> Result<SignedTx> {
        let params = TxParams {
            network: self.network,
            nonce,
            fee: self.fee,
            post_condition_mode: self.post_condition_mode,
        };
        sign_contract_call(call, &params, &self.key)
    }
}

/// What one [`run_once`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunReport {
    pub signed: u32,
    pub sent: u32,
    pub confirmed: u32,
    pub failed: u32,
    pub open: u32,
}

/// One pass over the open items: check, (re)send, sign what is pending.
/// Transport failures leave items as they are (the next pass retries);
/// store failures abort the pass (nothing is sent that is not persisted).
pub async fn run_once(
    client: &dyn ChainClient,
    store: &mut dyn OutboxStore,
    signer: &Signer,
    now: i64,
    cfg: &OutboxConfig,
) -> Result<RunReport> {
    let mut items = store.open_items().await?;
    items.sort_by(|a, b| a.key.cmp(&b.key));
    let mut report = RunReport::default();
    if items.is_empty() {
        return Ok(report);
    }
    let nonces = client.nonces(&signer.principal()).await?;
    let tip = client.tip_height().await?;
    let mut held: BTreeSet<u64> = items.iter().filter_map(OutboxItem::held_nonce).collect();

    for mut item in items {
        // At most one rebuild per pass and item.
        for _ in 0..2 {
            match next_action(&item) {
                Action::Done => break,
                Action::CheckStatus(txid) => {
                    let status = match client.tx_status(&txid).await {
                        Ok(s) => s,
                        Err(e) if e.is_transient() => break,
                        Err(e) => return Err(e),
                    };
                    let old_nonce = item.held_nonce();
                    let d = on_status(&mut item, &status, &nonces, tip, now, cfg);
                    store.save(&item).await?;
                    match d {
                        Decision::Send => {
                            send(client, store, &mut item, now, cfg, &mut report).await?;
                            break;
                        }
                        Decision::Rebuild => {
                            if let Some(n) = old_nonce {
                                if nonces.confirmed_next <= n {
                                    held.remove(&n); // the node never kept it
                                }
                            }
                            continue;
                        }
                        Decision::Wait | Decision::Done => break,
                    }
                }
                Action::Sign => {
                    let nonce = allocate_nonce(&nonces, &held);
                    let tx = signer.sign(&item.call, nonce)?;
                    held.insert(nonce);
                    on_signed(&mut item, tx, now);
                    store.save(&item).await?; // durable before it leaves
                    report.signed += 1;
                    send(client, store, &mut item, now, cfg, &mut report).await?;
                    break;
                }
            }
        }
        match item.state {
            OutboxState::Confirmed { .. } => report.confirmed += 1,
            OutboxState::Failed { .. } => report.failed += 1,
            _ => report.open += 1,
        }
    }
    Ok(report)
}

async fn send(
    client: &dyn ChainClient,
    store: &mut dyn OutboxStore,
    item: &mut OutboxItem,
    now: i64,
    cfg: &OutboxConfig,
    report: &mut RunReport,
) -> Result<()> {
    let OutboxState::Broadcast { tx, .. } = &item.state else {
        return Ok(());
    };
    let bytes = tx.bytes.clone();
    let result = client.broadcast(&bytes).await;
    report.sent += 1;
    on_sent(item, &result, now, cfg);
    store.save(item).await
}
