//! Chain mode: the VTN follows the DR program on Stacks.
//!
//! - [`events`]: event-manager prints become OpenADR events for the VENs of
//!   the users who committed (watcher with a persisted cursor and a
//!   confirmation depth; `adr_chain::watcher` decides what is new).
//! - [`oracle`]: after an event ends, baseline/actual energy and the hash of
//!   the readings go to data-oracle through a durable outbox ([`outbox`]).
//! - [`verify`]: `vtn verify --event ID` recomputes and compares with the chain.
//!
//! The chain is reached only through `adr_chain::client::ChainClient`; when
//! it is down the VTN keeps serving VENs and the outbox waits.

pub mod events;
pub mod oracle;
pub mod outbox;
pub mod store;
pub mod verify;

use std::sync::Arc;
use std::time::Duration;

use adr_chain::client::ChainClient;
use adr_chain::events::{ChainEventStatus, DrEvent, DrPrint};
use adr_chain::http::{HttpChainClient, HttpConfig};
use adr_chain::oracle::BaselineConfig;
use adr_chain::targets::{event_participants, Participant, ProgramContracts};
use adr_chain::watcher::{self, Cursor, WatchConfig};
use adr_chain::{Network, Principal, SenderKey, StandardPrincipal};

use crate::error::{Result, VtnError};
use crate::state::AppState;

/// How the VTN reaches the chain: `[chain]` in the config file, each key
/// overridable by a `VTN_CHAIN_*` variable (see vtn/README.md, Chain mode).
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainConfig {
    /// Stacks node RPC (`/v2/...`).
    pub node_url: String,
    /// Stacks Blockchain API (`/extended/...`); defaults to `node_url`.
    pub api_url: Option<String>,
    /// The address that deployed the program's contracts.
    pub deployer: String,
    /// "testnet" (default) or "mainnet".
    pub network: Option<String>,
    /// Hex private key of the oracle principal (or the env var VTN_ORACLE_KEY).
    /// Without it the VTN follows events but submits nothing.
    pub oracle_key: Option<String>,
    /// Blocks a print must be buried under before it is applied (default 1).
    pub confirmations: Option<u64>,
    /// Seconds between chain polls (default 5).
    pub poll_secs: Option<u64>,
    /// Fee per oracle transaction, micro-STX (default 20,000: a full batch of
    /// 100 entries is about 16 KB, and nodes ask at least 1 micro-STX per byte).
    pub fee: Option<u64>,
}

/// Everything the bridge needs at run time.
pub struct Bridge {
    pub client: Arc<dyn ChainClient>,
    pub contracts: ProgramContracts,
    pub network: Network,
    pub oracle_key: Option<SenderKey>,
    pub watch: WatchConfig,
    pub poll: Duration,
    pub fee: u64,
    pub baseline: BaselineConfig,
    /// Any principal, for read-only calls.
    pub reader: Principal,
}

impl Bridge {
    pub fn from_config(cfg: &ChainConfig) -> Result<Bridge> {
        let bad = |what: &str, e: adr_chain::Error| VtnError::data(format!("chain {what}: {e}"));
        let network = match cfg.network.as_deref().unwrap_or("testnet") {
            "testnet" => Network::Testnet,
            "mainnet" => Network::Mainnet,
            other => {
                return Err(VtnError::data(format!(
                    "chain network {other:?}: testnet or mainnet"
                )))
            }
        };
        let deployer =
            StandardPrincipal::from_address(&cfg.deployer).map_err(|e| bad("deployer", e))?;
        let key = match cfg
            .oracle_key
            .clone()
            .or_else(|| std::env::var("VTN_ORACLE_KEY").ok())
        {
            Some(k) if !k.trim().is_empty() => {
                Some(SenderKey::from_hex(k.trim()).map_err(|e| bad("oracle key", e))?)
            }
            _ => None,
        };
        let client = HttpChainClient::new(HttpConfig::new(
            cfg.node_url.clone(),
            cfg.api_url.clone().unwrap_or_else(|| cfg.node_url.clone()),
        ))
        .map_err(|e| bad("client", e))?;
        Ok(Bridge {
            client: Arc::new(client),
            contracts: ProgramContracts::from_deployer(deployer),
            network,
            oracle_key: key,
            watch: WatchConfig {
                confirmations: cfg.confirmations.unwrap_or(1),
                ..WatchConfig::default()
            },
            poll: Duration::from_secs(cfg.poll_secs.unwrap_or(5).max(1)),
            fee: cfg.fee.unwrap_or(20_000),
            baseline: BaselineConfig::default(),
            reader: Principal::Standard(deployer),
        })
    }
}

