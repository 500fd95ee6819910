//! The per-source limit on new registrations: without it anyone who can
//! reach an open VTN could fill its database with VENs.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// Sources remembered at most; beyond this, counts of past minutes are dropped.
const MAX_SOURCES: usize = 65_536;

/// New VENs added per source address in the current minute.
#[derive(Debug)]
pub struct NewVenLimit {
    /// 0: no limit.
    per_minute: u32,
    seen: Mutex<HashMap<IpAddr, (i64, u32)>>,
}

impl NewVenLimit {
    pub fn new(per_minute: u32) -> Self {
        NewVenLimit {
            per_minute,
            seen: Mutex::new(HashMap::new()),
        }
    }

    fn minute(now_ms: i64) -> i64 {
        now_ms.div_euclid(60_000)
    }

    /// Whether `source` may add another VEN now. A race between two
    /// requests from one source can admit one more than the limit, which is
    /// harmless: the limit is about floods, not exact counts.
    pub fn allows(&self, source: Option<IpAddr>, now_ms: i64) -> bool {
        let (Some(ip), n @ 1..) = (source, self.per_minute) else {
            return true;
        };
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        match seen.get(&ip) {
            Some(&(m, count)) if m == Self::minute(now_ms) => count < n,
            _ => true,
        }
    }

    /// Count `added` new VENs from `source`.
    pub fn record(&self, source: Option<IpAddr>, now_ms: i64, added: u32) {
        let Some(ip) = source.filter(|_| added > 0 && self.per_minute > 0) else {
            return;
        };
        let minute = Self::minute(now_ms);
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() >= MAX_SOURCES {
            seen.retain(|_, (m, _)| *m == minute);
        }
        let e = seen.entry(ip).or_insert((minute, 0));
        if e.0 != minute {
            *e = (minute, 0);
        }
        e.1 = e.1.saturating_add(added);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_gets_its_quota_per_minute_and_others_are_unaffected() {
        let l = NewVenLimit::new(2);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let t = 1_000_000 * 60_000;
        assert!(l.allows(Some(a), t));
        l.record(Some(a), t, 1);
        assert!(l.allows(Some(a), t + 1));
        l.record(Some(a), t + 1, 1);
        assert!(!l.allows(Some(a), t + 2));
        assert!(l.allows(Some(b), t + 2));
        // Next minute: allowed again.
        assert!(l.allows(Some(a), t + 60_000));
        // No limit, or no known source (an operator): always allowed.
        let open = NewVenLimit::new(0);
        open.record(Some(a), t, 100);
        assert!(open.allows(Some(a), t));
        assert!(l.allows(None, t + 3));
    }
}
