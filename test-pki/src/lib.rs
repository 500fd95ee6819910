//! For tests only: the throw-away PKI of `certs/make-test-pki.sh` (CA, VTN
//! and VEN certificates, RSA and ECC, a rogue and an expired one), made once
//! per test process.
//!
//! Tests in one binary run in parallel and all want the same files, so the
//! first caller makes them and the others wait for it (a second generation
//! moving files into place at the same time would mix two PKIs; the script
//! also takes a lock on its directory for callers in other processes).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The PKI, made on the first call of the process in the directory `dir()`
/// names (later calls return that directory and never call theirs). The
/// script is idempotent: a complete PKI left there by an earlier run is reused.
pub fn pki(dir: impl FnOnce() -> PathBuf) -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = dir();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../certs/make-test-pki.sh");
        let out = std::process::Command::new("bash")
            .arg(&script)
            .arg(&dir)
            .output()
            .expect("run certs/make-test-pki.sh");
        assert!(
            out.status.success(),
            "make-test-pki.sh failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        dir
    })
}

/// The OpenADR fingerprint of the first certificate in a PEM file.
pub fn leaf_fingerprint(pem: &Path) -> String {
    use rustls::pki_types::pem::PemObject;
    let leaf = rustls::pki_types::CertificateDer::pem_file_iter(pem)
        .and_then(|mut certs| certs.next().transpose())
        .unwrap_or_else(|e| panic!("{}: {e}", pem.display()))
        .unwrap_or_else(|| panic!("{}: no certificate", pem.display()));
    adr_schema::fingerprint::fingerprint(&leaf)
}
