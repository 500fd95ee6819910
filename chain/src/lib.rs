//! Everything the VTN needs to talk to Stacks (see README.md):
//!
//! - [`clarity`]: the Clarity value model, consensus codec (tuples always
//!   sorted), a bounded never-panicking decoder, hex and c32 addresses;
//! - [`events`]: typed print events of the DR program;
//! - [`tx`]: signed contract calls (stacks-rs behind our own types);
//! - [`client`]: the [`ChainClient`] trait, with [`http::HttpChainClient`]
//!   and [`mock::MockChain`];
//! - [`watcher`] + [`mapping`]: prints → OpenADR event content, exactly once;
//! - [`targets`]: committed users → device hashes;
//! - [`oracle`] + [`outbox`]: baseline/actual/hash, batches, and the durable
//!   exactly-once submission outbox.
//!
//! Pure logic and IO are apart: `clarity`, `events`, `tx`, `mapping`,
//! `oracle` and the decision functions of `watcher` and `outbox` do no IO.
#![forbid(unsafe_code)]

pub mod clarity;
pub mod client;
pub mod error;
pub mod events;
pub mod http;
pub mod mapping;
pub mod mock;
pub mod oracle;
pub mod outbox;
pub mod targets;
pub mod tx;
pub mod watcher;

pub use clarity::{ContractId, Principal, StandardPrincipal, Value};
pub use client::{AccountNonces, ChainClient, ContractLog, RejectReason, TxStatus};
pub use error::{Error, Result};
pub use tx::{
    sign_contract_call, ContractCall, Network, PostConditionMode, SenderKey, SignedTx, TxId,
    TxParams,
};