pub(crate) fn decode_event(hex: &str) -> Result<DrEvent> {
    DrPrint::from_hex(hex)
        .ok()
        .and_then(|p| p.dr_event().cloned())
        .ok_or_else(|| VtnError::Store(format!("stored chain print is not a DR event: {hex:.40}")))
}

fn chain_err(e: adr_chain::Error) -> VtnError {
    VtnError::Store(format!("chain: {e}"))
}

/// Run the bridge until the process ends. Errors are logged and retried on
/// the next tick: a chain outage never stops the VTN.
pub fn spawn(st: AppState, bridge: Arc<Bridge>) {
    actix_web::rt::spawn(async move {
        tracing::info!(
            event_manager = %bridge.contracts.event_manager,
            oracle = bridge.oracle_key.is_some(),
            "chain mode: following the DR program"
        );
        loop {
            if let Err(e) = tick(&st, &bridge).await {
                tracing::warn!(error = %e, "chain tick failed; retrying");
            }
            tokio::time::sleep(bridge.poll).await;
        }
    });
}

/// One round: new prints, participant changes, oracle settlement, outbox.
pub async fn tick(st: &AppState, bridge: &Bridge) -> Result<()> {
    follow_prints(st, bridge).await?;
    refresh_targets(st, bridge).await?;
    settle_ended(st, bridge).await?;
    outbox::drive(st, bridge).await
}

async fn participants_with_vens(
    st: &AppState,
    bridge: &Bridge,
    event_id: u64,
) -> Result<Vec<(Participant, Vec<String>)>> {
    let parts = event_participants(
        bridge.client.as_ref(),
        &bridge.contracts,
        event_id,
        &bridge.reader,
    )
    .await
    .map_err(chain_err)?;
    st.db(move |c, _| {
        let mut out = Vec::new();
        for p in parts {
            let vens = events::target_vens(c, std::slice::from_ref(&p))?;
            out.push((p, vens.into_iter().collect()));
        }
        Ok(out)
    })
    .await
}

async fn follow_prints(st: &AppState, bridge: &Bridge) -> Result<()> {
    let cursor: Cursor = match st.db(|c, _| store::load_cursor(c)).await? {
        Some(j) => {
            serde_json::from_str(&j).map_err(|e| VtnError::Store(format!("chain cursor: {e}")))?
        }
        None => Cursor::default(),
    };
    let (logs, next) = watcher::poll(
        bridge.client.as_ref(),
        &bridge.contracts.event_manager,
        &cursor,
        &bridge.watch,
    )
    .await
    .map_err(chain_err)?;
    for log in &logs {
        let Ok(print) = DrPrint::from_value(&log.value) else {
            continue;
        };
        let Some(ev) = print.dr_event().cloned() else {
            continue;
        };
        let hex = log.value.to_hex().map_err(chain_err)?;
        let row = {
            let id = ev.event_id as i64;
            st.db(move |c, _| store::get_event(c, id)).await?
        };
        let Some(state) = events::fold(row.as_ref(), &ev)? else {
            continue;
        };
        let parts = participants_with_vens(st, bridge, ev.event_id).await?;
        let vens = parts.iter().flat_map(|(_, v)| v.iter().cloned()).collect();
        let reason = match ev.status {
            ChainEventStatus::Created => "chain: event created",
            ChainEventStatus::Active => "chain: event started",
            ChainEventStatus::Ended => "chain: event ended",
            ChainEventStatus::Cancelled => "chain: event cancelled",
        };
        let vtn_id = events::sync(st, bridge, state, hex, vens, reason).await?;
        tracing::info!(chain_event = ev.event_id, status = ?ev.status, vtn_event = ?vtn_id, "applied chain event");
    }
    let json = serde_json::to_string(&next).map_err(|e| VtnError::Store(e.to_string()))?;
    st.db(move |c, ctx| store::save_cursor(c, &json, ctx.now.timestamp_millis()))
        .await
}

