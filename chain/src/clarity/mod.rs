//! Clarity values: the model, consensus encoding, a bounded decoder, hex and
//! c32check addresses.

pub mod c32;
pub mod decode;
pub mod encode;
pub mod hex;
pub mod value;

pub use decode::{decode, decode_with, Limits};
pub use encode::encode;
pub use hex::{from_hex, to_hex};
pub use value::{ContractId, Principal, StandardPrincipal, Value};
