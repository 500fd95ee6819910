//! The OpenADR 2.0b TLS profile on OpenSSL, for every OpenSSL end of both
//! programs (VTN listener and push client, VEN client and push listener).

use openssl::ssl::{SslContextBuilder, SslOptions, SslVersion};

use crate::{Error, Result};

/// The TLS 1.2 cipher list, most preferred first: forward-secret AEAD
/// suites when the peer offers them, then the two suites the 2.0b profile
/// mandates (`ECDHE-ECDSA-AES128-SHA256` with an ECC certificate,
/// `AES128-SHA256` with an RSA one). `@SECLEVEL=2` is stated so that a
/// system policy that raised the level (which forbids RSA key transport)
/// does not silently drop `AES128-SHA256`; level 2 still demands 2048-bit
/// RSA and 224-bit EC keys, which the Alliance's certificates meet.
pub const OPENSSL_CIPHERS: &str = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:\
ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:\
ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:\
ECDHE-ECDSA-AES128-SHA256:AES128-SHA256:@SECLEVEL=2";

/// TLS 1.2 only, [`OPENSSL_CIPHERS`], no renegotiation. `server`: the
/// server's order of preference decides.
pub fn profile_2_0b(b: &mut SslContextBuilder, server: bool) -> Result<()> {
    b.set_min_proto_version(Some(SslVersion::TLS1_2))
        .map_err(|e| Error::tls("protocol", e))?;
    b.set_max_proto_version(Some(SslVersion::TLS1_2))
        .map_err(|e| Error::tls("protocol", e))?;
    b.set_cipher_list(OPENSSL_CIPHERS)
        .map_err(|e| Error::tls("cipher list", e))?;
    let mut opts = SslOptions::NO_RENEGOTIATION;
    if server {
        opts |= SslOptions::CIPHER_SERVER_PREFERENCE;
    }
    b.set_options(opts);
    Ok(())
}

/// An OpenSSL verify callback that, once the chain checked out, accepts the
/// leaf only if its OpenADR fingerprint is one of `pins`.
pub fn pin_leaf(
    pins: Vec<String>,
) -> impl Fn(bool, &mut openssl::x509::X509StoreContextRef) -> bool + Send + Sync + 'static {
    move |chain_ok, ctx| {
        // OpenSSL calls this per certificate, the leaf (depth 0) last.
        if !chain_ok || ctx.error_depth() != 0 {
            return chain_ok;
        }
        let Some(der) = ctx.current_cert().and_then(|c| c.to_der().ok()) else {
            return false;
        };
        let fp = adr_schema::fingerprint::fingerprint(&der);
        let pinned = pins.contains(&fp);
        if !pinned {
            tracing::warn!(fingerprint = %fp, "TLS peer refused: its certificate is not the pinned one");
        }
        pinned
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::pkey::PKey;
    use openssl::ssl::{SslAcceptor, SslConnector, SslMethod, SslVerifyMode};
    use std::os::unix::net::UnixStream;

    /// A throw-away self-signed RSA 2048 certificate.
    fn rsa_cert() -> (PKey<openssl::pkey::Private>, openssl::x509::X509) {
        let key = PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
        let mut name = openssl::x509::X509NameBuilder::new().unwrap();
        name.append_entry_by_text("CN", "profile-test").unwrap();
        let name = name.build();
        let mut b = openssl::x509::X509Builder::new().unwrap();
        b.set_version(2).unwrap();
        b.set_subject_name(&name).unwrap();
        b.set_issuer_name(&name).unwrap();
        b.set_pubkey(&key).unwrap();
        b.set_not_before(&openssl::asn1::Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        b.set_not_after(&openssl::asn1::Asn1Time::days_from_now(1).unwrap())
            .unwrap();
        b.sign(&key, openssl::hash::MessageDigest::sha256())
            .unwrap();
        (key, b.build())
    }

    /// The suite a client offering only `suite` gets from a server on the profile.
    fn negotiate(suite: &str) -> Option<String> {
        let (key, cert) = rsa_cert();
        let mut a = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server()).unwrap();
        profile_2_0b(&mut a, true).unwrap();
        a.set_private_key(&key).unwrap();
        a.set_certificate(&cert).unwrap();
        let acceptor = a.build();
        let (s, c) = UnixStream::pair().unwrap();
        let server = std::thread::spawn(move || acceptor.accept(s).is_ok());
        let mut cb = SslConnector::builder(SslMethod::tls_client()).unwrap();
        cb.set_max_proto_version(Some(SslVersion::TLS1_2)).unwrap();
        cb.set_cipher_list(suite).unwrap();
        cb.set_verify(SslVerifyMode::NONE);
        let got = cb
            .build()
            .connect("profile-test", c)
            .ok()
            .and_then(|st| st.ssl().current_cipher().map(|c| c.name().to_string()));
        let _ = server.join();
        got
    }

    #[test]
    fn a_strict_2_0b_peer_gets_the_mandated_rsa_suite() {
        assert_eq!(negotiate("AES128-SHA256").as_deref(), Some("AES128-SHA256"));
        // A modern peer gets forward secrecy instead.
        assert_eq!(
            negotiate("ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA256").as_deref(),
            Some("ECDHE-RSA-AES128-GCM-SHA256")
        );
        // Nothing weaker is ever agreed.
        assert_eq!(negotiate("AES128-SHA"), None);
    }
}
