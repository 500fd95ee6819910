//! TLS with client certificates, on one of two stacks.
//!
//! - **openssl**: the OpenADR 2.0b profile. TLS 1.2 only, the two mandated suites
//!   (`AES128-SHA256` with the RSA certificate, `ECDHE-ECDSA-AES128-SHA256` with the
//!   ECC one) after modern ECDHE-GCM suites, server preference. OpenSSL holds the RSA
//!   and the ECC certificate in one context and serves the one the negotiated suite needs.
//! - **rustls**: modern suites only (TLS 1.3 and TLS 1.2 ECDHE-AEAD). rustls refuses the
//!   2.0b CBC suites by design, so certified 2.0b devices may not connect to it.
//!
//! Both require a client certificate that chains to the configured CA bundle; an
//! expired, unknown-CA or missing certificate fails the handshake. The leaf's
//! OpenADR fingerprint is put in the connection's data ([`on_connect`]) and every
//! OpenADR request is checked against the venID it claims (see `vtn_core::service`).

use std::any::Any;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use actix_web::dev::Extensions;
use actix_web::rt::net::TcpStream;
use anyhow::Context;
use openssl::ssl::{SslAcceptor, SslAcceptorBuilder, SslFiletype, SslMethod, SslVerifyMode};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert, WebPkiClientVerifier};
use rustls::sign::CertifiedKey;
use rustls::{RootCertStore, ServerConfig, SignatureScheme};
use serde::Deserialize;

/// Which TLS implementation serves the listener.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum TlsStack {
    /// OpenSSL: the 2.0b profile (TLS 1.2, the two mandated CBC suites, ECDHE-GCM preferred).
    Openssl,
    /// rustls: modern suites, TLS 1.2 and 1.3 (the default for new deployments).
    #[default]
    Rustls,
}

impl std::fmt::Display for TlsStack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TlsStack::Openssl => "openssl",
            TlsStack::Rustls => "rustls",
        })
    }
}

/// Validated TLS settings.
#[derive(Clone, Debug)]
pub struct Tls {
    pub stack: TlsStack,
    /// RSA (or any) server certificate chain, PEM (leaf first, then intermediates).
    pub cert: PathBuf,
    pub key: PathBuf,
    /// Optional ECC server certificate chain and key (served for ECDSA suites).
    pub ec: Option<(PathBuf, PathBuf)>,
    /// CA bundle client certificates must chain to.
    pub client_ca: PathBuf,
}

/// The 2.0b cipher list (shared with the VEN; see `oadr_edge::profile`).
pub use oadr_edge::profile::OPENSSL_CIPHERS;

/// The verified client certificate of a connection (put in the connection data).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerCert {
    /// OpenADR fingerprint of the leaf (29 characters, upper case).
    pub fingerprint: String,
}

/// `HttpServer::on_connect` hook: record the peer certificate's fingerprint.
pub fn on_connect(conn: &dyn Any, ext: &mut Extensions) {
    let der =
        if let Some(s) = conn.downcast_ref::<actix_tls::accept::openssl::TlsStream<TcpStream>>() {
            s.ssl().peer_certificate().and_then(|c| c.to_der().ok())
        } else if let Some(s) =
            conn.downcast_ref::<actix_tls::accept::rustls_0_23::TlsStream<TcpStream>>()
        {
            s.get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .map(|c| c.as_ref().to_vec())
        } else {
            None
        };
    if let Some(der) = der {
        ext.insert(PeerCert {
            fingerprint: adr_schema::fingerprint::fingerprint(&der),
        });
    }
}

fn exists(p: &Path, what: &str) -> anyhow::Result<()> {
    if !p.is_file() {
        anyhow::bail!("{what} {}: no such file", p.display());
    }
    Ok(())
}

impl Tls {
    fn check_files(&self) -> anyhow::Result<()> {
        exists(&self.cert, "TLS certificate")?;
        exists(&self.key, "TLS key")?;
        exists(&self.client_ca, "client CA bundle")?;
        if let Some((c, k)) = &self.ec {
            exists(c, "ECC TLS certificate")?;
            exists(k, "ECC TLS key")?;
        }
        Ok(())
    }

