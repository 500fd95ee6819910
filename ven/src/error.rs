//! The crate's one error type, and its single mapping to OpenADR response codes.

use adr_schema::ResponseCode;

/// Everything that can go wrong in the VEN.
///
/// Protocol errors (`OutOfSequence` … `Vtn`) are answered on the wire with a
/// valid OpenADR response carrying [`VenError::response_code`]; IO errors
/// (`Unreachable`, `Http`, `Store`, `Device`) stay local and drive retries.
#[derive(Debug, thiserror::Error)]
pub enum VenError {
    #[error("message out of sequence: {0}")]
    OutOfSequence(String),
    #[error("not allowed: {0}")]
    NotAllowed(String),
    #[error("invalid id: {0}")]
    InvalidId(String),
    #[error("not recognized: {0}")]
    NotRecognized(String),
    #[error("invalid data: {0}")]
    InvalidData(String),
    #[error("report not supported: {0}")]
    ReportNotSupported(String),
    #[error("signal not supported: {0}")]
    SignalNotSupported(String),
    #[error("not registered: {0}")]
    NotRegistered(String),
    /// The VTN answered with an error code.
    #[error("VTN answered {code}: {description}")]
    Vtn {
        code: ResponseCode,
        description: String,
    },
    /// The peer's XML could not be read.
    #[error("unreadable message: {0}")]
    Codec(#[from] adr_schema::Error),
    /// Connection refused, timed out, DNS: the VTN is unreachable.
    #[error("VTN unreachable: {0}")]
    Unreachable(String),
    /// The VTN answered with a non-2xx HTTP status.
    #[error("HTTP {status} from {url}")]
    Http { status: u16, url: String },
    #[error("store: {0}")]
    Store(String),
    #[error("device: {0}")]
    Device(String),
    #[error("configuration: {0}")]
    Config(String),
}

impl VenError {
    /// The OpenADR response code this error is answered with (the one place
    /// internal errors meet the wire).
    pub fn response_code(&self) -> ResponseCode {
        match self {
            VenError::OutOfSequence(_) => ResponseCode::OUT_OF_SEQUENCE,
            VenError::NotAllowed(_) => ResponseCode::NOT_ALLOWED,
            VenError::InvalidId(_) => ResponseCode::INVALID_ID,
            VenError::NotRecognized(_) => ResponseCode::NOT_RECOGNIZED,
            VenError::InvalidData(_) | VenError::Codec(_) => ResponseCode::INVALID_DATA,
            VenError::ReportNotSupported(_) => ResponseCode::REPORT_NOT_SUPPORTED,
            VenError::SignalNotSupported(_) => ResponseCode::SIGNAL_NOT_SUPPORTED,
            VenError::NotRegistered(_) => ResponseCode::NOT_REGISTERED_OR_AUTHORIZED,
            VenError::Vtn { code, .. } => *code,
            VenError::Unreachable(_)
            | VenError::Http { .. }
            | VenError::Store(_)
            | VenError::Device(_)
            | VenError::Config(_) => ResponseCode::DEPLOYMENT_ERROR,
        }
    }

    /// Worth retrying later (the VTN may come back).
    pub fn is_transient(&self) -> bool {
        matches!(self, VenError::Unreachable(_) | VenError::Http { .. })
    }
}

impl From<diesel::result::Error> for VenError {
    fn from(e: diesel::result::Error) -> Self {
        VenError::Store(e.to_string())
    }
}

pub type Result<T, E = VenError> = std::result::Result<T, E>;
