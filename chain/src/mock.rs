//! An in-memory chain for tests: a mempool, blocks, nonces, prints and
//! read-only answers, with scripted failures.
//!
//! It follows a node where it matters to the outbox: a transaction whose
//! nonce is already used is refused with `BadNonce`, a second transaction for
//! a nonce in the mempool with `ConflictingNonceInMempool`, the same bytes
//! again are accepted silently, and a mined transaction (success or abort)
//! uses its nonce.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;

use crate::clarity::{ContractId, Principal, StandardPrincipal, Value};
use crate::client::{AccountNonces, ChainClient, ContractLog, RejectReason, TxStatus};
use crate::error::{Error, Result};
use crate::tx::TxId;

/// How a mined transaction turns out.
#[derive(Debug, Clone)]
pub enum Outcome {
    Success(Value),
    Abort(Value),
}

#[derive(Debug, Clone)]
struct MempoolTx {
    txid: TxId,
    sender: StandardPrincipal,
    nonce: u64,
}

#[derive(Default)]
struct State {
    height: u64,
    nonces: HashMap<StandardPrincipal, u64>,
    mempool: Vec<MempoolTx>,
    mined: HashMap<TxId, TxStatus>,
    dropped: HashMap<TxId, String>,
    outcomes: VecDeque<Outcome>,
    events: BTreeMap<ContractId, Vec<ContractLog>>,
    reads: HashMap<(ContractId, String, String), Value>,
    down: bool,
    fail_next: HashMap<&'static str, u32>,
    /// Broadcasts that reach the mempool but answer Unavailable.
    lose_responses: u32,
    /// Broadcasts answered 200 whose tx is then lost.
    swallow: u32,
    broadcasts: u32,
    next_fake_tx: u64,
}

/// The mock chain. Cheap to share behind an `Arc`.
#[derive(Default)]
pub struct MockChain {
    s: Mutex<State>,
}

/// Sender and nonce of a standard single-sig transaction (what our signer
/// writes): version(1) chain(4) auth(1) hash-mode(1) signer(20) nonce(8).
fn sender_and_nonce(tx: &[u8]) -> Option<(StandardPrincipal, u64)> {
    if tx.len() < 43 || tx[5] != 0x04 {
        return None;
    }
    let version = if tx[0] == 0x00 { 22 } else { 26 };
    let hash160: [u8; 20] = tx[7..27].try_into().ok()?;
    let nonce = u64::from_be_bytes(tx[27..35].try_into().ok()?);
    Some((StandardPrincipal { version, hash160 }, nonce))
}

