//! Following a contract's prints: which ones to apply next, exactly once.
//!
//! The API lists prints newest first with `limit`/`offset`, so the watcher
//! pages back from the newest until it meets its cursor (the last print it
//! applied), then applies what is newer, oldest first, stopping at the first
//! print that is not yet `confirmations` blocks deep. Nothing is applied
//! twice (everything up to the cursor is behind us), nothing is skipped (the
//! applied prints are a prefix of the unapplied ones, in chain order).
//!
//! [`plan`] is pure; [`poll`] does the paging. The VTN persists the returned
//! cursor in the same database transaction as the OpenADR changes the prints
//! cause, so a crash replays the whole poll or none of it.

use crate::clarity::ContractId;
use crate::client::{ChainClient, ContractLog};
use crate::error::{Error, Result};
use crate::tx::TxId;

/// The last print applied (`None`: nothing yet, start from the first).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Cursor {
    pub last: Option<EventKey>,
}

/// Where a print sits on chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EventKey {
    pub tx_id: TxId,
    pub event_index: u32,
    pub block_height: u64,
}

#[derive(Debug, Clone, Copy)]
pub struct WatchConfig {
    /// A print is applied once its block has this many confirmations (the
    /// tip block itself counts as one). At least 1.
    pub confirmations: u64,
    pub page_size: u32,
    /// Most prints read back in one poll before giving up (cursor lost).
    pub max_scan: usize,
}

impl Default for WatchConfig {
    fn default() -> Self {
        WatchConfig {
            confirmations: 3,
            page_size: 50,
            max_scan: 50_000,
        }
    }
}

/// What [`plan`] decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Fetch the next (older) page and call again.
    FetchMore,
    /// Apply these prints in this order, then store the cursor.
    Apply {
        events: Vec<ContractLog>,
        cursor: Cursor,
    },
}

fn same(e: &ContractLog, k: &EventKey) -> bool {
    e.tx_id == k.tx_id && e.event_index == k.event_index
}

/// Decides from the prints fetched so far (newest first, pages concatenated;
/// duplicates from shifting pages are ignored) and whether the last page
/// was short (`exhausted`: nothing older exists).
pub fn plan(
    cursor: &Cursor,
    fetched: &[ContractLog],
    exhausted: bool,
    tip: u64,
    cfg: &WatchConfig,
) -> Result<Plan> {
    let found = match &cursor.last {
        None => None,
        Some(k) => fetched.iter().position(|e| same(e, k)),
    };
    let newer = match (&cursor.last, found) {
        (_, Some(p)) => &fetched[..p],
        (None, None) if exhausted => fetched,
        (Some(k), None) => {
            let passed = fetched
                .iter()
                .any(|e| e.block_height.is_some_and(|h| h < k.block_height));
            if exhausted || passed {
                return Err(Error::CursorLost(format!(
                    "print {}#{} at height {} is no longer in the contract's history",
                    k.tx_id, k.event_index, k.block_height
                )));
            }
            if fetched.len() >= cfg.max_scan {
                return Err(Error::CursorLost(format!(
                    "more than {} prints since the cursor",
                    cfg.max_scan
                )));
            }
            return Ok(Plan::FetchMore);
        }
        (None, None) => {
            if fetched.len() >= cfg.max_scan {
                return Err(Error::CursorLost(format!(
                    "more than {} prints to replay",
                    cfg.max_scan
                )));
            }
            return Ok(Plan::FetchMore);
        }
    };
    let depth = cfg.confirmations.max(1);
    let mut events: Vec<ContractLog> = Vec::new();
    for e in newer.iter().rev() {
        if events
            .iter()
            .any(|x| x.tx_id == e.tx_id && x.event_index == e.event_index)
        {
            continue; // seen twice because a page shifted
        }
        let confirmed = e
            .block_height
            .is_some_and(|h| tip >= h && tip - h + 1 >= depth);
        if !confirmed {
            break;
        }
        events.push(e.clone());
    }
    let cursor = match events.last() {
        Some(e) => Cursor {
            last: Some(EventKey {
                tx_id: e.tx_id,
                event_index: e.event_index,
                block_height: e.block_height.unwrap_or_default(),
            }),
        },
        None => cursor.clone(),
    };
    Ok(Plan::Apply { events, cursor })
}

