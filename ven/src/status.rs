//! `ven status`: what the store says about a VEN, running or not (SQLite
//! WAL lets it read beside the agent): its registration, the readings
//! waiting in the outbox, and the reports the VTN refuses, set aside or
//! backing off.

use std::fmt::Write as _;

use adr_schema::Timestamp;

use crate::agent::REFUSALS_KEY;
use crate::error::{Result, VenError};
use crate::protocol::delivery::Refused;
use crate::store::Store;

fn at(t: Timestamp) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The status text (one fact per line).
pub fn render(store: &mut Store) -> Result<String> {
    let mut out = String::new();
    let w = |e: std::fmt::Error| VenError::Store(e.to_string());
    match store.registration()? {
        Some(r) => writeln!(
            out,
            "registration: venID {}, registrationID {}, vtnID {}, poll every {} s",
            r.ven_id, r.registration_id, r.vtn_id, r.poll_freq_s
        ),
        None => writeln!(out, "registration: none"),
    }
    .map_err(w)?;
    let summary = store.outbox_summary()?;
    let total: i64 = summary.iter().map(|s| s.2).sum();
    writeln!(out, "outbox: {total} readings waiting for the VTN").map_err(w)?;
    for (spec, rid, n, oldest) in &summary {
        writeln!(
            out,
            "  {spec} {rid}: {n} readings, oldest from {}",
            at(*oldest)
        )
        .map_err(w)?;
    }
    let refused: Vec<Refused> = match store.get(REFUSALS_KEY)? {
        Some(s) => serde_json::from_str(&s)
            .map_err(|e| VenError::Store(format!("stored report refusals: {e}")))?,
        None => Vec::new(),
    };
    if refused.is_empty() {
        writeln!(out, "reports refused by the VTN: none").map_err(w)?;
    } else {
        writeln!(out, "reports refused by the VTN:").map_err(w)?;
    }
    for r in &refused {
        let kept: i64 = summary
            .iter()
            .filter(|s| s.0 == r.report)
            .map(|s| s.2)
            .sum();
        let state = if r.set_aside {
            format!(
                "set aside after {} refusals, not sent nor sampled until the VTN requests it again",
                r.refusals
            )
        } else {
            format!(
                "refused {} time{}, retrying at {}",
                r.refusals,
                if r.refusals == 1 { "" } else { "s" },
                r.retry_at.map_or("-".into(), at)
            )
        };
        writeln!(
            out,
            "  {}: {state}; {kept} readings kept; first refused {}, last {}: {}",
            r.report,
            at(r.first_at),
            at(r.last_at),
            r.last_error
        )
        .map_err(w)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::delivery::{Delivery, Verdict};
    use std::time::Duration;

    #[test]
    fn shows_set_aside_and_backing_off_reports() {
        let mut s = Store::open(":memory:").unwrap();
        assert!(render(&mut s)
            .unwrap()
            .contains("reports refused by the VTN: none"));
        let t0: adr_schema::Timestamp = "2026-07-01T12:00:00Z".parse().unwrap();
        let mut d = Delivery::new(2);
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(1);
        let b = Duration::from_secs(1);
        d.answered();
        d.refused(
            "TELEMETRY_STATUS",
            "HTTP 500 from x".into(),
            t0,
            b,
            b,
            &mut rng,
        );
        d.answered();
        assert_eq!(
            d.refused(
                "TELEMETRY_STATUS",
                "HTTP 500 from x".into(),
                t0,
                b,
                b,
                &mut rng
            ),
            Verdict::SetAside
        );
        d.refused(
            "TELEMETRY_USAGE",
            "oadrUpdatedReport 461: x".into(),
            t0,
            b,
            b,
            &mut rng,
        );
        s.set(
            REFUSALS_KEY,
            Some(&serde_json::to_string(&d.refusals()).unwrap()),
        )
        .unwrap();
        let text = render(&mut s).unwrap();
        let line = |k: &str| text.lines().find(|l| l.contains(k)).unwrap().to_owned();
        let st = line("TELEMETRY_STATUS:");
        assert!(st.contains("set aside after 2 refusals"), "{text}");
        assert!(st.contains("HTTP 500 from x"), "{text}");
        let us = line("TELEMETRY_USAGE:");
        assert!(us.contains("refused 1 time, retrying at"), "{text}");
    }
}
