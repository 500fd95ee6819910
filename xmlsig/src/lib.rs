//! OpenADR 2.0b XML signatures: an XMLDSig `ds:Signature` beside (or around)
//! `oadrSignedObject` in `oadrPayload`, with two references: the signed object and
//! the `dsp:ReplayProtect` (timestamp and nonce) inside a `ds:Object`.
//!
//! Canonicalization, digests and signature values are libxmlsec1's (OpenSSL
//! backend), reached through a small C shim (`csrc/shim.c`) that keeps C struct
//! layouts out of Rust. Why not a Rust binding: the `xmlsec` crate needs bindgen
//! (libclang) at build time and exposes no way to reuse a parsed key across
//! contexts; a pure-Rust C14N would be one more implementation to prove against
//! openleadr (signxml/lxml) and xmlsec1. libxmlsec1 is the implementation
//! `xmlsec1 --verify` uses, so what we sign is what the referee checks.
//!
//! - [`Signer`]: a private key parsed once; [`Signer::sign`] inserts the
//!   signature (detached shape, inclusive C14N 1.0, as openleadr) before
//!   `oadrSignedObject`.
//! - [`Verifier::verify`]: checks the signature with the certificate it carries,
//!   that this certificate is the expected one (the TLS peer's fingerprint), that
//!   the references cover the signed object (by its `Id`, or the whole document
//!   with the enveloped-signature transform) *and* the ReplayProtect, and that the
//!   timestamp is inside the window and the nonce was not seen before.

use std::collections::HashMap;
use std::ffi::{c_char, c_int, c_void};
use std::ptr::NonNull;
use std::sync::{Mutex, Once};

use base64::Engine;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

pub const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
pub const DSP_NS: &str = "http://openadr.org/oadr-2.0b/2012/07/xmldsig-properties";
pub const OADR_NS: &str = "http://openadr.org/oadr-2.0b/2012/07";
const C14N: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const ECDSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
/// Bound on messages we parse for signatures (the VTN's body limit is smaller).
const MAX_LEN: usize = 16 * 1024 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SigError {
    #[error("the message is not signed")]
    Unsigned,
    #[error("malformed signature: {0}")]
    Malformed(String),
    #[error("the signing certificate {0} is not the expected one")]
    WrongCertificate(String),
    #[error("invalid signature: {0}")]
    Invalid(String),
    #[error("the signature does not cover {0}")]
    NotCovered(&'static str),
    #[error("replayed message (nonce already seen)")]
    Replayed,
    #[error("ReplayProtect timestamp {0} is outside the accepted window")]
    OutsideWindow(String),
    #[error("key: {0}")]
    Key(String),
}

// ------------------------------------------------------------------ FFI

#[allow(non_camel_case_types)]
type xmlSecKeyPtr = *mut c_void;

extern "C" {
    fn oadr_xmlsec_init() -> c_int;
    fn oadr_key_load(key: *const u8, klen: usize, cert: *const u8, clen: usize) -> xmlSecKeyPtr;
    fn oadr_pubkey_load_der(der: *const u8, len: usize) -> xmlSecKeyPtr;
    fn oadr_key_free(k: xmlSecKeyPtr);
    fn oadr_free(p: *mut c_void);
    fn oadr_sign(
        xml: *const c_char,
        len: usize,
        key: xmlSecKeyPtr,
        out: *mut *mut c_char,
        outlen: *mut usize,
        err: *mut c_char,
        errlen: usize,
    ) -> c_int;
    fn oadr_verify(
        xml: *const c_char,
        len: usize,
        key: xmlSecKeyPtr,
        uris: *mut *mut c_char,
        urislen: *mut usize,
        err: *mut c_char,
        errlen: usize,
    ) -> c_int;
}

static INIT: Once = Once::new();
static mut INIT_RC: c_int = 0;

fn init() -> Result<(), SigError> {
    // SAFETY: libxml2/xmlsec global initialisation, run once before any other call.
    INIT.call_once(|| unsafe { INIT_RC = oadr_xmlsec_init() });
    // SAFETY: written once inside call_once above, read only after it completed.
    let rc = unsafe { INIT_RC };
    if rc != 0 {
        return Err(SigError::Key(format!(
            "libxmlsec1 initialisation failed ({rc})"
        )));
    }
    Ok(())
}

/// A parsed xmlsec key. Only read after creation (each use duplicates it in C).
struct Key(NonNull<c_void>);

// SAFETY: the key is never mutated after loading; every signature context works on
// its own duplicate (xmlSecKeyDuplicate only reads the source key).
unsafe impl Send for Key {}
unsafe impl Sync for Key {}

impl Drop for Key {
    fn drop(&mut self) {
        // SAFETY: the pointer came from oadr_key_load/oadr_pubkey_load_der and is freed once.
        unsafe { oadr_key_free(self.0.as_ptr()) }
    }
}

fn err_str(buf: &[u8]) -> String {
    let n = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

/// Take ownership of a C string from the shim.
fn take(p: *mut c_char, len: usize) -> String {
    // SAFETY: p points to len bytes allocated by libxml2 in the shim; freed right after copying.
    let s = unsafe { std::slice::from_raw_parts(p as *const u8, len) }.to_vec();
    unsafe { oadr_free(p as *mut c_void) };
    String::from_utf8_lossy(&s).into_owned()
}

// ------------------------------------------------------------------ PEM helpers

fn pem_blocks(pem: &[u8], label: &str) -> Vec<Vec<u8>> {
    let text = String::from_utf8_lossy(pem);
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut out = Vec::new();
    let mut rest = text.as_ref();
    while let Some(i) = rest.find(&begin) {
        let after = &rest[i + begin.len()..];
        let Some(j) = after.find(&end) else { break };
        let b64: String = after[..j].chars().filter(|c| !c.is_whitespace()).collect();
        if let Ok(der) = base64::engine::general_purpose::STANDARD.decode(b64) {
            out.push(der);
        }
        rest = &after[j + end.len()..];
    }
    out
}

// ------------------------------------------------------------------ signing

/// Which signature method a key makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    RsaSha256,
    EcdsaSha256,
}

impl Algorithm {
    pub fn uri(self) -> &'static str {
        match self {
            Algorithm::RsaSha256 => RSA_SHA256,
            Algorithm::EcdsaSha256 => ECDSA_SHA256,
        }
    }
}

