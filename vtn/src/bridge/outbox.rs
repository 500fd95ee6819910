//! The durable outbox of data-oracle transactions.
//!
//! pending → signed (nonce, txid and bytes stored *before* broadcasting) →
//! broadcast → confirmed | failed. A crash or an outage at any point resumes
//! from the stored row: a signed transaction is re-sent byte for byte (the
//! node answers with the same txid, or says the nonce is taken, and then we
//! ask for our txid), so each batch lands on chain exactly once. A new
//! transaction is built only when the old one provably cannot land: its
//! nonce went to a transaction the node knows and ours is unknown, or the
//! node dropped it. Then the batch is re-signed with a fresh nonce.

use adr_chain::client::TxStatus;
use adr_chain::oracle::batch_call;
use adr_chain::{sign_contract_call, PostConditionMode, Principal, TxId, TxParams};

use super::store::{self, OutboxRow};
use super::{chain_err, oracle, Bridge};
use crate::error::{Result, VtnError};
use crate::state::AppState;

/// Seconds after which an unconfirmed, unknown or still-pending transaction
/// is re-sent (same bytes).
const RESEND_AFTER_MS: i64 = 30_000;

async fn save(st: &AppState, row: &OutboxRow) -> Result<()> {
    let r = row.clone();
    st.db(move |c, ctx| store::update_outbox(c, &r, ctx.now.timestamp_millis()))
        .await
}

pub async fn drive(st: &AppState, bridge: &Bridge) -> Result<()> {
    let Some(key) = &bridge.oracle_key else {
        return Ok(());
    };
    let sender = Principal::Standard(key.principal(bridge.network));
    let rows = st.db(|c, _| store::open_outbox(c)).await?;
    for mut row in rows {
        let now = st.clock.now().timestamp_millis();
        match row.state.as_str() {
            "pending" => {
                let (ev, batch) = (row.chain_event_id, row.batch_no);
                let entries = st
                    .db(move |c, _| {
                        store::entries_of(c, ev)?
                            .iter()
                            .filter(|e| e.batch_no == batch)
                            .map(oracle::entry_of)
                            .collect::<Result<Vec<_>>>()
                    })
                    .await?;
                let call =
                    batch_call(&bridge.contracts.data_oracle, &entries).map_err(chain_err)?;
                let chain_next = bridge
                    .client
                    .nonces(&sender)
                    .await
                    .map_err(chain_err)?
                    .possible_next;
                let local_next = st
                    .db(|c, _| store::max_nonce(c))
                    .await?
                    .map_or(0, |n| n as u64 + 1);
                let nonce = chain_next.max(local_next);
                let params = TxParams {
                    network: bridge.network,
                    nonce,
                    fee: bridge.fee,
                    post_condition_mode: PostConditionMode::Deny,
                };
                let tx = sign_contract_call(&call, &params, key).map_err(chain_err)?;
                row.state = "signed".into();
                row.nonce = Some(nonce as i64);
                row.txid = Some(tx.txid.to_hex());
                row.tx_hex = Some(adr_chain::clarity::hex::to_hex(&tx.bytes));
                save(st, &row).await?;
                tracing::info!(chain_event = ev, batch, nonce, txid = %tx.txid, entries = entries.len(), "oracle transaction signed");
                send(st, bridge, &mut row, now).await?;
            }
            "signed" => send(st, bridge, &mut row, now).await?,
            "broadcast" => {
                let txid = txid_of(&row)?;
                match bridge.client.tx_status(&txid).await.map_err(chain_err)? {
                    TxStatus::Success { block_height, .. } => {
                        row.state = "confirmed".into();
                        save(st, &row).await?;
                        tracing::info!(chain_event = row.chain_event_id, batch = row.batch_no, %txid, block_height, "oracle transaction confirmed");
                    }
                    TxStatus::Aborted { reason, .. } => {
                        row.state = "failed".into();
                        row.last_error = Some(reason.clone());
                        save(st, &row).await?;
                        tracing::error!(chain_event = row.chain_event_id, batch = row.batch_no, %txid, reason, "oracle transaction aborted on chain");
                    }
                    TxStatus::Dropped { reason } => {
                        // Replaced or expired: it will never land, so re-sign with a fresh nonce.
                        row.state = "pending".into();
                        row.last_error = Some(format!("dropped: {reason}"));
                        row.nonce = None;
                        row.txid = None;
                        row.tx_hex = None;
                        save(st, &row).await?;
                    }
                    TxStatus::Pending | TxStatus::NotFound => {
                        if now - row.broadcast_at.unwrap_or(0) > RESEND_AFTER_MS {
                            send(st, bridge, &mut row, now).await?;
                        }
                    }
                }
            }
            _ => {}
        }
    }
    finish_events(st).await
}

fn txid_of(row: &OutboxRow) -> Result<TxId> {
    row.txid
        .as_deref()
        .ok_or_else(|| VtnError::Store(format!("outbox row {} has no txid", row.id)))
        .and_then(|t| TxId::parse(t).map_err(chain_err))
}

/// Send the stored bytes. Unknown outcomes leave the row as it is, to be
/// re-sent next round; a nonce conflict is resolved by asking for our txid.
async fn send(st: &AppState, bridge: &Bridge, row: &mut OutboxRow, now: i64) -> Result<()> {
    let bytes = adr_chain::clarity::hex::from_hex(row.tx_hex.as_deref().unwrap_or(""))
        .map_err(chain_err)?;
    let txid = txid_of(row)?;
    row.attempts += 1;
    match bridge.client.broadcast(&bytes).await {
        Ok(_) => {
            row.state = "broadcast".into();
            row.broadcast_at = Some(now);
            row.last_error = None;
        }
        Err(adr_chain::Error::Rejected { reason, .. }) => {
            match bridge.client.tx_status(&txid).await.map_err(chain_err)? {
                // Ours is already known: the rejection is about the copy we just sent.
                TxStatus::Pending | TxStatus::Success { .. } | TxStatus::Aborted { .. } => {
                    row.state = "broadcast".into();
                    row.broadcast_at = Some(now);
                }
                _ if reason.is_nonce_conflict() => {
                    // The nonce went to a transaction that is not this one: re-sign.
                    tracing::warn!(%txid, ?reason, "nonce taken by another transaction; re-signing the batch");
                    row.state = "pending".into();
                    row.nonce = None;
                    row.txid = None;
                    row.tx_hex = None;
                    row.last_error = Some(format!("{reason:?}"));
                }
                _ => {
                    row.state = "failed".into();
                    row.last_error = Some(format!("rejected: {reason:?}"));
                    tracing::error!(%txid, ?reason, "oracle transaction rejected");
                }
            }
        }
        Err(e) => {
            row.last_error = Some(e.to_string());
            tracing::warn!(%txid, error = %e, "broadcast outcome unknown; will re-send the same bytes");
        }
    }
    save(st, row).await
}

/// An event whose batches are all settled is done.
async fn finish_events(st: &AppState) -> Result<()> {
    st.db(|c, ctx| {
        for mut ev in store::list_events(c)?
            .into_iter()
            .filter(|e| e.oracle_state == "queued")
        {
            let rows = store::outbox_of(c, ev.chain_event_id)?;
            if rows
                .iter()
                .all(|r| r.state == "confirmed" || r.state == "failed")
            {
                ev.oracle_state = if rows.iter().all(|r| r.state == "confirmed") {
                    "submitted".into()
                } else {
                    "failed".into()
                };
                store::upsert_event(c, &ev, ctx.now.timestamp_millis())?;
            }
        }
        Ok(())
    })
    .await
}
