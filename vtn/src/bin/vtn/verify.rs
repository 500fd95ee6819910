//! `vtn verify`: recompute each participant's oracle data from the stored
//! readings and compare with data-oracle on chain.

use anyhow::Context;
use vtn::config::{Overrides, Settings};

use crate::cli::VerifyArgs;

pub(crate) fn verify(a: VerifyArgs) -> anyhow::Result<()> {
    let settings = Settings::load(
        a.config.as_deref(),
        Overrides {
            db: a.db,
            ..Default::default()
        },
    )?;
    let cc = settings.chain.clone().context(
        "no chain configured: give [chain] in --config or VTN_CHAIN_NODE and VTN_CHAIN_DEPLOYER",
    )?;
    let bridge = vtn::bridge::Bridge::from_config(&cc)?;
    if !settings.db.exists() {
        anyhow::bail!("no database at {}", settings.db.display());
    }
    let pool = vtn::store::open(&settings.db)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let checks = rt.block_on(vtn::bridge::verify::verify(&pool, &bridge, a.event))?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&checks)?);
    } else {
        println!(
            "{:<44} {:>8} {:>12} {:>12} {:>12} {:>12}  {:<10} result",
            "participant", "readings", "baseline Wh", "chain", "actual Wh", "chain", "hash"
        );
        let o = |v: Option<u128>| v.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
        for c in &checks {
            let hash = match (&c.hash, &c.chain_hash) {
                (Some(a), Some(b)) if a == b => "same".to_string(),
                (Some(_), Some(_)) => "DIFFERENT".to_string(),
                (None, _) => "no data".to_string(),
                (_, None) => "not on chain".to_string(),
            };
            println!(
                "{:<44} {:>8} {:>12} {:>12} {:>12} {:>12}  {:<10} {}",
                c.user,
                c.readings,
                o(c.baseline_wh),
                o(c.chain_baseline_wh),
                o(c.actual_wh),
                o(c.chain_actual_wh),
                hash,
                if c.ok { "ok" } else { "MISMATCH" }
            );
            if let Some(n) = &c.note {
                println!("    {n}");
            }
        }
    }
    let bad = checks.iter().filter(|c| !c.ok).count();
    // With --json, standard output carries the JSON and nothing else; the
    // exit code still says whether every participant matched.
    if checks.is_empty() {
        anyhow::bail!(
            "event {}: no oracle submissions recorded by this VTN",
            a.event
        );
    }
    if bad > 0 {
        anyhow::bail!(
            "event {}: {bad} of {} participants do not match the chain",
            a.event,
            checks.len()
        );
    }
    if !a.json {
        println!(
            "event {}: all {} participants match the chain",
            a.event,
            checks.len()
        );
    }
    Ok(())
}
