//! Mutual TLS from the VEN's HTTP client (issue 7), against a small openssl
//! test server that requires a client certificate and reports what was
//! negotiated. Certificates come from `certs/make-test-pki.sh`, run once per
//! test run into the target directory's test scratch space.
//!
//! - openssl stack: the 2.0b suites against strict servers (RSA-only
//!   `AES128-SHA256`, EC-only `ECDHE-ECDSA-AES128-SHA256`), ECDHE-GCM when the
//!   server offers it, one handshake for several requests.
//! - rustls stack: modern suites (TLS 1.3, TLS 1.2 ECDHE-GCM); it cannot talk
//!   to an `AES128-SHA256`-only server (by design).
//! - both: the server sees our leaf + intermediate; a wrong server name and a
//!   server certificate from a rogue CA are refused.
//! - the push listener on each stack takes only the pinned VTN certificate;
//!   on openssl a strict 2.0b pusher gets its one mandated suite.

use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;

use adr_schema::{EiResponse, Message, Poll, RequestId, Response, VenId};
use openssl::ssl::{Ssl, SslAcceptor, SslFiletype, SslMethod, SslVerifyMode, SslVersion};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_openssl::SslStream;
use ven::config::{TlsConfig, TlsStack, VtnConfig};
use ven::transport::{HttpTransport, Transport};
use ven::VenError;

/// The test PKI, made once per run (about 3 s; about 1 s when the one in the
/// target directory is still complete: the script is idempotent).
fn pki() -> &'static Path {
    oadr_test_pki::pki(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("ven-tls-pki"))
}

fn p(name: &str) -> String {
    pki().join(name).to_str().unwrap().to_owned()
}

/// What the server saw of one connection.
#[derive(Debug)]
enum Seen {
    Handshake {
        version: String,
        cipher: String,
        peer_cn: String,
    },
    Failed(String),
}

struct ServerSpec {
    bind: &'static str,
    cert: &'static str,
    key: &'static str,
    /// TLS 1.2 cipher list.
    ciphers: &'static str,
    tls13: bool,
}

const RSA_ONLY: ServerSpec = ServerSpec {
    bind: "127.0.0.1:0",
    cert: "vtn-rsa.crt",
    key: "vtn-rsa.key",
    ciphers: "AES128-SHA256",
    tls13: false,
};
const EC_ONLY: ServerSpec = ServerSpec {
    bind: "127.0.0.1:0",
    cert: "vtn-ec.crt",
    key: "vtn-ec.key",
    ciphers: "ECDHE-ECDSA-AES128-SHA256",
    tls13: false,
};
/// Offers ECDHE-GCM next to both 2.0b suites, TLS 1.2 only.
const EC_GCM: ServerSpec = ServerSpec {
    bind: "127.0.0.1:0",
    cert: "vtn-ec.crt",
    key: "vtn-ec.key",
    ciphers: "ECDHE-ECDSA-AES128-SHA256:AES128-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256",
    tls13: false,
};
const EC_MODERN: ServerSpec = ServerSpec {
    tls13: true,
    ..EC_GCM
};

struct Server {
    addr: SocketAddr,
    seen: mpsc::UnboundedReceiver<Seen>,
}

impl Server {
    async fn next(&mut self) -> Seen {
        tokio::time::timeout(std::time::Duration::from_secs(10), self.seen.recv())
            .await
            .expect("server saw nothing")
            .expect("server gone")
    }
}

