//! The Clarity value model.

use std::collections::BTreeMap;
use std::fmt;

use super::c32;
use crate::error::{Error, Result};

/// Address versions (the `version` byte of a standard principal).
pub const VERSION_MAINNET_SINGLE_SIG: u8 = 22; // SP
pub const VERSION_MAINNET_MULTI_SIG: u8 = 20; // SM
pub const VERSION_TESTNET_SINGLE_SIG: u8 = 26; // ST
pub const VERSION_TESTNET_MULTI_SIG: u8 = 21; // SN

/// A standard principal: an address version and the hash160 of its key(s).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StandardPrincipal {
    pub version: u8,
    pub hash160: [u8; 20],
}

impl StandardPrincipal {
    /// Parses `ST...`/`SP...` (c32check). Versions must be below 32.
    pub fn from_address(s: &str) -> Result<Self> {
        let (version, hash160) = c32::decode_address(s)?;
        Ok(StandardPrincipal { version, hash160 })
    }

    /// The `S...` c32check address.
    pub fn to_address(&self) -> String {
        c32::encode_address(self.version, &self.hash160)
    }
}

impl fmt::Display for StandardPrincipal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_address())
    }
}

impl fmt::Debug for StandardPrincipal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StandardPrincipal({})", self.to_address())
    }
}

impl std::str::FromStr for StandardPrincipal {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::from_address(s)
    }
}

/// A standard principal or a contract (`issuer.name`).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Principal {
    Standard(StandardPrincipal),
    Contract(ContractId),
}

impl Principal {
    /// Parses `ST...` or `ST....contract-name`.
    pub fn parse(s: &str) -> Result<Self> {
        if s.contains('.') {
            Ok(Principal::Contract(ContractId::parse(s)?))
        } else {
            Ok(Principal::Standard(StandardPrincipal::from_address(s)?))
        }
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Principal::Standard(p) => fmt::Display::fmt(p, f),
            Principal::Contract(c) => fmt::Display::fmt(c, f),
        }
    }
}

impl fmt::Debug for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Principal({self})")
    }
}

impl std::str::FromStr for Principal {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

/// A contract identifier `ST....name`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ContractId {
    pub issuer: StandardPrincipal,
    pub name: String,
}

/// Longest contract name that serialises (1-byte length, Clarity's limit).
pub const MAX_CONTRACT_NAME_LEN: usize = 128;
/// Longest Clarity name (tuple keys, function names).
pub const MAX_CLARITY_NAME_LEN: usize = 128;

/// Contract names: `^[a-zA-Z]([a-zA-Z0-9]|[-_])*$`, 1..=128 bytes.
pub fn check_contract_name(name: &str) -> Result<()> {
    let b = name.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= MAX_CONTRACT_NAME_LEN
        && b[0].is_ascii_alphabetic()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_');
    if ok {
        Ok(())
    } else {
        Err(Error::Address(format!("invalid contract name {name:?}")))
    }
}

/// Clarity names (tuple keys, function names): 1..=128 bytes of letters,
/// digits and `-_!?+<>=/*`, not starting with a digit. A little wider than
/// Clarity's regex (which also restricts the first character further), which
/// is harmless: we only need to reject what cannot be a name at all.
pub fn check_clarity_name(name: &str) -> Result<()> {
    let b = name.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= MAX_CLARITY_NAME_LEN
        && !b[0].is_ascii_digit()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || b"-_!?+<>=/*".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::Encode(format!("invalid Clarity name {name:?}")))
    }
}

impl ContractId {
    pub fn new(issuer: StandardPrincipal, name: impl Into<String>) -> Result<Self> {
        let name = name.into();
        check_contract_name(&name)?;
        Ok(ContractId { issuer, name })
    }

    /// Parses `ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.event-manager`.
    pub fn parse(s: &str) -> Result<Self> {
        let (addr, name) = s
            .split_once('.')
            .ok_or_else(|| Error::Address(format!("{s:?} is not address.contract-name")))?;
        ContractId::new(StandardPrincipal::from_address(addr)?, name)
    }
}

impl fmt::Display for ContractId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.issuer, self.name)
    }
}

impl fmt::Debug for ContractId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ContractId({self})")
    }
}

impl std::str::FromStr for ContractId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

/// A Clarity value.
///
/// Tuples are a `BTreeMap`, so they are always held — and serialised — with
/// their keys in byte order, Clarity's canonical order, whatever order the
/// caller inserted them in.
#[derive(Clone, PartialEq, Eq)]
pub enum Value {
    Int(i128),
    UInt(u128),
    Bool(bool),
    Buffer(Vec<u8>),
    Principal(Principal),
    ResponseOk(Box<Value>),
    ResponseErr(Box<Value>),
    OptionalNone,
    OptionalSome(Box<Value>),
    List(Vec<Value>),
    Tuple(BTreeMap<String, Value>),
    StringAscii(String),
    StringUtf8(String),
}