fn args_key(args: &[Value]) -> String {
    args.iter()
        .map(|a| a.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

impl MockChain {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.s.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn gate(&self, op: &'static str) -> Result<()> {
        let mut s = self.lock();
        if s.down {
            return Err(Error::Unavailable(format!("mock: node down ({op})")));
        }
        if let Some(n) = s.fail_next.get_mut(op) {
            if *n > 0 {
                *n -= 1;
                return Err(Error::Unavailable(format!("mock: scripted failure ({op})")));
            }
        }
        Ok(())
    }

    /// Every call answers `Unavailable` while down.
    pub fn set_down(&self, down: bool) {
        self.lock().down = down;
    }
    /// The next `n` calls of `op` ("broadcast", "tx_status", "nonces",
    /// "call_read", "contract_events", "tip_height") answer `Unavailable`.
    pub fn fail_next(&self, op: &'static str, n: u32) {
        self.lock().fail_next.insert(op, n);
    }
    /// The next `n` broadcasts reach the mempool but answer `Unavailable`
    /// (a timeout after delivery).
    pub fn lose_responses(&self, n: u32) {
        self.lock().lose_responses = n;
    }
    /// The next `n` broadcasts answer 200 but the node then loses the tx.
    pub fn swallow(&self, n: u32) {
        self.lock().swallow = n;
    }
    /// Outcomes for the next mined transactions (default `(ok true)`).
    pub fn script_outcomes(&self, o: impl IntoIterator<Item = Outcome>) {
        self.lock().outcomes.extend(o);
    }
    /// Sets an account's next nonce (e.g. used by another wallet).
    pub fn set_nonce(&self, who: StandardPrincipal, next: u64) {
        self.lock().nonces.insert(who, next);
    }
    /// Drops a mempool transaction (it is not mined).
    pub fn drop_tx(&self, txid: &TxId, reason: &str) {
        let mut s = self.lock();
        s.mempool.retain(|t| &t.txid != txid);
        s.dropped.insert(*txid, reason.to_owned());
    }
    /// Answer for a read-only call.
    pub fn set_read(&self, contract: &ContractId, function: &str, args: Vec<Value>, result: Value) {
        self.lock().reads.insert(
            (contract.clone(), function.to_owned(), args_key(&args)),
            result,
        );
    }
    /// Appends a print of `contract` in a fresh transaction at the current height.
    pub fn push_event(&self, contract: &ContractId, value: Value) -> TxId {
        let mut s = self.lock();
        s.next_fake_tx += 1;
        let mut id = [0u8; 32];
        id[..8].copy_from_slice(&s.next_fake_tx.to_be_bytes());
        id[31] = 0xee;
        let tx_id = TxId(id);
        let height = s.height;
        s.events
            .entry(contract.clone())
            .or_default()
            .push(ContractLog {
                tx_id,
                event_index: 0,
                block_height: Some(height),
                value,
            });
        tx_id
    }
    /// Mines one block: every mempool transaction whose nonce is next for
    /// its sender (repeatedly), in nonce order.
    pub fn mine_block(&self) -> Vec<TxId> {
        let mut s = self.lock();
        s.height += 1;
        let height = s.height;
        let mut mined = Vec::new();
        loop {
            let pos = s
                .mempool
                .iter()
                .position(|t| s.nonces.get(&t.sender).copied().unwrap_or(0) == t.nonce);
            let Some(pos) = pos else { break };
            let t = s.mempool.remove(pos);
            *s.nonces.entry(t.sender).or_default() += 1;
            let status = match s.outcomes.pop_front() {
                None => TxStatus::Success {
                    block_height: height,
                    result: Value::ok(Value::Bool(true)),
                },
                Some(Outcome::Success(v)) => TxStatus::Success {
                    block_height: height,
                    result: v,
                },
                Some(Outcome::Abort(v)) => TxStatus::Aborted {
                    block_height: Some(height),
                    reason: "abort_by_response".into(),
                    result: Some(v),
                },
            };
            s.mined.insert(t.txid, status);
            mined.push(t.txid);
        }
        mined
    }
    /// Adds empty blocks.
    pub fn advance(&self, blocks: u64) {
        self.lock().height += blocks;
    }
    /// How many broadcasts were attempted (including refused ones).
    pub fn broadcast_count(&self) -> u32 {
        self.lock().broadcasts
    }
    /// Transactions mined so far.
    pub fn mined(&self) -> HashMap<TxId, TxStatus> {
        self.lock().mined.clone()
    }
    pub fn mempool_len(&self) -> usize {
        self.lock().mempool.len()
    }
}

#[async_trait::async_trait]
impl ChainClient for MockChain {
    async fn nonces(&self, address: &Principal) -> Result<AccountNonces> {
        self.gate("nonces")?;
        let s = self.lock();
        let Principal::Standard(p) = address else {
            return Err(Error::Invalid("contracts have no nonce".into()));
        };
        let confirmed_next = s.nonces.get(p).copied().unwrap_or(0);
        let mut possible_next = confirmed_next;
        while s
            .mempool
            .iter()
            .any(|t| &t.sender == p && t.nonce == possible_next)
        {
            possible_next += 1;
        }
        Ok(AccountNonces {
            confirmed_next,
            possible_next,
            missing: Vec::new(),
        })
    }

    async fn broadcast(&self, tx_bytes: &[u8]) -> Result<TxId> {
        self.lock().broadcasts += 1;
        self.gate("broadcast")?;
        let txid = TxId::of(tx_bytes);
        let (sender, nonce) = sender_and_nonce(tx_bytes).ok_or_else(|| Error::Rejected {
            reason: RejectReason::Other("Deserialization".into()),
            detail: String::new(),
        })?;
        let mut s = self.lock();
        if s.swallow > 0 {
            s.swallow -= 1;
            return Ok(txid);
        }
        if s.mempool.iter().any(|t| t.txid == txid) {
            return Ok(txid);
        }
        let expected = s.nonces.get(&sender).copied().unwrap_or(0);
        if nonce < expected {
            return Err(Error::Rejected {
                reason: RejectReason::BadNonce {
                    expected: Some(expected),
                    actual: Some(nonce),
                },
                detail: "transaction rejected".into(),
            });
        }
        if s.mempool
            .iter()
            .any(|t| t.sender == sender && t.nonce == nonce)
        {
            return Err(Error::Rejected {
                reason: RejectReason::ConflictingNonceInMempool,
                detail: "transaction rejected".into(),
            });
        }
        s.dropped.remove(&txid);
        s.mempool.push(MempoolTx {
            txid,
            sender,
            nonce,
        });
        if s.lose_responses > 0 {
            s.lose_responses -= 1;
            return Err(Error::Unavailable("mock: response lost".into()));
        }
        Ok(txid)
    }

    async fn tx_status(&self, txid: &TxId) -> Result<TxStatus> {
        self.gate("tx_status")?;
        let s = self.lock();
        if let Some(st) = s.mined.get(txid) {
            return Ok(st.clone());
        }
        if s.mempool.iter().any(|t| &t.txid == txid) {
            return Ok(TxStatus::Pending);
        }
        if let Some(r) = s.dropped.get(txid) {
            return Ok(TxStatus::Dropped { reason: r.clone() });
        }
        Ok(TxStatus::NotFound)
    }

    async fn call_read(
        &self,
        contract: &ContractId,
        function: &str,
        args: &[Value],
        _sender: &Principal,
    ) -> Result<Value> {
        self.gate("call_read")?;
        self.lock()
            .reads
            .get(&(contract.clone(), function.to_owned(), args_key(args)))
            .cloned()
            .ok_or_else(|| Error::ReadOnly(format!("mock: no answer for {contract}.{function}")))
    }

    async fn contract_events(
        &self,
        contract: &ContractId,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<ContractLog>> {
        self.gate("contract_events")?;
        let s = self.lock();
        let all = s.events.get(contract).map(Vec::as_slice).unwrap_or(&[]);
        Ok(all
            .iter()
            .rev()
            .skip(offset as usize)
            .take(limit as usize)
            .cloned()
            .collect())
    }

    async fn tip_height(&self) -> Result<u64> {
        self.gate("tip_height")?;
        Ok(self.lock().height)
    }
}