/// An HTTPS server that requires a client certificate chaining to `ca.crt`,
/// answers every request with an oadrResponse and reports each handshake.
async fn server(spec: ServerSpec) -> Server {
    let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server()).unwrap();
    b.set_min_proto_version(Some(SslVersion::TLS1_2)).unwrap();
    b.set_max_proto_version(Some(if spec.tls13 {
        SslVersion::TLS1_3
    } else {
        SslVersion::TLS1_2
    }))
    .unwrap();
    b.set_cipher_list(spec.ciphers).unwrap();
    b.set_certificate_chain_file(p(spec.cert)).unwrap();
    b.set_private_key_file(p(spec.key), SslFiletype::PEM)
        .unwrap();
    b.set_ca_file(p("ca.crt")).unwrap();
    b.set_verify(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT);
    let acceptor = b.build();
    let listener = TcpListener::bind(spec.bind).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, seen) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let ssl = Ssl::new(acceptor.context()).unwrap();
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut s = SslStream::new(ssl, tcp).unwrap();
                if let Err(e) = Pin::new(&mut s).accept().await {
                    let _ = tx.send(Seen::Failed(e.to_string()));
                    return;
                }
                let cn = s
                    .ssl()
                    .peer_certificate()
                    .and_then(|c| {
                        c.subject_name()
                            .entries_by_nid(openssl::nid::Nid::COMMONNAME)
                            .next()
                            .map(|e| String::from_utf8_lossy(e.data().as_slice()).into_owned())
                    })
                    .unwrap_or_default();
                let _ = tx.send(Seen::Handshake {
                    version: s.ssl().version_str().to_owned(),
                    cipher: s.ssl().current_cipher().unwrap().name().to_owned(),
                    peer_cn: cn,
                });
                serve_http(&mut s).await;
            });
        }
    });
    Server { addr, seen }
}

/// HTTP/1.1 with keep-alive: one oadrResponse per request until EOF.
async fn serve_http(s: &mut SslStream<tokio::net::TcpStream>) {
    let answer = Message::Response(Response {
        response: EiResponse::ok(RequestId::new("r1").unwrap()),
        ven_id: Some(VenId::new("VEN-1").unwrap()),
    })
    .to_xml();
    let mut buf = Vec::new();
    loop {
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 4096];
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map(|v| v.trim().parse().unwrap())
            .unwrap_or(0);
        while buf.len() < head_end + len {
            let mut chunk = [0u8; 4096];
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf.drain(..head_end + len);
        let resp = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/xml\r\ncontent-length: {}\r\n\r\n{answer}",
            answer.len()
        );
        if s.write_all(resp.as_bytes()).await.is_err() {
            return;
        }
    }
}

fn transport(url: &str, stack: TlsStack, client: &str) -> HttpTransport {
    let cfg = VtnConfig {
        url: None,
        timeout_s: 5,
        tls: Some(TlsConfig {
            cert: p(&format!("{client}.crt")),
            key: p(&format!("{client}.key")),
            ca: p("ca.crt"),
            stack,
        }),
    };
    HttpTransport::new(url, &cfg).unwrap()
}

fn poll() -> Message {
    Message::Poll(Poll {
        ven_id: VenId::new("VEN-1").unwrap(),
    })
}

/// One request through `stack` with client cert `client`; the server's view.
async fn exchange(spec: ServerSpec, host: &str, stack: TlsStack, client: &str) -> Seen {
    let mut srv = server(spec).await;
    let url = format!("https://{host}:{}/OpenADR2/Simple/2.0b", srv.addr.port());
    let t = transport(&url, stack, client);
    let r = t.send(&poll()).await;
    let seen = srv.next().await;
    if matches!(seen, Seen::Handshake { .. }) {
        let answer = r.expect("request over TLS");
        assert!(matches!(answer, Some(Message::Response(_))), "{answer:?}");
    }
    seen
}

fn handshake(seen: Seen) -> (String, String, String) {
    match seen {
        Seen::Handshake {
            version,
            cipher,
            peer_cn,
        } => (version, cipher, peer_cn),
        Seen::Failed(e) => panic!("handshake failed on the server: {e}"),
    }
}

#[tokio::test]
async fn openssl_rsa_server_negotiates_aes128_sha256() {
    let (v, c, cn) = handshake(exchange(RSA_ONLY, "127.0.0.1", TlsStack::Openssl, "ven-rsa").await);
    assert_eq!((v.as_str(), c.as_str()), ("TLSv1.2", "AES128-SHA256"));
    assert_eq!(cn, "ven-rsa-test");
}

#[tokio::test]
async fn openssl_ec_server_negotiates_ecdhe_ecdsa_aes128_sha256() {
    let (v, c, cn) = handshake(exchange(EC_ONLY, "localhost", TlsStack::Openssl, "ven-ec").await);
    assert_eq!(
        (v.as_str(), c.as_str()),
        ("TLSv1.2", "ECDHE-ECDSA-AES128-SHA256")
    );
    assert_eq!(cn, "ven-ec-test");
}

