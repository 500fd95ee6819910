//! OpenADR 2.0b Virtual End Node.
//!
//! - [`protocol`]: the pure state machine (registration → polling → events →
//!   reports); a parsed message and `now` in, messages and actions out.
//! - [`transport`]: the VTN behind a trait (HTTP client; push listener).
//! - [`tls`]: mutual TLS to the VTN (rustls, or openssl for the 2.0b suites).
//! - [`store`]: SQLite (diesel): registration ids, the reading outbox, history.
//! - [`device`]: devices behind one trait (simulated thermostat and meter,
//!   command / webhook, Modbus TCP).
//! - [`agent`]: the loop that joins them.
//! - [`status`]: `ven status`, read from the store.
// One audited `unsafe` call registers the idle timerfd with tokio (see `idle`).
#![deny(unsafe_code)]

pub mod agent;
pub mod clock;
pub mod config;
pub mod device;
pub mod error;
pub mod http_client;
pub mod idle;
pub mod protocol;
pub mod status;
pub mod store;
pub mod tls;
pub mod transport;

pub use error::{Result, VenError};
