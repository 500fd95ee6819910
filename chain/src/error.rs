//! The crate's one error type.

use crate::client::RejectReason;

/// Everything that can go wrong talking to Stacks.
///
/// Broadcast failures are split in two on purpose: [`Error::Rejected`] means
/// the node read the transaction and said no (it is *not* in its mempool),
/// [`Error::Unavailable`] means we do not know (timeout, connection refused,
/// 5xx): the transaction may or may not have arrived, so the outbox keeps the
/// same signed bytes and asks again later.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Bad hex text (odd length, non-hex digit).
    #[error("invalid hex: {0}")]
    Hex(String),
    /// Consensus bytes that are not a valid Clarity value.
    #[error("invalid Clarity value at byte {offset}: {reason}")]
    Decode { offset: usize, reason: String },
    /// A value that cannot be consensus-serialised (name too long, non-ASCII
    /// in a string-ascii, ...).
    #[error("cannot encode Clarity value: {0}")]
    Encode(String),
    /// A malformed `ST...`/`SP...` address or `addr.contract` id.
    #[error("invalid address: {0}")]
    Address(String),
    /// A print event whose fields do not have the documented shape.
    #[error("print event {event}: field {field}: {reason}")]
    Field {
        event: String,
        field: String,
        reason: String,
    },
    /// A private key we cannot use.
    #[error("invalid key: {0}")]
    Key(String),
    /// stacks-rs refused to build or sign.
    #[error("signing failed: {0}")]
    Signing(String),
    /// The node read the transaction and refused it.
    #[error("transaction rejected: {reason:?} {detail}")]
    Rejected {
        reason: RejectReason,
        detail: String,
    },
    /// Transport failure, timeout or a 5xx: the outcome is unknown.
    #[error("chain unavailable: {0}")]
    Unavailable(String),
    /// The node or API answered with a shape we do not understand.
    #[error("unexpected API response: {0}")]
    Api(String),
    /// A read-only call that the node could not evaluate (`okay: false`).
    #[error("read-only call failed: {0}")]
    ReadOnly(String),
    /// The watcher cannot find its cursor in the chain's history (a reorg
    /// deeper than the confirmation depth, or a wrong contract id).
    #[error("watcher cursor lost: {0}")]
    CursorLost(String),
    /// Not enough readings for a baseline or the event window.
    #[error("insufficient data: {0}")]
    InsufficientData(String),
    /// Invalid input to a pure function (bad reading, empty batch, ...).
    #[error("invalid input: {0}")]
    Invalid(String),
}

impl Error {
    /// True when trying the same thing later may succeed (transport trouble).
    pub fn is_transient(&self) -> bool {
        matches!(self, Error::Unavailable(_))
    }

    pub(crate) fn decode(offset: usize, reason: impl Into<String>) -> Self {
        Error::Decode {
            offset,
            reason: reason.into(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
