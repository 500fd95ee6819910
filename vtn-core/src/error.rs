//! The decision core's one error type, mapped to OpenADR response codes here
//! and nowhere else.

use adr_schema::ResponseCode;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An id or value of the message that the codec's types refuse.
    #[error("invalid message: {0}")]
    Xml(#[from] adr_schema::Error),
    #[error("{0}")]
    InvalidData(String),
    #[error("{0} is not served by the {1} service")]
    WrongService(&'static str, &'static str),
    #[error("VEN {0} is not registered")]
    NotRegistered(String),
    #[error("invalid ID: {0}")]
    InvalidId(String),
    #[error("out of sequence: {0}")]
    OutOfSequence(String),
    #[error("not allowed: {0}")]
    NotAllowed(String),
    #[error("report not supported: {0}")]
    ReportNotSupported(String),
    /// An operator named something that does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// A stored value that does not read back (names the row): never
    /// silently defaulted.
    #[error("corrupt stored value in {what}: {detail}")]
    Corrupt { what: String, detail: String },
    /// The view could not be read (the store's own error, as text).
    #[error("storage error: {0}")]
    Store(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn data(msg: impl Into<String>) -> Self {
        Error::InvalidData(msg.into())
    }

    pub fn corrupt(what: impl Into<String>, detail: impl std::fmt::Display) -> Self {
        Error::Corrupt {
            what: what.into(),
            detail: detail.to_string(),
        }
    }

    /// The OpenADR response code for this error.
    pub fn response_code(&self) -> ResponseCode {
        match self {
            Error::Xml(_) | Error::InvalidData(_) => ResponseCode::INVALID_DATA,
            Error::WrongService(..) => ResponseCode::NOT_RECOGNIZED,
            Error::NotRegistered(_) => ResponseCode::NOT_REGISTERED_OR_AUTHORIZED,
            Error::InvalidId(_) | Error::NotFound(_) => ResponseCode::INVALID_ID,
            Error::OutOfSequence(_) => ResponseCode::OUT_OF_SEQUENCE,
            Error::NotAllowed(_) => ResponseCode::NOT_ALLOWED,
            Error::ReportNotSupported(_) => ResponseCode::REPORT_NOT_SUPPORTED,
            Error::Corrupt { .. } | Error::Store(_) => ResponseCode::DEPLOYMENT_ERROR,
        }
    }

    /// Whether this is the VTN's own failure rather than the peer's mistake.
    pub fn is_internal(&self) -> bool {
        matches!(self, Error::Corrupt { .. } | Error::Store(_))
    }

    /// The `responseDescription` a peer reads: internal failures are logged
    /// with their detail and answered with a fixed phrase.
    pub fn peer_text(&self) -> String {
        if self.is_internal() {
            tracing::error!(error = %self, "internal error answered as 469");
            "internal error at the VTN; try again later".into()
        } else {
            self.to_string()
        }
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::Store(format!("json: {e}"))
    }
}
