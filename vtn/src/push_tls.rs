//! TLS for push deliveries: the VTN connects to a VEN's own HTTPS endpoint.
//!
//! The VEN's server certificate must chain to the client CA bundle (the same
//! PKI its client certificate came from) and be the very certificate bound to
//! its venID (the OpenADR fingerprint recorded at registration). Its names
//! need not match the host of the transport address: the pin identifies the
//! endpoint, and device certificates seldom name a gateway's address. The fingerprint is checked inside
//! the handshake, so a message is never written to a connection with a
//! certificate that merely chains to the CA: an impostor with another VEN's
//! valid certificate learns nothing.

use std::sync::Arc;

use anyhow::Context;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::tls::Tls;

/// A client configuration for pushing to the VEN whose certificate has
/// `fingerprint` (normalised, `AA:BB:...`): the VTN presents its own
/// certificate and accepts only that VEN's.
pub fn client_config(t: &Tls, fingerprint: &str) -> anyhow::Result<ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(&t.client_ca)
        .with_context(|| format!("reading {}", t.client_ca.display()))?
    {
        roots.add(c?)?;
    }
    let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .context("server certificate verifier")?;
    let chain = CertificateDer::pem_file_iter(&t.cert)
        .with_context(|| format!("reading {}", t.cert.display()))?
        .collect::<Result<Vec<_>, _>>()?;
    let key = PrivateKeyDer::from_pem_file(&t.key)
        .with_context(|| format!("reading {}", t.key.display()))?;
    let cfg = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Pinned {
            inner,
            fingerprint: fingerprint.to_owned(),
        }))
        .with_client_auth_cert(chain, key)
        .context("the VTN's certificate for push")?;
    Ok(cfg)
}

/// WebPKI validation, then the fingerprint bound to the venID.
#[derive(Debug)]
struct Pinned {
    inner: Arc<WebPkiServerVerifier>,
    fingerprint: String,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Ok(_) => {}
            // rustls checks the name after the chain, so the chain is good
            // here; the pin below identifies the endpoint, and device
            // certificates rarely name the gateway's address.
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForName
                | rustls::CertificateError::NotValidForNameContext { .. },
            )) => {}
            Err(e) => return Err(e),
        }
        if adr_schema::fingerprint::fingerprint(end_entity) != self.fingerprint {
            return Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ));
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
