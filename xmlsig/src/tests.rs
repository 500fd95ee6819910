use chrono::{DateTime, Duration, Utc};

use super::*;

/// A test PKI made once per test run with certs/make-test-pki.sh (needs the openssl CLI).
fn pki() -> &'static std::path::Path {
    oadr_test_pki::pki(|| tempfile::tempdir().expect("tempdir").keep())
}

fn signer(kind: &str) -> Signer {
    let p = pki();
    Signer::from_pem(
        &std::fs::read(p.join(format!("vtn-{kind}.key"))).unwrap(),
        &std::fs::read(p.join(format!("vtn-{kind}.crt"))).unwrap(),
    )
    .unwrap()
}

const POLL: &str = r#"<?xml version="1.0" encoding="utf-8"?><oadr:oadrPayload xmlns:oadr="http://openadr.org/oadr-2.0b/2012/07" xmlns:ei="http://docs.oasis-open.org/ns/energyinterop/201110"><oadr:oadrSignedObject oadr:Id="oadrSignedObject"><oadr:oadrPoll ei:schemaVersion="2.0b"><ei:venID>VEN-1</ei:venID></oadr:oadrPoll></oadr:oadrSignedObject></oadr:oadrPayload>"#;

fn now() -> DateTime<Utc> {
    Utc::now()
}

#[test]
fn rsa_and_ecdsa_round_trip() {
    for (kind, alg) in [
        ("rsa", Algorithm::RsaSha256),
        ("ec", Algorithm::EcdsaSha256),
    ] {
        let s = signer(kind);
        assert_eq!(s.algorithm(), alg);
        let signed = s.sign(POLL, now()).unwrap();
        assert!(signed.contains(alg.uri()));
        let v = Verifier::new(Duration::minutes(5));
        let got = v
            .verify(signed.as_bytes(), Some(s.fingerprint()), now())
            .unwrap();
        assert_eq!(got.fingerprint, s.fingerprint());
        // The payload still parses with our codec (the Signature is a sibling).
        assert!(adr_schema::Message::from_slice(signed.as_bytes()).is_ok());
    }
}

#[test]
fn one_key_signs_many_messages() {
    let s = signer("rsa");
    let v = Verifier::new(Duration::minutes(5));
    for _ in 0..20 {
        let m = s.sign(POLL, now()).unwrap();
        v.verify(m.as_bytes(), None, now()).unwrap();
    }
}

#[test]
fn tampering_is_detected() {
    let s = signer("rsa");
    let v = Verifier::new(Duration::minutes(5));
    let m = s.sign_with(POLL, now(), "abc123").unwrap();
    let bad_object = m.replace("VEN-1", "VEN-2");
    assert!(matches!(
        v.verify(bad_object.as_bytes(), None, now()),
        Err(SigError::Invalid(_))
    ));
    let bad_nonce = m.replace("abc123", "abc124");
    assert!(matches!(
        v.verify(bad_nonce.as_bytes(), None, now()),
        Err(SigError::Invalid(_))
    ));
    // Untouched, it still verifies (the failed attempts did not burn its nonce).
    v.verify(m.as_bytes(), None, now()).unwrap();
}

#[test]
fn replay_and_window() {
    let s = signer("ec");
    let v = Verifier::new(Duration::minutes(5));
    let m = s.sign(POLL, now()).unwrap();
    v.verify(m.as_bytes(), None, now()).unwrap();
    assert_eq!(v.verify(m.as_bytes(), None, now()), Err(SigError::Replayed));
    let old = s.sign(POLL, now() - Duration::minutes(10)).unwrap();
    assert!(matches!(
        v.verify(old.as_bytes(), None, now()),
        Err(SigError::OutsideWindow(_))
    ));
    let future = s.sign(POLL, now() + Duration::minutes(10)).unwrap();
    assert!(matches!(
        v.verify(future.as_bytes(), None, now()),
        Err(SigError::OutsideWindow(_))
    ));
    // Ordinary clock skew (a minute) is fine.
    let skewed = s.sign(POLL, now() + Duration::seconds(60)).unwrap();
    v.verify(skewed.as_bytes(), None, now()).unwrap();
}

#[test]
fn wrong_certificate_unsigned_and_wrapping() {
    let s = signer("rsa");
    let v = Verifier::new(Duration::minutes(5));
    let m = s.sign(POLL, now()).unwrap();
    let other = signer("ec");
    assert!(matches!(
        v.verify(m.as_bytes(), Some(other.fingerprint()), now()),
        Err(SigError::WrongCertificate(_))
    ));
    assert_eq!(
        v.verify(POLL.as_bytes(), None, now()),
        Err(SigError::Unsigned)
    );
    // Signature wrapping: a second element with the signed object's Id.
    let wrapped = m.replace(
        "</oadr:oadrPayload>",
        "<x Id=\"oadrSignedObject\"/></oadr:oadrPayload>",
    );
    assert!(v.verify(wrapped.as_bytes(), None, now()).is_err());
    // Two signed objects.
    let two = m.replace(
        "</oadr:oadrPayload>",
        "<oadr:oadrSignedObject/></oadr:oadrPayload>",
    );
    assert!(matches!(
        v.verify(two.as_bytes(), None, now()),
        Err(SigError::Malformed(_))
    ));
}

/// openleadr 0.5.36 (signxml, detached, inclusive C14N) signed these; our verifier
/// must accept them (at their own signing time: the window is checked against `now`).
#[test]
fn openleadr_corpus_verifies() {
    for f in ["oadrPoll-signed.xml", "oadrDistributeEvent-signed.xml"] {
        let xml = std::fs::read(
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures")
                .join(f),
        )
        .unwrap();
        let text = String::from_utf8_lossy(&xml);
        let ts = text
            .split("<dsp:timestamp>")
            .nth(1)
            .and_then(|r| r.split('<').next())
            .unwrap();
        let at = DateTime::parse_from_rfc3339(ts)
            .unwrap()
            .with_timezone(&Utc);
        let v = Verifier::new(Duration::minutes(5));
        let got = v
            .verify(&xml, None, at)
            .unwrap_or_else(|e| panic!("{f}: {e}"));
        assert_eq!(got.fingerprint.len(), 29);
        let tampered = text.replacen("2.0b\"", "2.0a\"", 1);
        assert!(Verifier::new(Duration::minutes(5))
            .verify(tampered.as_bytes(), None, at)
            .is_err());
    }
}
