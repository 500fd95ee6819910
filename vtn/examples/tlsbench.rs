//! Keep-alive polls over mutual TLS, for `bench/vtn_tls.sh` (loopback only, bounded).
//!
//! tlsbench polls URL CA CERT KEY VEN_ID CONNS SECS
//!     CONNS HTTP/1.1 keep-alive connections (reqwest + rustls, client certificate)
//!     post oadrPoll for VEN_ID for SECS seconds; prints {"rps":..,"ok":..,"errors":..}.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() -> anyhow::Result<()> {
    let a: Vec<String> = std::env::args().skip(1).collect();
    if a.len() != 8 || a[0] != "polls" {
        anyhow::bail!("usage: tlsbench polls URL CA CERT KEY VEN_ID CONNS SECS");
    }
    let (url, ca, cert, key, ven) = (&a[1], &a[2], &a[3], &a[4], &a[5]);
    let conns: usize = a[6].parse()?;
    let secs: f64 = a[7].parse()?;
    let secs = secs.min(120.0);
    let mut pem = std::fs::read(cert)?;
    pem.push(b'\n');
    pem.extend(std::fs::read(key)?);
    let mut b = reqwest::Client::builder()
        .identity(reqwest::Identity::from_pem(&pem)?)
        .pool_max_idle_per_host(conns)
        .timeout(Duration::from_secs(10));
    for c in reqwest::Certificate::from_pem_bundle(&std::fs::read(ca)?)? {
        b = b.add_root_certificate(c);
    }
    let client = b.build()?;
    let body = adr_schema::Message::Poll(adr_schema::Poll {
        ven_id: adr_schema::VenId::new(ven.as_str())?,
    })
    .to_xml();
    let stop = Arc::new(AtomicBool::new(false));
    let ok = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    let start = Instant::now();
    for _ in 0..conns {
        let (client, url, body) = (client.clone(), url.clone(), body.clone());
        let (stop, ok, errors) = (stop.clone(), ok.clone(), errors.clone());
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let r = client
                    .post(&url)
                    .header("Content-Type", "application/xml")
                    .body(body.clone())
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status().is_success() => match r.bytes().await {
                        Ok(b) if b.windows(15).any(|w| w == b"responseCode>20") => {
                            ok.fetch_add(1, Ordering::Relaxed);
                        }
                        _ => {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    },
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs_f64(secs)).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    let el = start.elapsed().as_secs_f64();
    let n = ok.load(Ordering::Relaxed);
    println!(
        "{{\"rps\":{:.1},\"ok\":{},\"errors\":{},\"conns\":{},\"secs\":{:.1}}}",
        n as f64 / el,
        n,
        errors.load(Ordering::Relaxed),
        conns,
        el
    );
    Ok(())
}
