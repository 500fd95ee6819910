//! In-memory index of VENs, so that the poll hot path (an empty poll from a
//! registered VEN) touches no database: a read lock, two atomics.
//!
//! The database stays the source of truth; this index is rebuilt from it at
//! start and updated after each committed change.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI32, AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

/// What the hot path needs to know about one VEN.
#[derive(Debug)]
pub struct VenEntry {
    pub ven_id: String,
    pub registration_id: Option<String>,
    /// Push VENs: the transport address to POST to.
    pub push_address: Option<String>,
    /// Messages waiting in `pending_messages` for this VEN.
    /// Signed so that a decrement applied before its increment still sums right.
    pub pending: AtomicI32,
    /// Unix ms of the last message from this VEN (flushed to the DB by a job).
    pub last_contact: AtomicI64,
}

impl VenEntry {
    pub fn is_registered(&self) -> bool {
        self.registration_id.is_some()
    }
}

#[derive(Debug, Default)]
pub struct Registry {
    map: RwLock<HashMap<String, Arc<VenEntry>>>,
    /// venID → bound certificate fingerprint (normalised), for the TLS poll hot path.
    fingerprints: RwLock<HashMap<String, String>>,
}

impl Registry {
    pub fn set_fingerprint(&self, ven_id: &str, fp: Option<&str>) {
        let mut m = self.fingerprints.write().unwrap_or_else(|e| e.into_inner());
        match fp.and_then(adr_schema::fingerprint::normalize) {
            Some(f) => m.insert(ven_id.to_string(), f),
            None => m.remove(ven_id),
        };
    }

    /// Is `fp` the certificate bound to this VEN?
    pub fn fingerprint_is(&self, ven_id: &str, fp: &str) -> bool {
        self.fingerprints
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(ven_id)
            .is_some_and(|f| f == fp)
    }

    /// Room for `n` VENs at once (start-up), so the map does not grow by
    /// doubling, holding the old and the new table at the same time.
    pub fn reserve(&self, n: usize) {
        self.map
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .reserve(n);
    }

    pub fn get(&self, ven_id: &str) -> Option<Arc<VenEntry>> {
        self.map
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(ven_id)
            .cloned()
    }

    /// Insert or replace a VEN's entry, keeping its counters.
    pub fn upsert(
        &self,
        ven_id: &str,
        registration_id: Option<String>,
        push_address: Option<String>,
    ) {
        let mut m = self.map.write().unwrap_or_else(|e| e.into_inner());
        let (pending, last) = m
            .get(ven_id)
            .map(|e| {
                (
                    e.pending.load(Ordering::Relaxed),
                    e.last_contact.load(Ordering::Relaxed),
                )
            })
            .unwrap_or((0, 0));
        m.insert(
            ven_id.to_string(),
            Arc::new(VenEntry {
                ven_id: ven_id.to_string(),
                registration_id,
                push_address,
                pending: AtomicI32::new(pending),
                last_contact: AtomicI64::new(last),
            }),
        );
    }

    pub fn set_pending(&self, ven_id: &str, n: i32) {
        if let Some(e) = self.get(ven_id) {
            e.pending.store(n, Ordering::Relaxed);
        }
    }

    pub fn add_pending(&self, ven_id: &str, n: i32) {
        if let Some(e) = self.get(ven_id) {
            e.pending.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// Reset every counter to what the database holds (run by a job, to heal
    /// any drift between a commit and its mirror).
    pub fn resync_pending(&self, counts: &HashMap<String, i64>) {
        for (id, e) in self.map.read().unwrap_or_else(|e| e.into_inner()).iter() {
            e.pending.store(
                counts.get(id).copied().unwrap_or(0) as i32,
                Ordering::Relaxed,
            );
        }
    }

    pub fn touch(&self, ven_id: &str, now_ms: i64) {
        if let Some(e) = self.get(ven_id) {
            e.last_contact.fetch_max(now_ms, Ordering::Relaxed);
        }
    }

    /// (ven_id, last_contact) of every VEN heard from since start.
    pub fn contacts(&self) -> Vec<(String, i64)> {
        self.map
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .filter_map(|e| {
                let t = e.last_contact.load(Ordering::Relaxed);
                (t > 0).then(|| (e.ven_id.clone(), t))
            })
            .collect()
    }

    /// Push VENs with something waiting.
    pub fn push_backlog(&self) -> Vec<String> {
        self.map
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .filter(|e| {
                e.push_address.is_some()
                    && e.is_registered()
                    && e.pending.load(Ordering::Relaxed) > 0
            })
            .map(|e| e.ven_id.clone())
            .collect()
    }

    /// Every entry (for the metrics scrape).
    pub fn snapshot(&self) -> Vec<Arc<VenEntry>> {
        self.map
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }

    pub fn len(&self) -> usize {
        self.map.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
