//! c32check addresses (`ST...`, `SP...`): Crockford base-32 of
//! `hash160 ++ sha256(sha256(version ++ hash160))[..4]`, prefixed with `S`
//! and the version's c32 digit.
//!
//! Our own (small) implementation rather than stacks-rs's, because stacks-rs
//! indexes its alphabet with the version byte and panics for versions ≥ 32,
//! which untrusted consensus bytes can carry. Cross-checked against
//! stacks-rs in the tests.

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn digit(c: u8) -> Option<u8> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u8)
}

/// c32 of arbitrary bytes: big-endian base 32, one `0` per leading zero byte.
pub fn c32_encode(data: &[u8]) -> String {
    let mut out: Vec<u8> = Vec::with_capacity(data.len() * 8 / 5 + 2);
    let mut carry: u32 = 0;
    let mut bits = 0;
    for &b in data.iter().rev() {
        carry |= u32::from(b) << bits;
        bits += 8;
        while bits >= 5 {
            out.push(ALPHABET[(carry & 31) as usize]);
            carry >>= 5;
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(ALPHABET[(carry & 31) as usize]);
    }
    while out.last() == Some(&b'0') {
        out.pop();
    }
    let zeros = data.iter().take_while(|&&b| b == 0).count();
    out.extend(std::iter::repeat_n(b'0', zeros));
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// The inverse of [`c32_encode`] (upper-case canonical digits only).
pub fn c32_decode(s: &str) -> Result<Vec<u8>> {
    let mut out: Vec<u8> = Vec::with_capacity(s.len() * 5 / 8 + 1);
    let mut carry: u32 = 0;
    let mut bits = 0;
    for c in s.bytes().rev() {
        let d =
            digit(c).ok_or_else(|| Error::Address(format!("not a c32 digit: {:?}", c as char)))?;
        carry |= u32::from(d) << bits;
        bits += 5;
        if bits >= 8 {
            out.push((carry & 0xff) as u8);
            carry >>= 8;
            bits -= 8;
        }
    }
    if bits > 0 {
        out.push((carry & 0xff) as u8);
    }
    while out.last() == Some(&0) {
        out.pop();
    }
    let zeros = s.bytes().take_while(|&c| c == b'0').count();
    out.extend(std::iter::repeat_n(0u8, zeros));
    out.reverse();
    Ok(out)
}

fn checksum(version: u8, hash: &[u8]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update([version]);
    h.update(hash);
    let once = h.finalize();
    let twice = Sha256::digest(once);
    [twice[0], twice[1], twice[2], twice[3]]
}

/// `S` + version digit + c32(hash160 ++ checksum). `version` must be < 32
/// (every decoded principal is; see decode.rs).
pub fn encode_address(version: u8, hash160: &[u8; 20]) -> String {
    let mut data = hash160.to_vec();
    data.extend_from_slice(&checksum(version, hash160));
    let mut s = String::with_capacity(41);
    s.push('S');
    s.push(ALPHABET[(version & 31) as usize] as char);
    s.push_str(&c32_encode(&data));
    s
}

/// Parses a canonical c32check address into (version, hash160).
pub fn decode_address(s: &str) -> Result<(u8, [u8; 20])> {
    let bad = |why: &str| Error::Address(format!("{s:?}: {why}"));
    if !s.is_ascii() || s.len() < 3 || s.len() > 64 {
        return Err(bad("not an address"));
    }
    let b = s.as_bytes();
    if b[0] != b'S' {
        return Err(bad("must start with S"));
    }
    let version = digit(b[1]).ok_or_else(|| bad("bad version digit"))?;
    let data = c32_decode(&s[2..])?;
    if data.len() != 24 {
        return Err(bad("wrong length"));
    }
    let mut hash = [0u8; 20];
    hash.copy_from_slice(&data[..20]);
    if checksum(version, &hash) != data[20..] {
        return Err(bad("bad checksum"));
    }
    if encode_address(version, &hash) != s {
        return Err(bad("not in canonical form"));
    }
    Ok((version, hash))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_addresses() {
        let a = "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM";
        let (v, h) = decode_address(a).unwrap();
        assert_eq!(v, 26);
        assert_eq!(
            crate::clarity::hex::to_hex(&h),
            "0x6d78de7b0625dfbfc16c3a8a5735f6dc3dc3f2ce"
        );
        assert_eq!(encode_address(v, &h), a);
        assert!(decode_address("ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGN").is_err());
        assert!(decode_address("st1pqhqkv0rjxzfy1dgx8mnsnyve3vgzjsrtpgzgm").is_err());
        assert!(decode_address("S").is_err());
        assert!(decode_address("SÜ").is_err());
    }

    proptest! {
        #[test]
        fn matches_stacks_rs(version in prop::sample::select(vec![20u8, 21, 22, 26]), hash in any::<[u8; 20]>()) {
            let ours = encode_address(version, &hash);
            let theirs = stacks_rs::crypto::c32_address(hash, version).unwrap();
            prop_assert_eq!(&ours, &theirs);
            prop_assert_eq!(decode_address(&ours).unwrap(), (version, hash));
        }

        #[test]
        fn c32_round_trip(data in prop::collection::vec(any::<u8>(), 0..40)) {
            prop_assert_eq!(c32_decode(&c32_encode(&data)).unwrap(), data);
        }

        #[test]
        fn decode_never_panics(s in "\\PC{0,50}") {
            let _ = decode_address(&s);
            let _ = c32_decode(&s);
        }
    }
}