impl Value {
    pub fn ok(v: Value) -> Self {
        Value::ResponseOk(Box::new(v))
    }
    pub fn err(v: Value) -> Self {
        Value::ResponseErr(Box::new(v))
    }
    pub fn some(v: Value) -> Self {
        Value::OptionalSome(Box::new(v))
    }
    pub fn principal(p: StandardPrincipal) -> Self {
        Value::Principal(Principal::Standard(p))
    }
    pub fn ascii(s: impl Into<String>) -> Self {
        Value::StringAscii(s.into())
    }

    /// A tuple from `(key, value)` pairs in any order.
    pub fn tuple<K: Into<String>>(fields: impl IntoIterator<Item = (K, Value)>) -> Self {
        Value::Tuple(fields.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    pub fn as_uint(&self) -> Option<u128> {
        match self {
            Value::UInt(u) => Some(*u),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
    pub fn as_ascii(&self) -> Option<&str> {
        match self {
            Value::StringAscii(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_buffer(&self) -> Option<&[u8]> {
        match self {
            Value::Buffer(b) => Some(b),
            _ => None,
        }
    }
    pub fn as_principal(&self) -> Option<&Principal> {
        match self {
            Value::Principal(p) => Some(p),
            _ => None,
        }
    }
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }
    pub fn as_tuple(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Tuple(t) => Some(t),
            _ => None,
        }
    }
    /// `Some(inner)` for `(some inner)`, `None` for `none` and anything else.
    pub fn as_optional(&self) -> Option<Option<&Value>> {
        match self {
            Value::OptionalNone => Some(None),
            Value::OptionalSome(v) => Some(Some(v)),
            _ => None,
        }
    }
    /// `Ok(inner)`/`Err(inner)` for a response, `None` for anything else.
    pub fn as_response(&self) -> Option<std::result::Result<&Value, &Value>> {
        match self {
            Value::ResponseOk(v) => Some(Ok(v)),
            Value::ResponseErr(v) => Some(Err(v)),
            _ => None,
        }
    }

    /// Consensus bytes (see [`super::encode`]).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        super::encode::encode(self)
    }

    /// `0x`-prefixed consensus hex.
    pub fn to_hex(&self) -> Result<String> {
        Ok(super::hex::to_hex(&self.to_bytes()?))
    }

    /// Decodes untrusted consensus bytes with the default limits.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        super::decode::decode(bytes)
    }

    /// Decodes `0x`-prefixed (or bare) consensus hex.
    pub fn from_hex(hex: &str) -> Result<Self> {
        let bytes = super::hex::from_hex(hex)?;
        if bytes.len() > super::decode::Limits::default().max_input {
            return Err(Error::decode(0, "input too large"));
        }
        Self::from_bytes(&bytes)
    }
}

/// The repr `@stacks/transactions` `cvToString` writes (and the fixtures hold): `u5`, `"text"`, `(tuple (a u1))`, `0x00ff`, contract principals without a leading quote.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(i) => write!(f, "{i}"),
            Value::UInt(u) => write!(f, "u{u}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Buffer(b) => f.write_str(&super::hex::to_hex(b)),
            Value::Principal(Principal::Standard(p)) => write!(f, "{p}"),
            Value::Principal(Principal::Contract(c)) => write!(f, "{c}"),
            Value::ResponseOk(v) => write!(f, "(ok {v})"),
            Value::ResponseErr(v) => write!(f, "(err {v})"),
            Value::OptionalNone => f.write_str("none"),
            Value::OptionalSome(v) => write!(f, "(some {v})"),
            Value::List(items) => {
                f.write_str("(list")?;
                for v in items {
                    write!(f, " {v}")?;
                }
                f.write_str(")")
            }
            Value::Tuple(map) => {
                f.write_str("(tuple")?;
                for (k, v) in map {
                    write!(f, " ({k} {v})")?;
                }
                f.write_str(")")
            }
            Value::StringAscii(s) => write!(f, "{s:?}"),
            Value::StringUtf8(s) => write!(f, "u{s:?}"),
        }
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Values travel through JSON (the outbox, fixtures) as `0x` consensus hex.
impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let hex = self.to_hex().map_err(serde::ser::Error::custom)?;
        s.serialize_str(&hex)
    }
}

impl<'de> serde::Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Value::from_hex(&s).map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for ContractId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> serde::Deserialize<'de> for ContractId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ContractId::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for StandardPrincipal {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_address())
    }
}

impl<'de> serde::Deserialize<'de> for StandardPrincipal {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        StandardPrincipal::from_address(&s).map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for Principal {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> serde::Deserialize<'de> for Principal {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Principal::parse(&s).map_err(serde::de::Error::custom)
    }
}
