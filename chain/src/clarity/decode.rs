//! A bounded, panic-free decoder for consensus-serialised Clarity values.
//!
//! Everything that comes from outside (API `hex` fields, read-only call
//! results, fixtures) is decoded here, never with stacks-rs (whose decoder
//! indexes past the end of truncated input and panics).
//!
//! Rules:
//! - the whole input must be one value: trailing bytes are an error;
//! - nesting is limited to [`Limits::max_depth`] (Clarity's own limit, 32);
//! - the input is at most [`Limits::max_input`] (2 MiB), a buffer or string
//!   at most [`Limits::max_len`] (1 MiB, Clarity's largest value);
//! - list and tuple counts are checked against the bytes left before
//!   anything is allocated (every item takes at least one byte);
//! - tuple keys may arrive in any order (a node only writes them sorted, but
//!   we are lenient in what we read); duplicate keys are an error. Since the
//!   model is a `BTreeMap`, re-encoding always writes them sorted;
//! - names are checked (1..=128 bytes of name characters), string-ascii must
//!   be ASCII, string-utf8 valid UTF-8, principal versions below 32 (a c32
//!   address cannot spell a larger one);
//! - list items are not type-checked against each other (we have no type to
//!   check against; callers check shapes when they read fields).

use std::collections::BTreeMap;

use super::encode::*;
use super::value::{
    check_clarity_name, check_contract_name, ContractId, Principal, StandardPrincipal, Value,
};
use crate::error::{Error, Result};

/// Decoder bounds.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_depth: usize,
    pub max_input: usize,
    pub max_len: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 32,
            max_input: 2 * 1024 * 1024,
            max_len: 1024 * 1024,
        }
    }
}

/// Decodes exactly one value from `bytes` with the default [`Limits`].
pub fn decode(bytes: &[u8]) -> Result<Value> {
    decode_with(bytes, Limits::default())
}

