//! rustls verifiers for peers identified by a pinned OpenADR fingerprint.
//! VEN and VTN certificates come from the same CAs, so a certificate that
//! merely chains is not an identity: the leaf must be the one pinned.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, RootCertStore, SignatureScheme};

use crate::{Error, Result};

fn refused(fp: &str) -> rustls::Error {
    tracing::warn!(fingerprint = %fp, "TLS peer refused: its certificate is not the pinned one");
    rustls::Error::InvalidCertificate(rustls::CertificateError::ApplicationVerificationFailure)
}

/// A server (a VEN's push endpoint) whose chain leads to `roots` and whose
/// leaf is the certificate with `fingerprint`. Its names need not match
/// the address: the pin identifies the endpoint, and device certificates
/// rarely name a gateway's address.
#[derive(Debug)]
pub struct PinnedServer {
    inner: Arc<WebPkiServerVerifier>,
    fingerprint: String,
}

impl PinnedServer {
    pub fn new(roots: RootCertStore, fingerprint: &str) -> Result<PinnedServer> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(|e| Error::tls("server certificate verifier", e))?;
        Ok(PinnedServer {
            inner,
            fingerprint: fingerprint.to_owned(),
        })
    }
}

impl ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Ok(_) => {}
            // rustls checks the name after the chain, so the chain is good here.
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForName
                | rustls::CertificateError::NotValidForNameContext { .. },
            )) => {}
            Err(e) => return Err(e),
        }
        let fp = adr_schema::fingerprint::fingerprint(end_entity);
        if fp != self.fingerprint {
            return Err(refused(&fp));
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// A client (the VTN pushing to a VEN) whose chain leads to `roots` and
/// whose leaf is one of `fingerprints`.
#[derive(Debug)]
pub struct PinnedClient {
    inner: Arc<dyn ClientCertVerifier>,
    fingerprints: Vec<String>,
}

impl PinnedClient {
    pub fn new(roots: RootCertStore, fingerprints: &[String]) -> Result<PinnedClient> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let inner =
            rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| Error::tls("client certificate verifier", e))?;
        Ok(PinnedClient {
            inner,
            fingerprints: fingerprints.to_vec(),
        })
    }
}

impl ClientCertVerifier for PinnedClient {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> std::result::Result<ClientCertVerified, rustls::Error> {
        let verified = self
            .inner
            .verify_client_cert(end_entity, intermediates, now)?;
        let fp = adr_schema::fingerprint::fingerprint(end_entity);
        if !self.fingerprints.contains(&fp) {
            return Err(refused(&fp));
        }
        Ok(verified)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
