//! The crate's one error type, mapped to OpenADR response codes (and admin
//! API HTTP statuses) in one place each.

use actix_web::http::StatusCode;
use adr_schema::ResponseCode;

/// The VTN's errors beyond the decision core's: the transport (body, TLS,
/// signatures, the admin token) and storage. Every protocol refusal is a
/// core error ([`VtnError::Core`]), whose code the core maps.
#[derive(Debug, thiserror::Error)]
pub enum VtnError {
    /// The body is not a readable OpenADR message.
    #[error("invalid message: {0}")]
    Xml(#[from] adr_schema::Error),
    #[error("request body too large (at most {0} bytes)")]
    TooLarge(usize),
    /// Admin API: missing or wrong bearer token.
    #[error("missing or invalid bearer token")]
    Unauthorized,
    #[error("storage error: {0}")]
    Store(String),
    /// XML signature missing (when required), invalid, replayed or outside the window.
    #[error("XML signature refused: {0}")]
    Signature(String),
    /// A refusal decided by the core (or in its terms, at the edges).
    #[error(transparent)]
    Core(#[from] vtn_core::Error),
}

impl VtnError {
    /// The OpenADR response code for this error: the transport's own here,
    /// every protocol refusal by [`vtn_core::Error::response_code`].
    pub fn response_code(&self) -> ResponseCode {
        match self {
            VtnError::Xml(_) | VtnError::TooLarge(_) => ResponseCode::INVALID_DATA,
            VtnError::Unauthorized | VtnError::Signature(_) => {
                ResponseCode::NOT_REGISTERED_OR_AUTHORIZED
            }
            VtnError::Store(_) => ResponseCode::DEPLOYMENT_ERROR,
            VtnError::Core(e) => e.response_code(),
        }
    }

    /// The HTTP status of this error on the JSON admin API.
    pub fn http_status(&self) -> StatusCode {
        use vtn_core::Error as E;
        match self {
            VtnError::Unauthorized => StatusCode::UNAUTHORIZED,
            VtnError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            VtnError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
            VtnError::Core(E::NotFound(_)) => StatusCode::NOT_FOUND,
            VtnError::Core(E::OutOfSequence(_) | E::NotAllowed(_)) => StatusCode::CONFLICT,
            VtnError::Core(E::Corrupt { .. } | E::Store(_)) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// The `responseDescription` a peer reads. Internal failures are the
    /// VTN's own business: logged with their detail here, answered with a
    /// fixed phrase (a VEN has no use for a SQL error, and it may leak).
    pub fn peer_text(&self) -> String {
        match self {
            VtnError::Store(detail) => {
                tracing::error!(error = %detail, "storage error answered as 469");
                "internal error at the VTN; try again later".into()
            }
            VtnError::Core(e) => e.peer_text(),
            other => other.to_string(),
        }
    }

    /// The VTN's own failure (storage, a corrupt row), not the peer's mistake.
    pub fn is_internal(&self) -> bool {
        match self {
            VtnError::Store(_) => true,
            VtnError::Core(e) => e.is_internal(),
            _ => false,
        }
    }

    /// Invalid data (454).
    pub fn data(msg: impl Into<String>) -> Self {
        VtnError::Core(vtn_core::Error::data(msg))
    }

    /// No such object (452; 404 on the admin API).
    pub fn not_found(what: impl Into<String>) -> Self {
        VtnError::Core(vtn_core::Error::NotFound(what.into()))
    }

    /// Not registered or not authorised (463).
    pub fn not_registered(what: impl Into<String>) -> Self {
        VtnError::Core(vtn_core::Error::NotRegistered(what.into()))
    }
}

impl From<diesel::result::Error> for VtnError {
    fn from(e: diesel::result::Error) -> Self {
        VtnError::Store(e.to_string())
    }
}

impl From<diesel::r2d2::PoolError> for VtnError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        VtnError::Store(e.to_string())
    }
}

impl From<serde_json::Error> for VtnError {
    fn from(e: serde_json::Error) -> Self {
        VtnError::Store(format!("json: {e}"))
    }
}

impl From<actix_web::error::BlockingError> for VtnError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        VtnError::Store(e.to_string())
    }
}

pub type Result<T, E = VtnError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::VtnError;

    #[test]
    fn storage_detail_never_reaches_a_peer() {
        let e = VtnError::Store("UNIQUE constraint failed: vens.ven_name".into());
        assert_eq!(e.response_code().0, 469);
        assert!(!e.peer_text().contains("vens"));
        let e = VtnError::data("oadrVenName is longer than 256 bytes");
        assert_eq!(e.peer_text(), "oadrVenName is longer than 256 bytes");
    }
}
