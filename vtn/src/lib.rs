//! OpenADR 2.0b Virtual Top Node.
//!
//! - [`vtn_core`] (its own crate): the VTN's decisions, free of IO by
//!   construction; [`core`] joins them to the store, one transaction each.
//! - [`store`]: diesel/SQLite storage as plain functions over a connection.
//! - [`http`]: the five OpenADR services and the JSON admin API on actix-web.
//! - [`jobs`]: timed work (event status transitions, report deadlines, clean-up).
//! - [`bridge`]: chain mode: on-chain DR events in, oracle data out.
//! - [`client`]: the admin API client behind the `vtn` CLI subcommands.
#![forbid(unsafe_code)]
#![recursion_limit = "512"]

pub mod api;
pub mod bridge;
pub mod client;
pub mod clock;
pub mod config;
pub mod core;
pub mod error;
pub mod http;
pub mod jobs;
pub mod limits;
pub mod metrics;
pub mod push;
pub mod registry;
pub mod state;
pub mod store;
pub mod tls;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::Settings;
pub use error::VtnError;
pub use state::AppState;