/// A signing key and its certificate, parsed once and reused for every message.
pub struct Signer {
    key: Key,
    alg: Algorithm,
    cert_b64: String,
    fingerprint: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("alg", &self.alg)
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// `key_pem`: PKCS#8 (or traditional) PEM private key; `cert_pem`: its certificate
    /// (leaf first; only the leaf goes into KeyInfo).
    pub fn from_pem(key_pem: &[u8], cert_pem: &[u8]) -> Result<Signer, SigError> {
        init()?;
        let leaf = pem_blocks(cert_pem, "CERTIFICATE")
            .into_iter()
            .next()
            .ok_or_else(|| SigError::Key("no certificate in the PEM file".into()))?;
        let text = String::from_utf8_lossy(key_pem);
        // The algorithm from the key: an EC key (SEC1 or PKCS#8 with the EC OID) signs ECDSA.
        let alg = if text.contains("BEGIN EC PRIVATE KEY")
            || pem_blocks(key_pem, "PRIVATE KEY")
                .first()
                .is_some_and(|der| {
                    der.windows(9)
                        .any(|w| w == [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01])
                }) {
            Algorithm::EcdsaSha256
        } else {
            Algorithm::RsaSha256
        };
        // SAFETY: the buffers outlive the call; the shim copies what it keeps.
        let k = unsafe { oadr_key_load(key_pem.as_ptr(), key_pem.len(), std::ptr::null(), 0) };
        let key = NonNull::new(k)
            .map(Key)
            .ok_or_else(|| SigError::Key("libxmlsec1 cannot load the private key".into()))?;
        Ok(Signer {
            key,
            alg,
            fingerprint: adr_schema::fingerprint::fingerprint(&leaf),
            cert_b64: base64::engine::general_purpose::STANDARD.encode(&leaf),
        })
    }

    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// The OpenADR fingerprint of the signing certificate.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Sign an unsigned `oadrPayload` (detached shape) with a fresh nonce at `now`.
    pub fn sign(&self, payload: &str, now: DateTime<Utc>) -> Result<String, SigError> {
        self.sign_with(payload, now, &uuid::Uuid::new_v4().simple().to_string())
    }

