//! The OpenADR 2.0b VTN's decisions, free of IO by construction (this
//! crate depends on no database, HTTP, runtime or network crate).
//!
//! Every decision reads the store through a read-only [`View`], takes the
//! time and ids from a [`Ctx`], and returns a [`Decision`]: the reply plus
//! the typed [`StoreOp`]s to commit with it in one transaction. Every
//! transport (HTTP pull, HTTP push, and later XMPP) answers through
//! [`service::handle`] and delivers through [`delivery`].
#![forbid(unsafe_code)]

pub mod ctx;
pub mod delivery;
pub mod error;
pub mod events;
pub mod mem;
pub mod model;
pub mod operator;
pub mod ops;
pub mod participation;
pub mod profile_a;
pub mod reports;
pub mod service;
pub mod tick;
pub mod view;

pub use ctx::{Ctx, Ids, Policy, SeqIds};
pub use error::{Error, Result};
pub use ops::{Decision, StoreOp};
pub use view::View;

#[cfg(test)]
mod tests;
