//! Mutual TLS to the VTN (issue 7), with two stacks:
//!
//! - **rustls** (default): TLS 1.2 and 1.3, rustls' modern suites (ECDHE with
//!   AES-GCM or ChaCha20). Plugged into reqwest as a preconfigured
//!   `rustls::ClientConfig`.
//! - **openssl**: the OpenADR 2.0b profile: TLS 1.2 only, offering
//!   `ECDHE-ECDSA-AES128-SHA256` and `AES128-SHA256` (the two mandated suites)
//!   after the ECDHE-GCM suites, so that a server offering GCM gets GCM and a
//!   strict 2.0b server gets a mandated suite. reqwest's native-tls backend
//!   cannot pin a cipher list, so this stack is hyper's HTTP/1.1 client over
//!   `tokio-openssl`.
//!
//! Either way the VEN presents `cert` (leaf followed by its intermediates) with
//! `key`, and trusts only the roots in `ca` (not the system store) for the
//! VTN's chain, whose name must match the URL's host (DNS name or IP address).
//! The push listener serves on the same stack, with the same suites, and
//! takes only the pinned VTN certificate.

use std::path::Path;
use std::sync::Arc;

use oadr_edge::pinned::PinnedClient;

use openssl::ssl::{
    SslAcceptor, SslAcceptorBuilder, SslContext, SslContextBuilder, SslFiletype, SslMethod,
    SslOptions, SslVerifyMode,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::config::TlsConfig;
use crate::error::{Result, VenError};

/// The 2.0b cipher list (shared with the VTN; see `oadr_edge::profile`).
pub use oadr_edge::profile::OPENSSL_CIPHERS;

fn cfg_err(what: &str, path: &str, e: impl std::fmt::Display) -> VenError {
    VenError::Config(format!("TLS {what} {path}: {e}"))
}

/// The roots in `ca`, our chain and our key.
fn load(
    t: &TlsConfig,
) -> Result<(
    rustls::RootCertStore,
    Vec<CertificateDer<'static>>,
    PrivateKeyDer<'static>,
)> {
    let e = |e: oadr_edge::Error| VenError::Config(e.to_string());
    Ok((
        oadr_edge::pem::roots(Path::new(&t.ca)).map_err(e)?,
        oadr_edge::pem::chain(Path::new(&t.cert)).map_err(e)?,
        oadr_edge::pem::key(Path::new(&t.key)).map_err(e)?,
    ))
}

/// The push listener's server configuration: HTTPS with our certificate (the
/// one the VTN bound to our venID at registration, which it checks before it
/// writes anything), and a client certificate required from the pusher that
/// chains to `ca` and is one of `vtn_fingerprints` (normalised OpenADR
/// fingerprints). The pin matters: VEN and VTN certificates come from the
/// same CAs, so without it any VEN could push to us as if it were the VTN.
pub fn push_server_config(
    t: &TlsConfig,
    vtn_fingerprints: &[String],
) -> Result<rustls::ServerConfig> {
    need_pin(vtn_fingerprints)?;
    let (roots, chain, key) = load(t)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Arc::new(
        PinnedClient::new(roots, vtn_fingerprints).map_err(|e| cfg_err("CA file", &t.ca, e))?,
    );
    rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| VenError::Config(format!("TLS: {e}")))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(|e| cfg_err("certificate/key", &t.cert, e))
}

fn need_pin(vtn_fingerprints: &[String]) -> Result<()> {
    if vtn_fingerprints.is_empty() {
        return Err(VenError::Config(
            "[push] vtn_fingerprints: the VTN's certificate fingerprints are needed to accept its pushes over TLS".into(),
        ));
    }
    Ok(())
}

/// The push listener with `stack = "openssl"`: the 2.0b profile as a server
/// (TLS 1.2; ECDHE-GCM when the VTN offers it, else one of the two mandated
/// suites), so a certified VTN that pushes with only those suites reaches
/// us. The same checks as [`push_server_config`]: a client certificate that
/// chains to `ca` and whose leaf is one of `vtn_fingerprints`.
pub fn push_openssl_acceptor(
    t: &TlsConfig,
    vtn_fingerprints: &[String],
) -> Result<SslAcceptorBuilder> {
    need_pin(vtn_fingerprints)?;
    let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server())
        .map_err(ossl_err("acceptor"))?;
    profile_2_0b(&mut b, t)?;
    // The server's order decides (the shared profile set the client's options).
    b.set_options(SslOptions::CIPHER_SERVER_PREFERENCE);
    b.set_client_ca_list(
        openssl::x509::X509Name::load_client_ca_file(&t.ca)
            .map_err(|err| cfg_err("CA file", &t.ca, err))?,
    );
    b.set_verify_callback(
        SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT,
        oadr_edge::profile::pin_leaf(vtn_fingerprints.to_vec()),
    );
    // Needed with client certificates, or a resumed session fails.
    b.set_session_id_context(b"oadr-ven-push")
        .map_err(ossl_err("session id context"))?;
    Ok(b)
}

/// The rustls client configuration: our certificate chain and key, and the
/// roots in `ca` as the only trust anchors.
pub fn rustls_config(t: &TlsConfig) -> Result<rustls::ClientConfig> {
    let (roots, chain, key) = load(t)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| VenError::Config(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .map_err(|e| cfg_err("certificate/key", &t.cert, e))
}

/// The openssl context of the 2.0b profile (see [`OPENSSL_CIPHERS`]).
pub fn openssl_context(t: &TlsConfig) -> Result<SslContext> {
    let mut b = SslContext::builder(SslMethod::tls_client()).map_err(ossl_err("context"))?;
    profile_2_0b(&mut b, t)?;
    b.set_verify(SslVerifyMode::PEER);
    Ok(b.build())
}

fn ossl_err(what: &'static str) -> impl Fn(openssl::error::ErrorStack) -> VenError {
    move |err| VenError::Config(format!("TLS {what}: {err}"))
}

/// What both openssl ends share: TLS 1.2 with the 2.0b cipher list, our
/// certificate chain and key, and only the configured roots (never the
/// system store) to check the peer's chain.
fn profile_2_0b(b: &mut SslContextBuilder, t: &TlsConfig) -> Result<()> {
    oadr_edge::profile::profile_2_0b(b, false).map_err(|e| VenError::Config(e.to_string()))?;
    b.set_ca_file(&t.ca)
        .map_err(|err| cfg_err("CA file", &t.ca, err))?;
    b.set_certificate_chain_file(&t.cert)
        .map_err(|err| cfg_err("certificate", &t.cert, err))?;
    b.set_private_key_file(&t.key, SslFiletype::PEM)
        .map_err(|err| cfg_err("key", &t.key, err))?;
    b.check_private_key()
        .map_err(|err| cfg_err("key (does not match the certificate)", &t.key, err))
}
