//! `0x`-prefixed hex, the way the Stacks API writes bytes.

use crate::error::{Error, Result};

/// Lower-case hex with a `0x` prefix.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(2 + bytes.len() * 2);
    s.push_str("0x");
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Hex with or without a `0x` prefix, either case.
pub fn from_hex(s: &str) -> Result<Vec<u8>> {
    let body = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    if body.len() % 2 != 0 {
        return Err(Error::Hex("odd number of digits".into()));
    }
    fn nibble(c: u8) -> Result<u8> {
        match c {
            b'0'..=b'9' => Ok(c - b'0'),
            b'a'..=b'f' => Ok(c - b'a' + 10),
            b'A'..=b'F' => Ok(c - b'A' + 10),
            _ => Err(Error::Hex(format!("not a hex digit: {:?}", c as char))),
        }
    }
    body.as_bytes()
        .chunks_exact(2)
        .map(|p| Ok(nibble(p[0])? << 4 | nibble(p[1])?))
        .collect()
}

/// Exactly `N` bytes of hex.
pub fn from_hex_array<const N: usize>(s: &str) -> Result<[u8; N]> {
    let v = from_hex(s)?;
    v.as_slice()
        .try_into()
        .map_err(|_| Error::Hex(format!("expected {N} bytes, got {}", v.len())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        assert_eq!(to_hex(&[0, 0xab, 0xff]), "0x00abff");
        assert_eq!(from_hex("0x00ABff").unwrap(), vec![0, 0xab, 0xff]);
        assert_eq!(from_hex("").unwrap(), Vec::<u8>::new());
        assert!(from_hex("0x0").is_err());
        assert!(from_hex("zz").is_err());
        assert!(from_hex("é0").is_err());
    }
}