#[tokio::test]
async fn openssl_prefers_ecdhe_gcm_when_offered_and_stays_on_tls12() {
    let (v, c, _) = handshake(exchange(EC_MODERN, "127.0.0.1", TlsStack::Openssl, "ven-rsa").await);
    assert_eq!(
        (v.as_str(), c.as_str()),
        ("TLSv1.2", "ECDHE-ECDSA-AES128-GCM-SHA256")
    );
}

#[tokio::test]
async fn openssl_keeps_one_connection_for_several_requests() {
    let mut srv = server(EC_ONLY).await;
    let url = format!("https://127.0.0.1:{}/OpenADR2/Simple/2.0b", srv.addr.port());
    let t = transport(&url, TlsStack::Openssl, "ven-ec");
    for _ in 0..3 {
        assert!(matches!(
            t.send(&poll()).await.unwrap(),
            Some(Message::Response(_))
        ));
    }
    handshake(srv.next().await);
    assert!(
        srv.seen.try_recv().is_err(),
        "one handshake for three requests"
    );
}

#[tokio::test]
async fn rustls_negotiates_tls13_when_offered() {
    let (v, c, cn) = handshake(exchange(EC_MODERN, "localhost", TlsStack::Rustls, "ven-rsa").await);
    assert_eq!(v, "TLSv1.3");
    assert!(
        c.starts_with("TLS_AES_") || c.starts_with("TLS_CHACHA20"),
        "{c}"
    );
    assert_eq!(cn, "ven-rsa-test");
}

#[tokio::test]
async fn rustls_negotiates_ecdhe_gcm_on_tls12() {
    let (v, c, cn) = handshake(exchange(EC_GCM, "127.0.0.1", TlsStack::Rustls, "ven-ec").await);
    assert_eq!(
        (v.as_str(), c.as_str()),
        ("TLSv1.2", "ECDHE-ECDSA-AES128-GCM-SHA256")
    );
    assert_eq!(cn, "ven-ec-test");
}

#[tokio::test]
async fn rustls_cannot_use_the_rsa_cbc_suite() {
    // rustls implements neither CBC nor RSA key transport: use --tls-stack openssl.
    let seen = exchange(RSA_ONLY, "127.0.0.1", TlsStack::Rustls, "ven-rsa").await;
    assert!(matches!(seen, Seen::Failed(_)), "{seen:?}");
}

async fn refused(spec: ServerSpec, host: &str, stack: TlsStack, client: &str) -> String {
    let mut srv = server(spec).await;
    let url = format!("https://{host}:{}/OpenADR2/Simple/2.0b", srv.addr.port());
    let t = transport(&url, stack, client);
    let err = t.send(&poll()).await.expect_err("must be refused");
    assert!(matches!(srv.next().await, Seen::Failed(_)));
    match err {
        VenError::Unreachable(m) => m,
        e => panic!("expected Unreachable, got {e:?}"),
    }
}

/// The VTN certificate names localhost and 127.0.0.1; 127.0.0.2 is loopback
/// too but not in it.
const WRONG_NAME: ServerSpec = ServerSpec {
    bind: "127.0.0.2:0",
    ..EC_GCM
};
/// A server whose certificate comes from a CA we do not trust.
const ROGUE: ServerSpec = ServerSpec {
    cert: "ven-rogue.crt",
    key: "ven-rogue.key",
    ciphers: "ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA256",
    ..RSA_ONLY
};

#[tokio::test]
async fn wrong_server_name_is_refused() {
    for stack in [TlsStack::Openssl, TlsStack::Rustls] {
        let m = refused(WRONG_NAME, "127.0.0.2", stack, "ven-ec").await;
        assert!(
            m.contains("mismatch") || m.contains("not valid for name"),
            "{stack:?}: {m}"
        );
    }
}

#[tokio::test]
async fn server_certificate_from_a_rogue_ca_is_refused() {
    for stack in [TlsStack::Openssl, TlsStack::Rustls] {
        let m = refused(ROGUE, "127.0.0.1", stack, "ven-rsa").await;
        assert!(
            m.contains("local issuer") || m.contains("UnknownIssuer"),
            "{stack:?}: {m}"
        );
    }
}

#[tokio::test]
async fn our_rogue_client_certificate_is_refused_by_the_server() {
    for stack in [TlsStack::Openssl, TlsStack::Rustls] {
        let mut srv = server(EC_GCM).await;
        let url = format!("https://localhost:{}/OpenADR2/Simple/2.0b", srv.addr.port());
        let t = transport(&url, stack, "ven-rogue");
        assert!(t.send(&poll()).await.is_err(), "{stack:?}");
        assert!(matches!(srv.next().await, Seen::Failed(_)), "{stack:?}");
    }
}

