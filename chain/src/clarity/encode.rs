//! Consensus serialisation (SIP-005): a 1-byte type prefix, then the body.
//!
//! | prefix | type | body |
//! |---|---|---|
//! | 0x00 | int | 16 bytes big-endian two's complement |
//! | 0x01 | uint | 16 bytes big-endian |
//! | 0x02 | buffer | u32 length, bytes |
//! | 0x03 / 0x04 | true / false | — |
//! | 0x05 | standard principal | version byte, 20-byte hash160 |
//! | 0x06 | contract principal | version, hash160, u8 name length, name |
//! | 0x07 / 0x08 | (ok v) / (err v) | v |
//! | 0x09 / 0x0a | none / (some v) | — / v |
//! | 0x0b | list | u32 count, items |
//! | 0x0c | tuple | u32 count, per key (sorted by bytes): u8 length, name, value |
//! | 0x0d | string-ascii | u32 length, bytes |
//! | 0x0e | string-utf8 | u32 length, UTF-8 bytes |
//!
//! Tuple keys are written sorted by bytes because [`Value::Tuple`] is a
//! `BTreeMap`: Clarity's canonical order, which a node uses to recompute the
//! txid and the signature. (stacks-rs writes insertion order; see tx.rs.)

use super::value::{check_clarity_name, check_contract_name, Principal, Value};
use crate::error::{Error, Result};

pub const TYPE_INT: u8 = 0x00;
pub const TYPE_UINT: u8 = 0x01;
pub const TYPE_BUFFER: u8 = 0x02;
pub const TYPE_TRUE: u8 = 0x03;
pub const TYPE_FALSE: u8 = 0x04;
pub const TYPE_STANDARD_PRINCIPAL: u8 = 0x05;
pub const TYPE_CONTRACT_PRINCIPAL: u8 = 0x06;
pub const TYPE_OK: u8 = 0x07;
pub const TYPE_ERR: u8 = 0x08;
pub const TYPE_NONE: u8 = 0x09;
pub const TYPE_SOME: u8 = 0x0a;
pub const TYPE_LIST: u8 = 0x0b;
pub const TYPE_TUPLE: u8 = 0x0c;
pub const TYPE_STRING_ASCII: u8 = 0x0d;
pub const TYPE_STRING_UTF8: u8 = 0x0e;

/// Serialises `v`. Fails only for values Clarity cannot hold (a name over
/// 128 bytes, non-ASCII in a string-ascii, a length over u32).
pub fn encode(v: &Value) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    encode_into(v, &mut out)?;
    Ok(out)
}

fn len_u32(n: usize) -> Result<[u8; 4]> {
    u32::try_from(n)
        .map(u32::to_be_bytes)
        .map_err(|_| Error::Encode(format!("length {n} exceeds u32")))
}

pub(crate) fn encode_into(v: &Value, out: &mut Vec<u8>) -> Result<()> {
    match v {
        Value::Int(i) => {
            out.push(TYPE_INT);
            out.extend_from_slice(&i.to_be_bytes());
        }
        Value::UInt(u) => {
            out.push(TYPE_UINT);
            out.extend_from_slice(&u.to_be_bytes());
        }
        Value::Bool(b) => out.push(if *b { TYPE_TRUE } else { TYPE_FALSE }),
        Value::Buffer(b) => {
            out.push(TYPE_BUFFER);
            out.extend_from_slice(&len_u32(b.len())?);
            out.extend_from_slice(b);
        }
        Value::Principal(Principal::Standard(p)) => {
            out.push(TYPE_STANDARD_PRINCIPAL);
            out.push(p.version);
            out.extend_from_slice(&p.hash160);
        }
        Value::Principal(Principal::Contract(c)) => {
            check_contract_name(&c.name).map_err(|e| Error::Encode(e.to_string()))?;
            out.push(TYPE_CONTRACT_PRINCIPAL);
            out.push(c.issuer.version);
            out.extend_from_slice(&c.issuer.hash160);
            out.push(c.name.len() as u8); // <= 128, checked above
            out.extend_from_slice(c.name.as_bytes());
        }
        Value::ResponseOk(v) => {
            out.push(TYPE_OK);
            encode_into(v, out)?;
        }
        Value::ResponseErr(v) => {
            out.push(TYPE_ERR);
            encode_into(v, out)?;
        }
        Value::OptionalNone => out.push(TYPE_NONE),
        Value::OptionalSome(v) => {
            out.push(TYPE_SOME);
            encode_into(v, out)?;
        }
        Value::List(items) => {
            out.push(TYPE_LIST);
            out.extend_from_slice(&len_u32(items.len())?);
            for item in items {
                encode_into(item, out)?;
            }
        }
        Value::Tuple(map) => {
            if map.is_empty() {
                return Err(Error::Encode("a tuple needs at least one field".into()));
            }
            out.push(TYPE_TUPLE);
            out.extend_from_slice(&len_u32(map.len())?);
            // BTreeMap<String, _> iterates in byte order of the keys.
            for (k, v) in map {
                check_clarity_name(k)?;
                out.push(k.len() as u8); // <= 128, checked above
                out.extend_from_slice(k.as_bytes());
                encode_into(v, out)?;
            }
        }
        Value::StringAscii(s) => {
            if !s.is_ascii() {
                return Err(Error::Encode("string-ascii holds non-ASCII".into()));
            }
            out.push(TYPE_STRING_ASCII);
            out.extend_from_slice(&len_u32(s.len())?);
            out.extend_from_slice(s.as_bytes());
        }
        Value::StringUtf8(s) => {
            out.push(TYPE_STRING_UTF8);
            out.extend_from_slice(&len_u32(s.len())?);
            out.extend_from_slice(s.as_bytes());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clarity::hex::to_hex;

    #[test]
    fn tuple_given_unsorted_serialises_sorted() {
        // Insertion order z, a, m — the wire must say a, m, z.
        let v = Value::tuple([
            ("zeta", Value::UInt(1)),
            ("alpha", Value::Bool(true)),
            ("mid", Value::ascii("x")),
        ]);
        let hex = to_hex(&encode(&v).unwrap());
        assert_eq!(
            hex,
            "0x0c00000003\
             05616c70686103\
             036d69640d0000000178\
             047a65746101\
             00000000000000000000000000000001"
        );
    }

    #[test]
    fn keys_sort_by_bytes_not_length() {
        // "event" < "event-id" < "eventa" in byte order ('-' = 0x2d < 'a').
        let v = Value::tuple([
            ("eventa", Value::UInt(0)),
            ("event-id", Value::UInt(0)),
            ("event", Value::UInt(0)),
        ]);
        let keys: Vec<_> = v.as_tuple().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["event", "event-id", "eventa"]);
    }

    #[test]
    fn refuses_what_clarity_cannot_hold() {
        assert!(encode(&Value::ascii("é")).is_err());
        assert!(encode(&Value::Tuple(Default::default())).is_err());
        assert!(encode(&Value::tuple([("a".repeat(129), Value::UInt(0))])).is_err());
    }
}