    /// Sign with a given nonce (tests).
    pub fn sign_with(
        &self,
        payload: &str,
        now: DateTime<Utc>,
        nonce: &str,
    ) -> Result<String, SigError> {
        let (at, id) = signed_object_tag(payload)?;
        let mut doc = String::with_capacity(payload.len() + 2048 + self.cert_b64.len());
        doc.push_str(&payload[..at]);
        let ts = now.to_rfc3339_opts(SecondsFormat::Micros, true);
        let reference = |uri: &str| {
            format!(
                "<ds:Reference URI=\"{uri}\"><ds:Transforms><ds:Transform Algorithm=\"{C14N}\"/></ds:Transforms>\
                 <ds:DigestMethod Algorithm=\"{SHA256}\"/><ds:DigestValue></ds:DigestValue></ds:Reference>"
            )
        };
        doc.push_str(&format!(
            "<ds:Signature xmlns:ds=\"{DSIG_NS}\" Id=\"oadrSignature\"><ds:SignedInfo>\
             <ds:CanonicalizationMethod Algorithm=\"{C14N}\"/><ds:SignatureMethod Algorithm=\"{}\"/>{}{}</ds:SignedInfo>\
             <ds:SignatureValue></ds:SignatureValue><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate>\
             </ds:X509Data></ds:KeyInfo><ds:Object Id=\"oadrSignatureProperties\"><ds:SignatureProperties>\
             <ds:SignatureProperty Id=\"oadrReplayProtect\" Target=\"#oadrSignature\"><dsp:ReplayProtect xmlns:dsp=\"{DSP_NS}\">\
             <dsp:timestamp>{ts}</dsp:timestamp><dsp:nonce>{nonce}</dsp:nonce></dsp:ReplayProtect></ds:SignatureProperty>\
             </ds:SignatureProperties></ds:Object></ds:Signature>",
            self.alg.uri(),
            reference(&format!("#{id}")),
            reference("#oadrSignatureProperties"),
            self.cert_b64,
        ));
        doc.push_str(&payload[at..]);
        let mut out: *mut c_char = std::ptr::null_mut();
        let mut outlen = 0usize;
        let mut err = [0u8; 256];
        // SAFETY: doc outlives the call; out is set only on success and taken below.
        let rc = unsafe {
            oadr_sign(
                doc.as_ptr() as *const c_char,
                doc.len(),
                self.key.0.as_ptr(),
                &mut out,
                &mut outlen,
                err.as_mut_ptr() as *mut c_char,
                err.len(),
            )
        };
        if rc != 0 || out.is_null() {
            return Err(SigError::Key(format!("signing failed: {}", err_str(&err))));
        }
        Ok(take(out, outlen))
    }
}

/// Where the `oadrSignedObject` start tag begins, and its Id (`oadrSignedObject` if none).
fn signed_object_tag(payload: &str) -> Result<(usize, String), SigError> {
    let mut pos = 0;
    while let Some(i) = payload[pos..].find("oadrSignedObject") {
        let at = pos + i;
        // Walk back over an optional prefix to '<'.
        let before = &payload[..at];
        let start = before
            .rfind('<')
            .ok_or_else(|| SigError::Malformed("no oadrSignedObject".into()))?;
        let prefix = &before[start + 1..];
        if prefix.is_empty() || (prefix.ends_with(':') && !prefix.contains([' ', '/', '>'])) {
            let tag_end = payload[at..]
                .find('>')
                .map(|e| at + e)
                .ok_or_else(|| SigError::Malformed("unterminated oadrSignedObject".into()))?;
            let tag = &payload[start..tag_end];
            let id = tag
                .find("Id=\"")
                .map(|k| &tag[k + 4..])
                .and_then(|r| r.split('"').next())
                .ok_or_else(|| {
                    SigError::Malformed("oadrSignedObject has no Id attribute".into())
                })?;
            return Ok((start, id.to_string()));
        }
        pos = at + 1;
    }
    Err(SigError::Malformed("no oadrSignedObject".into()))
}

// ------------------------------------------------------------------ verification

/// What a verified signature says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// Fingerprint of the certificate in KeyInfo (the signer).
    pub fingerprint: String,
    pub timestamp: DateTime<Utc>,
    pub nonce: String,
}

/// The facts a structural pass over the document finds.
#[derive(Debug, Default)]
struct Shape {
    signatures: usize,
    cert_b64: Option<String>,
    timestamp: Option<String>,
    nonce: Option<String>,
    replay_protects: usize,
    signed_objects: usize,
    /// Ids that cover the signed object (its own and its ancestors').
    object_ids: Vec<String>,
    /// Ids that cover the ReplayProtect (its own and its ancestors').
    replay_ids: Vec<String>,
}