#[test]
fn tls_config_errors_are_reported_at_start() {
    let cfg = |cert: &str, url_stack: TlsStack| VtnConfig {
        url: None,
        timeout_s: 5,
        tls: Some(TlsConfig {
            cert: cert.to_owned(),
            key: p("ven-rsa.key"),
            ca: p("ca.crt"),
            stack: url_stack,
        }),
    };
    for stack in [TlsStack::Openssl, TlsStack::Rustls] {
        // Key of another certificate, missing file, plain http URL.
        let e = HttpTransport::new("https://localhost:1/x", &cfg(&p("ven-ec.crt"), stack));
        assert!(
            matches!(e, Err(VenError::Config(_))),
            "{stack:?} key mismatch"
        );
        let e = HttpTransport::new("https://localhost:1/x", &cfg("/nonexistent.crt", stack));
        assert!(
            matches!(e, Err(VenError::Config(_))),
            "{stack:?} missing file"
        );
        let e = HttpTransport::new("http://localhost:1/x", &cfg(&p("ven-rsa.crt"), stack));
        assert!(matches!(e, Err(VenError::Config(_))), "{stack:?} http URL");
        let ok = HttpTransport::new("https://localhost:1/x", &cfg(&p("ven-rsa.crt"), stack));
        assert!(ok.is_ok(), "{stack:?}");
    }
}

