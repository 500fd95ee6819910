//! What the VTN's and the VEN's edges share, written once so the two cannot
//! drift apart again (they had: the VTN's cipher list lacked the VEN's
//! `@SECLEVEL=2` guard).
//!
//! - [`profile`]: the OpenADR 2.0b OpenSSL profile (TLS 1.2, one cipher list).
//! - [`pem`]: roots, certificate chains and keys for rustls.
//! - [`pinned`]: rustls verifiers that accept a peer only if its leaf is a
//!   pinned OpenADR fingerprint (after the usual chain checks).
//! - [`clock`]: time as a dependency (the system clock, or one moved by hand).
#![forbid(unsafe_code)]

pub mod clock;
pub mod pem;
pub mod pinned;
pub mod profile;

pub use clock::{Clock, ManualClock, SystemClock};

/// What can go wrong setting up TLS: a file that does not load, or a
/// configuration the TLS library refuses. Each names what it was about.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{what} {path}: {detail}")]
    File {
        what: &'static str,
        path: String,
        detail: String,
    },
    #[error("TLS {what}: {detail}")]
    Tls { what: &'static str, detail: String },
}

impl Error {
    pub(crate) fn file(
        what: &'static str,
        path: &std::path::Path,
        e: impl std::fmt::Display,
    ) -> Error {
        Error::File {
            what,
            path: path.display().to_string(),
            detail: e.to_string(),
        }
    }
    pub(crate) fn tls(what: &'static str, e: impl std::fmt::Display) -> Error {
        Error::Tls {
            what,
            detail: e.to_string(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