/// Commitments arrive after an event is created: re-read the participants of
/// every event that has not ended and retarget when they change.
async fn refresh_targets(st: &AppState, bridge: &Bridge) -> Result<()> {
    let rows = st.db(|c, _| store::list_events(c)).await?;
    for row in rows {
        let ev = decode_event(&row.print_hex)?;
        if matches!(
            ev.status,
            ChainEventStatus::Ended | ChainEventStatus::Cancelled
        ) {
            continue;
        }
        let end = ev.start.saturating_add(ev.duration) as i64;
        if st.clock.now().timestamp() >= end {
            continue;
        }
        let parts = participants_with_vens(st, bridge, ev.event_id).await?;
        let vens: std::collections::BTreeSet<String> =
            parts.iter().flat_map(|(_, v)| v.iter().cloned()).collect();
        let known: std::collections::BTreeSet<String> =
            serde_json::from_str(&row.targets_json).unwrap_or_default();
        if vens != known {
            let state = adr_chain::mapping::ChainEventState {
                event: ev,
                modification_number: row.modification_number as u32,
            };
            events::sync(
                st,
                bridge,
                state,
                row.print_hex.clone(),
                vens,
                "chain: participants changed",
            )
            .await?;
        }
    }
    Ok(())
}

/// Ended events: compute entries once, queue their batches.
async fn settle_ended(st: &AppState, bridge: &Bridge) -> Result<()> {
    if bridge.oracle_key.is_none() {
        return Ok(());
    }
    let rows = st.db(|c, _| store::list_events(c)).await?;
    for row in rows
        .into_iter()
        .filter(|r| r.oracle_state == store::OracleState::Waiting.as_str())
    {
        let ev = decode_event(&row.print_hex)?;
        if ev.status != ChainEventStatus::Ended {
            continue;
        }
        let parts = participants_with_vens(st, bridge, ev.event_id).await?;
        let cfg = bridge.baseline;
        let data_oracle = bridge.contracts.data_oracle.clone();
        // Wait for the last interval's readings (they arrive after the end),
        // at most `oracle_wait(granularity)` past the end of the window.
        let end_s = ev.start.saturating_add(ev.duration) as i64;
        let wait = oracle_wait(st.settings.report_granularity);
        let past_deadline = st.clock.now().timestamp() >= end_s.saturating_add(wait);
        st.db(move |c, ctx| {
            let missing = oracle::missing_data(c, &parts, ev.start as i64, ev.duration as u32)?;
            if !missing.is_empty() {
                if !past_deadline {
                    tracing::debug!(
                        chain_event = ev.event_id,
                        ?missing,
                        "oracle waits for the last readings"
                    );
                    return Ok(());
                }
                // Settled with what is there; the gap is in the log and in
                // each entry's reading count, which `vtn verify` reproduces.
                tracing::warn!(
                    chain_event = ev.event_id,
                    ?missing,
                    wait_s = wait,
                    "oracle settles without the last readings of these VENs"
                );
            }
            let settled_at = ctx.now.timestamp_millis();
            let settled = oracle::settle_all(
                c,
                ev.event_id,
                ev.start as i64,
                ev.duration as u32,
                &parts,
                &cfg,
                settled_at,
            )?;
            let entries: Vec<_> = settled.iter().map(|(e, _, _)| e.clone()).collect();
            let batches = adr_chain::oracle::batches(entries).map_err(chain_err)?;
            c.immediate_transaction(|c| {
                for (i, batch) in batches.iter().enumerate() {
                    let call =
                        adr_chain::oracle::batch_call(&data_oracle, batch).map_err(chain_err)?;
                    for e in batch {
                        let (_, vens, n) = settled
                            .iter()
                            .find(|(s, _, _)| s.user == e.user)
                            .ok_or_else(|| VtnError::Store("entry lost while batching".into()))?;
                        store::insert_entry(
                            c,
                            &oracle::entry_row(e, vens, *n, i as i32, settled_at),
                        )?;
                    }
                    let item =
                        adr_chain::outbox::OutboxItem::new(outbox::item_key(ev.event_id, i), call);
                    outbox::enqueue(c, &item, ctx.now.timestamp_millis())?;
                }
                let mut r = row.clone();
                r.oracle_state = if batches.is_empty() {
                    store::OracleState::Nothing
                } else {
                    store::OracleState::Queued
                }
                .as_str()
                .into();
                store::upsert_event(c, &r, ctx.now.timestamp_millis())
            })?;
            tracing::info!(
                chain_event = ev.event_id,
                entries = settled.len(),
                batches = batches.len(),
                "oracle entries queued"
            );
            Ok(())
        })
        .await?;
    }
    Ok(())
}

/// How long past an event's end the oracle waits for the last readings:
/// four report periods, and at least a minute.
pub fn oracle_wait(granularity: adr_schema::Duration) -> i64 {
    (granularity.to_chrono().num_seconds().saturating_mul(4)).max(60)
}