/// The push listener over TLS takes pushes only from the pinned VTN
/// certificate. A VEN's certificate chains to the same roots (and carries
/// clientAuth), so without the pin any VEN could push to us as the VTN: it
/// is refused in the handshake and nothing reaches the agent.
#[tokio::test]
async fn push_listener_accepts_only_the_pinned_vtn_certificate() {
    let vtn_fp = oadr_test_pki::leaf_fingerprint(Path::new(&p("vtn-rsa.crt")));
    let ours = TlsConfig {
        cert: p("ven-rsa.crt"),
        key: p("ven-rsa.key"),
        ca: p("ca.crt"),
        stack: TlsStack::Rustls,
    };
    let fps = [vtn_fp];
    let (listener, rx) =
        ven::transport::start_push_listener("127.0.0.1:0", Some((&ours, &fps[..]))).unwrap();
    let received = answer_pushes(rx);
    let url = format!(
        "https://127.0.0.1:{}/OpenADR2/Simple/2.0b/EiEvent",
        listener.addr.port()
    );
    let push_as = |who: &str| {
        let cfg = ven::tls::rustls_config(&TlsConfig {
            cert: p(&format!("{who}.crt")),
            key: p(&format!("{who}.key")),
            ca: p("ca.crt"),
            stack: TlsStack::Rustls,
        })
        .unwrap();
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(cfg)
            .build()
            .unwrap();
        let url = url.clone();
        async move {
            match client.post(&url).body(poll().to_xml()).send().await {
                Ok(r) => Ok(r.status().as_u16()),
                Err(e) => Err(e.to_string()),
            }
        }
    };
    assert_eq!(push_as("vtn-rsa").await, Ok(200), "the pinned VTN pushes");
    let impostor = push_as("ven-ec").await;
    assert!(impostor.is_err(), "a VEN certificate pushes: {impostor:?}");
    assert_eq!(received.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert!(
        ven::tls::push_server_config(&ours, &[]).is_err(),
        "no pin, no TLS listener"
    );
    listener.handle.stop(false).await;
}

/// With `stack = "openssl"` the push listener speaks the 2.0b profile as a
/// server: a certified VTN limited to one mandated suite gets that suite
/// (RSA certificate: `AES128-SHA256`; EC: `ECDHE-ECDSA-AES128-SHA256`, which
/// rustls cannot serve). Refused, with nothing reaching the agent: a VEN's
/// valid certificate (not pinned), a pinned certificate from a rogue CA (the
/// chain still matters), and no certificate at all.
#[tokio::test]
async fn openssl_push_listener_serves_a_strict_2_0b_vtn_and_keeps_the_pin() {
    for (ours, vtn, impostor, suite) in [
        ("ven-rsa", "vtn-rsa", "ven-ec", "AES128-SHA256"),
        ("ven-ec", "vtn-ec", "ven-rsa", "ECDHE-ECDSA-AES128-SHA256"),
    ] {
        let fps = [
            oadr_test_pki::leaf_fingerprint(Path::new(&p(&format!("{vtn}.crt")))),
            oadr_test_pki::leaf_fingerprint(Path::new(&p("ven-rogue.crt"))),
        ];
        let cfg = TlsConfig {
            cert: p(&format!("{ours}.crt")),
            key: p(&format!("{ours}.key")),
            ca: p("ca.crt"),
            stack: TlsStack::Openssl,
        };
        let (listener, rx) =
            ven::transport::start_push_listener("127.0.0.1:0", Some((&cfg, &fps[..]))).unwrap();
        let received = answer_pushes(rx);
        let (status, cipher) = strict_push(listener.addr, Some(vtn), suite)
            .await
            .unwrap_or_else(|e| panic!("{ours}: the pinned VTN's push failed: {e}"));
        assert_eq!((status, cipher.as_str()), (200, suite), "{ours}");
        for who in [Some(impostor), Some("ven-rogue"), None] {
            let refused = strict_push(listener.addr, who, suite).await;
            assert!(refused.is_err(), "{ours}: {who:?} pushes: {refused:?}");
        }
        assert_eq!(
            received.load(std::sync::atomic::Ordering::SeqCst),
            1,
            "{ours}"
        );
        listener.handle.stop(false).await;
    }
    let cfg = TlsConfig {
        cert: p("ven-rsa.crt"),
        key: p("ven-rsa.key"),
        ca: p("ca.crt"),
        stack: TlsStack::Openssl,
    };
    assert!(
        ven::tls::push_openssl_acceptor(&cfg, &[]).is_err(),
        "no pin, no TLS listener"
    );
}

/// One push as a strict 2.0b VTN: TLS 1.2 offering only `suite`, client
/// certificate `who` (none: `None`). The HTTP status and the negotiated suite.
async fn strict_push(
    addr: SocketAddr,
    who: Option<&str>,
    suite: &str,
) -> Result<(u16, String), String> {
    let mut b = openssl::ssl::SslConnector::builder(SslMethod::tls_client()).unwrap();
    b.set_max_proto_version(Some(SslVersion::TLS1_2)).unwrap();
    b.set_cipher_list(suite).unwrap();
    b.set_ca_file(p("ca.crt")).unwrap();
    if let Some(who) = who {
        b.set_certificate_chain_file(p(&format!("{who}.crt")))
            .unwrap();
        b.set_private_key_file(p(&format!("{who}.key")), SslFiletype::PEM)
            .unwrap();
    }
    // The chain is checked; the name is not what this test is about.
    let ssl = b
        .build()
        .configure()
        .unwrap()
        .verify_hostname(false)
        .into_ssl("localhost")
        .unwrap();
    let tcp = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| e.to_string())?;
    let mut tls = SslStream::new(ssl, tcp).map_err(|e| e.to_string())?;
    Pin::new(&mut tls)
        .connect()
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    let cipher = tls
        .ssl()
        .current_cipher()
        .map(|c| c.name())
        .unwrap_or("?")
        .to_owned();
    let body = poll().to_xml();
    let head = format!(
        "POST /OpenADR2/Simple/2.0b/EiEvent HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    tls.write_all(head.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    tls.write_all(body.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    tls.read_to_end(&mut answer)
        .await
        .map_err(|e| format!("read: {e}"))?;
    let answer = String::from_utf8_lossy(&answer);
    let status = answer
        .strip_prefix("HTTP/1.1 ")
        .and_then(|s| s.get(..3))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no HTTP status in {answer:?}"))?;
    Ok((status, cipher))
}

/// The agent's side of a push listener: answer each push with an
/// oadrResponse and count them.
fn answer_pushes(
    mut rx: mpsc::Receiver<ven::transport::PushRequest>,
) -> std::sync::Arc<std::sync::atomic::AtomicUsize> {
    let received = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = received.clone();
    tokio::spawn(async move {
        while let Some(req) = rx.recv().await {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let _ = req.reply.send(Some(Message::Response(Response {
                response: EiResponse::ok(RequestId::new("").unwrap()),
                ven_id: None,
            })));
        }
    });
    received
}