/// Decodes exactly one value from `bytes`.
pub fn decode_with(bytes: &[u8], limits: Limits) -> Result<Value> {
    if bytes.len() > limits.max_input {
        return Err(Error::decode(
            0,
            format!("input of {} bytes is too large", bytes.len()),
        ));
    }
    let mut r = Reader {
        bytes,
        pos: 0,
        limits,
    };
    let v = r.value(0)?;
    if r.pos != bytes.len() {
        return Err(Error::decode(
            r.pos,
            format!("{} trailing bytes", bytes.len() - r.pos),
        ));
    }
    Ok(v)
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    limits: Limits,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(Error::decode(
                self.pos,
                format!("needs {n} bytes, {} left", self.remaining()),
            ));
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn u32_len(&mut self) -> Result<usize> {
        Ok(u32::from_be_bytes(self.array::<4>()?) as usize)
    }

    /// A u32 length for a byte body: bounded by max_len and what is left.
    fn body_len(&mut self) -> Result<usize> {
        let at = self.pos;
        let n = self.u32_len()?;
        if n > self.limits.max_len {
            return Err(Error::decode(at, format!("length {n} exceeds the limit")));
        }
        if n > self.remaining() {
            return Err(Error::decode(at, format!("length {n} runs past the end")));
        }
        Ok(n)
    }

    /// A u32 item count: each item needs at least `min_item` bytes.
    fn count(&mut self, min_item: usize) -> Result<usize> {
        let at = self.pos;
        let n = self.u32_len()?;
        if n.saturating_mul(min_item) > self.remaining() {
            return Err(Error::decode(at, format!("count {n} runs past the end")));
        }
        Ok(n)
    }

    fn standard(&mut self) -> Result<StandardPrincipal> {
        let at = self.pos;
        let version = self.u8()?;
        if version >= 32 {
            return Err(Error::decode(
                at,
                format!("principal version {version} >= 32"),
            ));
        }
        Ok(StandardPrincipal {
            version,
            hash160: self.array::<20>()?,
        })
    }

    fn name(&mut self) -> Result<String> {
        let at = self.pos;
        let n = self.u8()? as usize;
        let raw = self.take(n)?;
        let s = std::str::from_utf8(raw).map_err(|_| Error::decode(at, "name is not UTF-8"))?;
        Ok(s.to_owned())
    }

    fn value(&mut self, depth: usize) -> Result<Value> {
        let at = self.pos;
        if depth >= self.limits.max_depth {
            return Err(Error::decode(at, "nesting too deep"));
        }
        let tag = self.u8()?;
        Ok(match tag {
            TYPE_INT => Value::Int(i128::from_be_bytes(self.array::<16>()?)),
            TYPE_UINT => Value::UInt(u128::from_be_bytes(self.array::<16>()?)),
            TYPE_BUFFER => {
                let n = self.body_len()?;
                Value::Buffer(self.take(n)?.to_vec())
            }
            TYPE_TRUE => Value::Bool(true),
            TYPE_FALSE => Value::Bool(false),
            TYPE_STANDARD_PRINCIPAL => Value::Principal(Principal::Standard(self.standard()?)),
            TYPE_CONTRACT_PRINCIPAL => {
                let issuer = self.standard()?;
                let name_at = self.pos;
                let name = self.name()?;
                check_contract_name(&name).map_err(|e| Error::decode(name_at, e.to_string()))?;
                Value::Principal(Principal::Contract(ContractId { issuer, name }))
            }
            TYPE_OK => Value::ResponseOk(Box::new(self.value(depth + 1)?)),
            TYPE_ERR => Value::ResponseErr(Box::new(self.value(depth + 1)?)),
            TYPE_NONE => Value::OptionalNone,
            TYPE_SOME => Value::OptionalSome(Box::new(self.value(depth + 1)?)),
            TYPE_LIST => {
                let n = self.count(1)?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.value(depth + 1)?);
                }
                Value::List(items)
            }
            TYPE_TUPLE => {
                // key length byte + at least one name byte + a value byte
                let n = self.count(3)?;
                if n == 0 {
                    return Err(Error::decode(at, "empty tuple"));
                }
                let mut map = BTreeMap::new();
                for _ in 0..n {
                    let key_at = self.pos;
                    let key = self.name()?;
                    check_clarity_name(&key).map_err(|e| Error::decode(key_at, e.to_string()))?;
                    let v = self.value(depth + 1)?;
                    if map.insert(key, v).is_some() {
                        return Err(Error::decode(key_at, "duplicate tuple key"));
                    }
                }
                Value::Tuple(map)
            }
            TYPE_STRING_ASCII => {
                let n = self.body_len()?;
                let raw = self.take(n)?;
                if !raw.is_ascii() {
                    return Err(Error::decode(at, "string-ascii holds non-ASCII"));
                }
                Value::StringAscii(String::from_utf8_lossy(raw).into_owned())
            }
            TYPE_STRING_UTF8 => {
                let n = self.body_len()?;
                let raw = self.take(n)?;
                let s = std::str::from_utf8(raw)
                    .map_err(|_| Error::decode(at, "string-utf8 is not UTF-8"))?;
                Value::StringUtf8(s.to_owned())
            }
            other => {
                return Err(Error::decode(
                    at,
                    format!("unknown type prefix 0x{other:02x}"),
                ))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clarity::hex::from_hex;

    #[test]
    fn accepts_unsorted_tuple_and_re_encodes_sorted() {
        // (tuple (b u1) (a u2)) written b first.
        let mut bytes = vec![TYPE_TUPLE, 0, 0, 0, 2, 1, b'b', TYPE_UINT];
        bytes.extend_from_slice(&1u128.to_be_bytes());
        bytes.extend_from_slice(&[1, b'a', TYPE_UINT]);
        bytes.extend_from_slice(&2u128.to_be_bytes());
        let v = decode(&bytes).unwrap();
        let re = v.to_bytes().unwrap();
        assert_ne!(re, bytes);
        assert_eq!(&re[5..7], &[1, b'a']);
    }

    #[test]
    fn rejects_bad_input() {
        for hex in [
            "",                                             // nothing
            "01",                                           // truncated uint
            "0300",                                         // trailing byte
            "0f",                                           // unknown prefix
            "02ffffffff",                                   // huge buffer length
            "0bffffffff",                                   // huge list count
            "0c00000000",                                   // empty tuple
            "0d0000000180",                                 // non-ASCII string-ascii
            "0e00000001ff",                                 // bad UTF-8
            "05ff0000000000000000000000000000000000000000", // version >= 32
            "0c000000020161030161",                         // duplicate key (truncated after)
        ] {
            assert!(decode(&from_hex(hex).unwrap()).is_err(), "{hex}");
        }
        let mut dup = from_hex("0c00000002016103016103").unwrap();
        assert!(decode(&dup).is_err());
        dup.truncate(3);
        assert!(decode(&dup).is_err());
    }

    #[test]
    fn bounds_depth() {
        let mut deep = vec![TYPE_SOME; 40];
        deep.push(TYPE_NONE);
        assert!(decode(&deep).is_err());
        let mut ok = vec![TYPE_SOME; 31];
        ok.push(TYPE_NONE);
        assert!(decode(&ok).is_ok());
    }
}
