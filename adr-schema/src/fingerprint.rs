//! The OpenADR certificate fingerprint that identifies a VEN or VTN.

use sha2::{Digest, Sha256};

/// The last 10 bytes of the SHA-256 of the DER certificate, as upper-case
/// hex pairs joined by `:` (29 characters), e.g. `3A:1F:...`.
pub fn fingerprint(der: &[u8]) -> String {
    let digest = Sha256::digest(der);
    let tail = &digest[digest.len() - 10..];
    tail.iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Normalise a fingerprint as peers write it (with or without colons, any
/// case) to our 29-character form; `None` if it is not 10 bytes of hex.
pub fn normalize(fp: &str) -> Option<String> {
    let hex: String = fp.chars().filter(|c| *c != ':').collect();
    if hex.len() != 20 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let upper = hex.to_ascii_uppercase();
    let pairs: Vec<&str> = (0..10).map(|i| &upper[i * 2..i * 2 + 2]).collect();
    Some(pairs.join(":"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_29_chars_and_normalizes() {
        let fp = fingerprint(b"not really a certificate");
        assert_eq!(fp.len(), 29);
        let plain = fp.replace(':', "").to_lowercase();
        assert_eq!(normalize(&plain).as_deref(), Some(fp.as_str()));
        assert_eq!(normalize("zz"), None);
    }
}
