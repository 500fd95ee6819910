//! `vtn verify --event ID`: recompute every participant's numbers and hash
//! from the readings stored here and compare them with what data-oracle
//! holds. Anyone with the VTN's database and a node can run it.

use adr_chain::clarity::hex::to_hex;
use adr_chain::{Principal, Value};

use super::{chain_err, oracle, store, Bridge};
use crate::error::Result;
use crate::store::Pool;

/// One participant's comparison.
#[derive(Debug, serde::Serialize)]
pub struct Check {
    pub user: String,
    pub readings: usize,
    pub baseline_wh: Option<u128>,
    pub actual_wh: Option<u128>,
    pub hash: Option<String>,
    pub chain_baseline_wh: Option<u128>,
    pub chain_actual_wh: Option<u128>,
    pub chain_hash: Option<String>,
    pub ok: bool,
    /// Why a participant could not be compared (e.g. on chain, not here).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

pub async fn verify(pool: &Pool, bridge: &Bridge, chain_event_id: u64) -> Result<Vec<Check>> {
    let mut c = pool.get()?;
    let row = store::get_event(&mut c, chain_event_id as i64)?.ok_or_else(|| {
        crate::error::VtnError::not_found(format!(
            "chain event {chain_event_id} (never seen by this VTN)"
        ))
    })?;
    let ev = super::decode_event(&row.print_hex)?;
    let entries = store::entries_of(&mut c, chain_event_id as i64)?;
    let mut out = Vec::new();
    for e in entries {
        let vens: Vec<String> = serde_json::from_str(&e.ven_ids_json).unwrap_or_default();
        let readings = oracle::readings_for(
            &mut c,
            &vens,
            ev.start as i64,
            ev.duration as u32,
            &bridge.baseline,
            e.settled_at,
        )?;
        let ours = adr_chain::oracle::settle(
            &readings,
            ev.start as i64,
            ev.duration as u32,
            &bridge.baseline,
        )
        .ok();
        let user = Principal::parse(&e.user_principal).map_err(chain_err)?;
        let on_chain = bridge
            .client
            .call_read(
                &bridge.contracts.data_oracle,
                "get-reading",
                &[Value::UInt(chain_event_id.into()), Value::Principal(user)],
                &bridge.reader,
            )
            .await
            .map_err(chain_err)?;
        let tuple = on_chain
            .as_optional()
            .flatten()
            .and_then(|v| v.as_tuple().cloned());
        let field = |k: &str| tuple.as_ref().and_then(|t| t.get(k).cloned());
        let chain_baseline = field("baseline-wh").and_then(|v| v.as_uint());
        let chain_actual = field("actual-wh").and_then(|v| v.as_uint());
        let chain_hash = field("data-hash").and_then(|v| v.as_buffer().map(to_hex));
        let hash = ours.as_ref().map(|s| to_hex(&s.data_hash));
        let ok = ours.is_some()
            && hash == chain_hash
            && ours.as_ref().map(|s| s.baseline_wh) == chain_baseline
            && ours.as_ref().map(|s| s.actual_wh) == chain_actual;
        out.push(Check {
            user: e.user_principal.clone(),
            readings: ours
                .as_ref()
                .map_or(0, |s| s.canonical.iter().filter(|&&b| b == b'\n').count()),
            baseline_wh: ours.as_ref().map(|s| s.baseline_wh),
            actual_wh: ours.as_ref().map(|s| s.actual_wh),
            hash,
            chain_baseline_wh: chain_baseline,
            chain_actual_wh: chain_actual,
            chain_hash,
            ok,
            note: None,
        });
    }
    // The chain's participant list, not only the ones this VTN recorded: a
    // participant the VTN never settled is a mismatch an auditor must see.
    let on_chain = adr_chain::targets::event_participants(
        bridge.client.as_ref(),
        &bridge.contracts,
        chain_event_id,
        &bridge.reader,
    )
    .await
    .map_err(chain_err)?;
    for p in on_chain {
        let user = p.user.to_string();
        if out.iter().any(|c| c.user == user) {
            continue;
        }
        out.push(Check {
            user,
            readings: 0,
            baseline_wh: None,
            actual_wh: None,
            hash: None,
            chain_baseline_wh: None,
            chain_actual_wh: None,
            chain_hash: None,
            ok: false,
            note: Some("a participant on chain that this VTN recorded no oracle data for".into()),
        });
    }
    Ok(out)
}
