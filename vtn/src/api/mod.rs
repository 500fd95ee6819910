//! The admin API's one typed contract: the request and response bodies the
//! server handlers write, the OpenAPI document describes, and the `vtn`
//! CLI reads and prints. A field renamed here is renamed everywhere, or the
//! build breaks.

pub mod time;
pub mod types;

pub use types::*;