/// One poll: pages back from the newest print until [`plan`] is satisfied.
pub async fn poll(
    client: &dyn ChainClient,
    contract: &ContractId,
    cursor: &Cursor,
    cfg: &WatchConfig,
) -> Result<(Vec<ContractLog>, Cursor)> {
    let tip = client.tip_height().await?;
    let mut fetched = Vec::new();
    let mut offset = 0u32;
    loop {
        let page = client
            .contract_events(contract, cfg.page_size, offset)
            .await?;
        let exhausted = (page.len() as u32) < cfg.page_size;
        offset = offset.saturating_add(page.len() as u32);
        fetched.extend(page);
        match plan(cursor, &fetched, exhausted, tip, cfg)? {
            Plan::FetchMore => continue,
            Plan::Apply { events, cursor } => return Ok((events, cursor)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clarity::Value;

    fn ev(n: u8, h: u64) -> ContractLog {
        ContractLog {
            tx_id: TxId([n; 32]),
            event_index: 0,
            block_height: Some(h),
            value: Value::UInt(n.into()),
        }
    }

    fn ids(p: &Plan) -> Vec<u8> {
        match p {
            Plan::Apply { events, .. } => events.iter().map(|e| e.tx_id.0[0]).collect(),
            Plan::FetchMore => panic!("wanted Apply"),
        }
    }

    fn cfg() -> WatchConfig {
        WatchConfig {
            confirmations: 2,
            page_size: 2,
            max_scan: 100,
        }
    }

    #[test]
    fn applies_confirmed_in_order_and_stops_at_unconfirmed() {
        // newest first: 4@h10 3@h9 2@h8 1@h5
        let all = vec![ev(4, 10), ev(3, 9), ev(2, 8), ev(1, 5)];
        let p = plan(&Cursor::default(), &all, true, 10, &cfg()).unwrap();
        assert_eq!(ids(&p), vec![1, 2, 3]); // 4 has 1 confirmation only
        let Plan::Apply { cursor, .. } = p else {
            unreachable!()
        };
        // Same poll again: nothing new until 4 is deep enough.
        assert_eq!(
            ids(&plan(&cursor, &all, true, 10, &cfg()).unwrap()),
            Vec::<u8>::new()
        );
        assert_eq!(
            ids(&plan(&cursor, &all, true, 11, &cfg()).unwrap()),
            vec![4]
        );
    }

    #[test]
    fn needs_more_pages_until_the_cursor_shows() {
        let cur = Cursor {
            last: Some(EventKey {
                tx_id: TxId([1; 32]),
                event_index: 0,
                block_height: 5,
            }),
        };
        let page1 = vec![ev(4, 10), ev(3, 9)];
        assert_eq!(
            plan(&cur, &page1, false, 20, &cfg()).unwrap(),
            Plan::FetchMore
        );
        // Page 2 repeats 3 (a new print shifted the pages): no duplicate.
        let mut both = page1.clone();
        both.extend([ev(3, 9), ev(2, 8), ev(1, 5)]);
        assert_eq!(
            ids(&plan(&cur, &both, false, 20, &cfg()).unwrap()),
            vec![2, 3, 4]
        );
    }

    #[test]
    fn unknown_height_blocks_later_prints() {
        let mut pending = ev(3, 0);
        pending.block_height = None;
        let all = vec![ev(4, 9), pending, ev(2, 8)];
        assert_eq!(
            ids(&plan(&Cursor::default(), &all, true, 30, &cfg()).unwrap()),
            vec![2]
        );
    }

    #[test]
    fn a_vanished_cursor_is_an_error() {
        let cur = Cursor {
            last: Some(EventKey {
                tx_id: TxId([9; 32]),
                event_index: 0,
                block_height: 7,
            }),
        };
        assert!(matches!(
            plan(&cur, &[ev(2, 8), ev(1, 5)], false, 20, &cfg()),
            Err(Error::CursorLost(_))
        ));
        assert!(matches!(
            plan(&cur, &[ev(2, 8)], true, 20, &cfg()),
            Err(Error::CursorLost(_))
        ));
    }
}
