//! The chain behind one trait, so the VTN runs (and is tested) with a real
//! node ([`crate::http::HttpChainClient`]), an in-memory chain
//! ([`crate::mock::MockChain`]) or none at all.

use crate::clarity::{ContractId, Principal, Value};
use crate::error::Result;
use crate::tx::TxId;

/// Why a node refused a transaction (`POST /v2/transactions` → 400 `reason`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RejectReason {
    /// The nonce is not the next one: `expected` is the node's next nonce
    /// when it says so (our nonce is then already used if below it).
    BadNonce {
        expected: Option<u64>,
        actual: Option<u64>,
    },
    /// Another transaction with this nonce is in the mempool (possibly ours).
    ConflictingNonceInMempool,
    FeeTooLow,
    NotEnoughFunds,
    /// Any other reason string, verbatim.
    Other(String),
}

impl RejectReason {
    /// Reads the node's `reason` and `reason_data`.
    pub fn from_node(reason: &str, data: Option<&serde_json::Value>) -> Self {
        let field = |k: &str| {
            data.and_then(|d| d.get(k))
                .and_then(serde_json::Value::as_u64)
        };
        match reason {
            "BadNonce" => RejectReason::BadNonce {
                expected: field("expected"),
                actual: field("actual"),
            },
            "ConflictingNonceInMempool" => RejectReason::ConflictingNonceInMempool,
            "FeeTooLow" => RejectReason::FeeTooLow,
            "NotEnoughFunds" => RejectReason::NotEnoughFunds,
            other => RejectReason::Other(other.to_owned()),
        }
    }

    /// True when the refusal is about the nonce: our transaction (the same
    /// bytes) may already be in the mempool or on chain.
    pub fn is_nonce_conflict(&self) -> bool {
        matches!(
            self,
            RejectReason::BadNonce { .. } | RejectReason::ConflictingNonceInMempool
        )
    }
}

/// What the chain says about a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxStatus {
    /// In the mempool.
    Pending,
    /// Mined and its call returned `(ok ...)`.
    Success { block_height: u64, result: Value },
    /// Mined, but aborted (`abort_by_response`: the call returned `(err ...)`;
    /// `abort_by_post_condition`). The nonce is used.
    Aborted {
        block_height: Option<u64>,
        reason: String,
        result: Option<Value>,
    },
    /// Dropped from the mempool (`dropped_*`): it will not be mined as is.
    Dropped { reason: String },
    /// The API has never heard of it.
    NotFound,
}

/// An account's nonces (`/extended/v1/address/{p}/nonces`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountNonces {
    /// Next nonce counting confirmed transactions only.
    pub confirmed_next: u64,
    /// Next nonce counting the mempool too.
    pub possible_next: u64,
    /// Nonces below `possible_next` with no transaction anywhere (gaps).
    pub missing: Vec<u64>,
}

/// One print (`contract_log`) of a contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractLog {
    pub tx_id: TxId,
    /// Index of the event within its transaction.
    pub event_index: u32,
    /// Block of the transaction; `None` if not (yet) known.
    pub block_height: Option<u64>,
    pub value: Value,
}

/// The Stacks node and API subset the bridge uses.
#[async_trait::async_trait]
pub trait ChainClient: Send + Sync {
    /// The account's nonces.
    async fn nonces(&self, address: &Principal) -> Result<AccountNonces>;
    /// Posts serialised transaction bytes. `Err(Error::Rejected)` when the
    /// node refused them, `Err(Error::Unavailable)` when we cannot tell.
    async fn broadcast(&self, tx_bytes: &[u8]) -> Result<TxId>;
    async fn tx_status(&self, txid: &TxId) -> Result<TxStatus>;
    /// Evaluates a read-only function; `args` are encoded by our encoder.
    async fn call_read(
        &self,
        contract: &ContractId,
        function: &str,
        args: &[Value],
        sender: &Principal,
    ) -> Result<Value>;
    /// A page of the contract's prints, newest first.
    async fn contract_events(
        &self,
        contract: &ContractId,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<ContractLog>>;
    /// Height of the chain tip (Stacks blocks).
    async fn tip_height(&self) -> Result<u64>;
}