    /// The OpenSSL acceptor: TLS 1.2, 2.0b suites, both certificates, client certificates required.
    pub fn openssl_acceptor(&self) -> anyhow::Result<SslAcceptorBuilder> {
        self.check_files()?;
        let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server())?;
        oadr_edge::profile::profile_2_0b(&mut b, true)?;
        // One slot per key type: OpenSSL serves the certificate the negotiated suite needs.
        let mut pairs = vec![(&self.cert, &self.key)];
        if let Some((c, k)) = &self.ec {
            pairs.push((c, k));
        }
        for (c, k) in pairs {
            b.set_certificate_chain_file(c)
                .with_context(|| format!("loading {}", c.display()))?;
            b.set_private_key_file(k, SslFiletype::PEM)
                .with_context(|| format!("loading {}", k.display()))?;
            b.check_private_key()
                .with_context(|| format!("{} does not match {}", k.display(), c.display()))?;
        }
        b.set_ca_file(&self.client_ca)
            .with_context(|| format!("loading {}", self.client_ca.display()))?;
        b.set_client_ca_list(openssl::x509::X509Name::load_client_ca_file(
            &self.client_ca,
        )?);
        b.set_verify(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT);
        // Needed with client certificates, or a resumed session fails.
        b.set_session_id_context(b"oadr-vtn")?;
        Ok(b)
    }

    /// The rustls server configuration: TLS 1.2/1.3 modern suites, client certificates required.
    pub fn rustls_config(&self) -> anyhow::Result<ServerConfig> {
        self.check_files()?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore::empty();
        for c in CertificateDer::pem_file_iter(&self.client_ca)
            .with_context(|| format!("reading {}", self.client_ca.display()))?
        {
            roots.add(c?)?;
        }
        let verifier =
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .context("client certificate verifier")?;
        let load = |c: &Path, k: &Path| -> anyhow::Result<Arc<CertifiedKey>> {
            let chain = CertificateDer::pem_file_iter(c)
                .with_context(|| format!("reading {}", c.display()))?
                .collect::<Result<Vec<_>, _>>()?;
            let key = PrivateKeyDer::from_pem_file(k)
                .with_context(|| format!("reading {}", k.display()))?;
            let signer = provider
                .key_provider
                .load_private_key(key)
                .with_context(|| format!("loading {}", k.display()))?;
            let ck = CertifiedKey::new(chain, signer);
            ck.keys_match()
                .with_context(|| format!("{} does not match {}", k.display(), c.display()))?;
            Ok(Arc::new(ck))
        };
        let resolver = ByKeyType {
            main: load(&self.cert, &self.key)?,
            ec: match &self.ec {
                Some((c, k)) => Some(load(c, k)?),
                None => None,
            },
        };
        let cfg = ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
            .with_client_cert_verifier(verifier)
            .with_cert_resolver(Arc::new(resolver));
        Ok(cfg)
    }
}

/// Serve the ECC certificate to peers that accept ECDSA signatures, the main one otherwise.
#[derive(Debug)]
struct ByKeyType {
    main: Arc<CertifiedKey>,
    ec: Option<Arc<CertifiedKey>>,
}

impl ResolvesServerCert for ByKeyType {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        if let Some(ec) = &self.ec {
            let schemes = hello.signature_schemes();
            let ecdsa_ok = schemes.contains(&SignatureScheme::ECDSA_NISTP256_SHA256);
            let rsa_ok = schemes.iter().any(|s| {
                matches!(
                    s,
                    SignatureScheme::RSA_PSS_SHA256
                        | SignatureScheme::RSA_PSS_SHA384
                        | SignatureScheme::RSA_PKCS1_SHA256
                        | SignatureScheme::RSA_PKCS1_SHA384
                )
            });
            // TLS 1.2 also needs an ECDSA suite offered (TLS 1.3 suites are key-agnostic).
            let ecdsa_suite = hello.cipher_suites().iter().any(|s| {
                let n = format!("{s:?}");
                n.starts_with("TLS13_") || n.contains("ECDSA")
            });
            if ecdsa_ok && ecdsa_suite || !rsa_ok {
                return Some(ec.clone());
            }
        }
        Some(self.main.clone())
    }
}
