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
use oadr_edge::pinned::PinnedServer;
use rustls::ClientConfig;

use crate::tls::Tls;

/// A client configuration for pushing to the VEN whose certificate has
/// `fingerprint` (normalised, `AA:BB:...`): the VTN presents its own
/// certificate and accepts only that VEN's.
pub fn client_config(t: &Tls, fingerprint: &str) -> anyhow::Result<ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = PinnedServer::new(oadr_edge::pem::roots(&t.client_ca)?, fingerprint)?;
    let chain = oadr_edge::pem::chain(&t.cert)?;
    let key = oadr_edge::pem::key(&t.key)?;
    let cfg = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_client_auth_cert(chain, key)
        .context("the VTN's certificate for push")?;
    Ok(cfg)
}
