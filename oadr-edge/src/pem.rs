//! PEM files for rustls: trust anchors, our certificate chain, our key.

use std::path::Path;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::RootCertStore;

use crate::{Error, Result};

/// The certificates in `path` as the only trust anchors (never the system
/// store: OpenADR peers chain to the Alliance's CAs, nothing else).
pub fn roots(path: &Path) -> Result<RootCertStore> {
    let cas = CertificateDer::pem_file_iter(path)
        .and_then(|i| i.collect::<std::result::Result<Vec<_>, _>>())
        .map_err(|e| Error::file("CA file", path, e))?;
    let mut roots = RootCertStore::empty();
    let (added, _ignored) = roots.add_parsable_certificates(cas);
    if added == 0 {
        return Err(Error::file("CA file", path, "no usable certificate"));
    }
    Ok(roots)
}

/// A certificate chain, leaf first.
pub fn chain(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let chain = CertificateDer::pem_file_iter(path)
        .and_then(|i| i.collect::<std::result::Result<Vec<_>, _>>())
        .map_err(|e| Error::file("certificate", path, e))?;
    if chain.is_empty() {
        return Err(Error::file("certificate", path, "no certificate"));
    }
    Ok(chain)
}

/// A private key (PKCS#8, PKCS#1 or SEC1).
pub fn key(path: &Path) -> Result<PrivateKeyDer<'static>> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| Error::file("key", path, e))
}