fn shape(xml: &[u8]) -> Result<Shape, SigError> {
    let mut r = NsReader::from_reader(xml);
    r.config_mut().trim_text(true);
    let mut s = Shape::default();
    // Stack of (ns, local name, Id attribute).
    let mut stack: Vec<(String, String, Option<String>)> = Vec::new();
    let mut buf = Vec::new();
    let malformed = |e: &dyn std::fmt::Display| SigError::Malformed(e.to_string());
    loop {
        let (res, ev) = r
            .read_resolved_event_into(&mut buf)
            .map_err(|e| malformed(&e))?;
        let ns = match res {
            ResolveResult::Bound(n) => AsRef::<str>::as_ref(&n).to_string(),
            _ => String::new(),
        };
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                if stack.len() > 64 {
                    return Err(SigError::Malformed("too deep".into()));
                }
                let local = AsRef::<str>::as_ref(&e.local_name()).to_string();
                let mut id = None;
                for a in e.attributes() {
                    let a = a.map_err(|e| malformed(&e))?;
                    if AsRef::<str>::as_ref(&a.key.local_name()) == "Id" {
                        id = Some(
                            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .map_err(|e| malformed(&e))?
                                .into_owned(),
                        );
                    }
                }
                let ids_here = || {
                    stack
                        .iter()
                        .filter_map(|(_, _, i)| i.clone())
                        .chain(id.clone())
                        .collect::<Vec<_>>()
                };
                match (ns.as_str(), local.as_str()) {
                    (DSIG_NS, "Signature") => s.signatures += 1,
                    (DSP_NS, "ReplayProtect") => {
                        s.replay_protects += 1;
                        s.replay_ids = ids_here();
                    }
                    (OADR_NS, "oadrSignedObject") => {
                        s.signed_objects += 1;
                        s.object_ids = ids_here();
                    }
                    _ => {}
                }
                if matches!(ev, Event::Start(_)) {
                    stack.push((ns, local, id));
                }
            }
            Event::End(_) => {
                stack.pop();
            }
            Event::Text(t) => {
                if let Some((ns, local, _)) = stack.last() {
                    let text =
                        || -> Result<String, SigError> { Ok(t.xml10_content().trim().to_string()) };
                    match (ns.as_str(), local.as_str()) {
                        (DSIG_NS, "X509Certificate") if s.cert_b64.is_none() => {
                            s.cert_b64 = Some(text()?)
                        }
                        (DSP_NS, "timestamp") => s.timestamp = Some(text()?),
                        (DSP_NS, "nonce") => s.nonce = Some(text()?),
                        _ => {}
                    }
                }
            }
            Event::DocType(_) => return Err(SigError::Malformed("a DTD is not allowed".into())),
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(s)
}

/// Is this payload signed (has a `ds:Signature`)? A cheap test before [`Verifier::verify`].
pub fn is_signed(xml: &[u8]) -> bool {
    memfind(xml, b"Signature") && memfind(xml, DSIG_NS.as_bytes())
}

fn memfind(h: &[u8], n: &[u8]) -> bool {
    h.windows(n.len()).any(|w| w == n)
}

/// Verifies incoming payloads and remembers nonces inside the replay window.
pub struct Verifier {
    window: Duration,
    /// nonce → expiry (unix seconds).
    nonces: Mutex<HashMap<String, i64>>,
    max_nonces: usize,
    /// Public keys by certificate fingerprint, parsed once.
    keys: Mutex<HashMap<String, std::sync::Arc<Key>>>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// `window`: how far a ReplayProtect timestamp may be from now, either way (clock skew).
    pub fn new(window: Duration) -> Verifier {
        Verifier {
            window,
            nonces: Mutex::new(HashMap::new()),
            max_nonces: 1_000_000,
            keys: Mutex::new(HashMap::new()),
        }
    }

    pub fn window(&self) -> Duration {
        self.window
    }

    fn key_for(&self, fp: &str, der: &[u8]) -> Result<std::sync::Arc<Key>, SigError> {
        let mut m = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(k) = m.get(fp) {
            return Ok(k.clone());
        }
        // SAFETY: der outlives the call.
        let k = unsafe { oadr_pubkey_load_der(der.as_ptr(), der.len()) };
        let k = std::sync::Arc::new(
            NonNull::new(k)
                .map(Key)
                .ok_or_else(|| SigError::Malformed("unreadable X509Certificate".into()))?,
        );
        if m.len() > 10_000 {
            m.clear();
        }
        m.insert(fp.to_string(), k.clone());
        Ok(k)
    }

    /// Verify a signed payload at `now`. With `expected`, the signing certificate's
    /// fingerprint must equal it (normalised). On success the nonce is remembered.
    pub fn verify(
        &self,
        xml: &[u8],
        expected: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Verified, SigError> {
        init()?;
        if xml.len() > MAX_LEN {
            return Err(SigError::Malformed("too large".into()));
        }
        let s = shape(xml)?;
        if s.signatures == 0 {
            return Err(SigError::Unsigned);
        }
        if s.signatures > 1 || s.signed_objects != 1 || s.replay_protects != 1 {
            return Err(SigError::Malformed(format!(
                "expected one Signature, one oadrSignedObject and one ReplayProtect (found {}, {}, {})",
                s.signatures, s.signed_objects, s.replay_protects
            )));
        }
        let b64: String = s
            .cert_b64
            .ok_or_else(|| SigError::Malformed("no X509Certificate in KeyInfo".into()))?
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| SigError::Malformed(format!("X509Certificate: {e}")))?;
        let fp = adr_schema::fingerprint::fingerprint(&der);
        if let Some(want) = expected {
            if adr_schema::fingerprint::normalize(want).as_deref() != Some(fp.as_str()) {
                return Err(SigError::WrongCertificate(fp));
            }
        }
        let key = self.key_for(&fp, &der)?;
        let mut uris: *mut c_char = std::ptr::null_mut();
        let mut n = 0usize;
        let mut err = [0u8; 256];
        // SAFETY: xml outlives the call; uris is set only on success and taken below.
        let rc = unsafe {
            oadr_verify(
                xml.as_ptr() as *const c_char,
                xml.len(),
                key.0.as_ptr(),
                &mut uris,
                &mut n,
                err.as_mut_ptr() as *mut c_char,
                err.len(),
            )
        };
        match rc {
            0 if !uris.is_null() => {}
            1 => return Err(SigError::Invalid(err_str(&err))),
            _ => return Err(SigError::Malformed(err_str(&err))),
        }
        let uris = take(uris, n);
        let refs: Vec<&str> = uris.lines().collect();
        let covers = |ids: &[String]| {
            refs.iter().any(|u| {
                u.strip_prefix('#')
                    .is_some_and(|id| ids.iter().any(|i| i == id))
            })
        };
        // "" is the whole document (enveloped shape); the signature itself is then excluded.
        if !(refs.contains(&"") || covers(&s.object_ids)) {
            return Err(SigError::NotCovered("oadrSignedObject"));
        }
        if !covers(&s.replay_ids) {
            return Err(SigError::NotCovered("ReplayProtect"));
        }
        let ts_text = s
            .timestamp
            .ok_or_else(|| SigError::Malformed("no ReplayProtect timestamp".into()))?;
        let nonce = s
            .nonce
            .filter(|n| !n.is_empty() && n.len() <= 256)
            .ok_or_else(|| SigError::Malformed("no ReplayProtect nonce".into()))?;
        let ts = DateTime::parse_from_rfc3339(&ts_text)
            .map_err(|e| SigError::Malformed(format!("timestamp {ts_text:?}: {e}")))?
            .with_timezone(&Utc);
        if ts < now - self.window || ts > now + self.window {
            return Err(SigError::OutsideWindow(ts_text));
        }
        self.remember(&nonce, now)?;
        Ok(Verified {
            fingerprint: fp,
            timestamp: ts,
            nonce,
        })
    }

    /// Record a nonce; a nonce seen inside its lifetime (2 × window) is a replay.
    fn remember(&self, nonce: &str, now: DateTime<Utc>) -> Result<(), SigError> {
        let t = now.timestamp();
        let mut m = self.nonces.lock().unwrap_or_else(|e| e.into_inner());
        if m.get(nonce).is_some_and(|exp| *exp >= t) {
            return Err(SigError::Replayed);
        }
        if m.len() >= self.max_nonces {
            m.retain(|_, exp| *exp >= t);
            if m.len() >= self.max_nonces {
                // Still full of live nonces: refuse rather than forget (a flood, not traffic).
                return Err(SigError::Invalid("nonce cache full".into()));
            }
        }
        m.insert(nonce.to_string(), t + 2 * self.window.num_seconds().max(1));
        Ok(())
    }
}

#[cfg(test)]
mod tests;
