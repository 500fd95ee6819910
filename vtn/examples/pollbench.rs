//! Poll load generator for `bench/vtn_poll.sh` (loopback only, bounded duration).
//!
//! pollbench register ADDR N OUT      register N VENs over HTTP, write their venIDs to OUT
//! pollbench seed DB N OUT            insert N registered VENs straight into a VTN database (memory test)
//! pollbench load ADDR PATH IDS|- C SECS   C keep-alive connections post oadrPoll (venIDs from IDS,
//!                                    round robin; "-" posts a fixed poll) for SECS; prints JSON
//! pollbench ceiling ADDR            an actix-web server answering every POST with a fixed oadrResponse

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn poll_xml(ven: &str) -> String {
    adr_schema::Message::Poll(adr_schema::Poll {
        ven_id: adr_schema::VenId::new(ven).unwrap(),
    })
    .to_xml()
}

fn request(addr: &str, path: &str, body: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Send one request and read one response (Content-Length framing); returns the body.
async fn roundtrip(s: &mut TcpStream, req: &[u8], buf: &mut Vec<u8>) -> std::io::Result<Vec<u8>> {
    s.write_all(req).await?;
    buf.clear();
    let mut tmp = [0u8; 16384];
    loop {
        let n = s.read(&mut tmp).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&tmp[..n]);
        if let Some(h) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buf[..h])
                .unwrap_or("")
                .to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while buf.len() < h + 4 + len {
                let n = s.read(&mut tmp).await?;
                if n == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                buf.extend_from_slice(&tmp[..n]);
            }
            return Ok(buf[h + 4..h + 4 + len].to_vec());
        }
    }
}

async fn register(addr: String, n: usize, out: String) -> anyhow::Result<()> {
    let next = Arc::new(AtomicUsize::new(0));
    let ids = Arc::new(std::sync::Mutex::new(Vec::with_capacity(n)));
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (addr, next, ids) = (addr.clone(), next.clone(), ids.clone());
        tasks.push(tokio::spawn(async move {
            let mut s = TcpStream::connect(&addr).await?;
            let mut buf = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return Ok::<_, anyhow::Error>(());
                }
                let m = adr_schema::Message::CreatePartyRegistration(
                    adr_schema::CreatePartyRegistration {
                        request_id: adr_schema::RequestId::new(format!("r{i}"))?,
                        registration_id: None,
                        ven_id: None,
                        profile_name: adr_schema::ProfileName::V20b,
                        transport_name: adr_schema::TransportName::SimpleHttp,
                        transport_address: None,
                        report_only: false,
                        xml_signature: false,
                        ven_name: Some(format!("bench-ven-{i}")),
                        http_pull_model: Some(true),
                    },
                );
                let body = roundtrip(
                    &mut s,
                    &request(&addr, "/OpenADR2/Simple/2.0b/EiRegisterParty", &m.to_xml()),
                    &mut buf,
                )
                .await?;
                match adr_schema::Message::from_slice(&body)? {
                    adr_schema::Message::CreatedPartyRegistration(c) if c.ven_id.is_some() => {
                        ids.lock().unwrap().push(c.ven_id.unwrap().to_string())
                    }
                    other => anyhow::bail!("registration failed: {other:?}"),
                }
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    std::fs::write(out, ids.lock().unwrap().join("\n"))?;
    Ok(())
}

fn seed(db: String, n: usize, out: String) -> anyhow::Result<()> {
    use diesel::connection::SimpleConnection;
    let pool = vtn::store::open(std::path::Path::new(&db))?;
    let mut c = pool.get()?;
    let mut ids = Vec::with_capacity(n);
    c.immediate_transaction(|c| {
        for i in 0..n {
            let id = uuid::Uuid::new_v4().to_string();
            vtn::store::insert_ven(
                c,
                &vtn::store::VenRow {
                    ven_id: id.clone(),
                    ven_name: Some(format!("seed-ven-{i}")),
                    registration_id: Some(uuid::Uuid::new_v4().to_string()),
                    profile_name: "2.0b".into(),
                    transport_name: "simpleHttp".into(),
                    transport_address: None,
                    http_pull_model: true,
                    report_only: false,
                    xml_signature: false,
                    groups_json: "[]".into(),
                    resources_json: "[]".into(),
                    party_id: None,
                    cert_fingerprint: None,
                    created_at: 0,
                    registered_at: Some(0),
                    last_contact: None,
                },
            )
            .map_err(|e| diesel::result::Error::QueryBuilderError(e.to_string().into()))?;
            ids.push(id);
        }
        Ok::<_, diesel::result::Error>(())
    })?;
    let _ = c.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);");
    std::fs::write(out, ids.join("\n"))?;
    Ok(())
}

async fn load(
    addr: String,
    path: String,
    ids: String,
    conns: usize,
    secs: u64,
) -> anyhow::Result<()> {
    let ids: Vec<String> = if ids == "-" {
        vec!["bench-fixed".into()]
    } else {
        std::fs::read_to_string(&ids)?
            .lines()
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect()
    };
    let reqs: Arc<Vec<Vec<u8>>> = Arc::new(
        ids.iter()
            .map(|v| request(&addr, &path, &poll_xml(v)))
            .collect(),
    );
    let stop = Arc::new(AtomicBool::new(false));
    let next = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let (addr, reqs, stop, next, errors) = (
            addr.clone(),
            reqs.clone(),
            stop.clone(),
            next.clone(),
            errors.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(1 << 16);
            let mut s = match TcpStream::connect(&addr).await {
                Ok(s) => s,
                Err(_) => {
                    errors.fetch_add(1, Ordering::Relaxed);
                    return lat;
                }
            };
            let _ = s.set_nodelay(true);
            let mut buf = Vec::with_capacity(4096);
            while !stop.load(Ordering::Relaxed) {
                let i = next.fetch_add(1, Ordering::Relaxed) % reqs.len();
                let t = Instant::now();
                match roundtrip(&mut s, &reqs[i], &mut buf).await {
                    Ok(body) if body.windows(3).any(|w| w == b"200") => {
                        lat.push(t.elapsed().as_micros() as u32)
                    }
                    Ok(_) => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(_) => {
                        errors.fetch_add(1, Ordering::Relaxed);
                        match TcpStream::connect(&addr).await {
                            Ok(n) => s = n,
                            Err(_) => break,
                        }
                    }
                }
            }
            lat
        }));
    }
    // Warm-up second, then measure.
    let start = Instant::now();
    tokio::time::sleep(Duration::from_secs(secs)).await;
    stop.store(true, Ordering::Relaxed);
    let elapsed = start.elapsed().as_secs_f64();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await?);
    }
    all.sort_unstable();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0) as f64
            / 1000.0
    };
    println!(
        "{}",
        serde_json::json!({
            "requests": all.len(), "errors": errors.load(Ordering::Relaxed), "seconds": elapsed,
            "rps": all.len() as f64 / elapsed, "p50_ms": pct(0.50), "p99_ms": pct(0.99),
            "connections": conns, "distinct_vens": ids.len(),
        })
    );
    Ok(())
}

async fn ceiling(addr: String) -> anyhow::Result<()> {
    use actix_web::{web, App, HttpResponse, HttpServer};
    let body = adr_schema::Message::Response(adr_schema::Response {
        response: adr_schema::EiResponse::ok(adr_schema::RequestId::new("")?),
        ven_id: Some(adr_schema::VenId::new(
            "00000000-0000-0000-0000-000000000000",
        )?),
    })
    .to_xml();
    HttpServer::new(move || {
        let body = body.clone();
        App::new().default_service(web::to(move |_b: web::Bytes| {
            let body = body.clone();
            async move {
                HttpResponse::Ok()
                    .content_type("application/xml")
                    .body(body)
            }
        }))
    })
    .bind(&addr)?
    .run()
    .await?;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| {
        a.get(i)
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("missing argument {i}; see the source header"))
    };
    match a.first().map(String::as_str) {
        Some("seed") => seed(arg(1)?, arg(2)?.parse()?, arg(3)?),
        Some("ceiling") => actix_web::rt::System::new().block_on(ceiling(arg(1)?)),
        Some(cmd) => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()?;
            match cmd {
                "register" => rt.block_on(register(arg(1)?, arg(2)?.parse()?, arg(3)?)),
                "load" => rt.block_on(load(
                    arg(1)?,
                    arg(2)?,
                    arg(3)?,
                    arg(4)?.parse()?,
                    arg(5)?.parse()?,
                )),
                _ => anyhow::bail!("unknown command {cmd}"),
            }
        }
        None => anyhow::bail!("usage: see the header of vtn/examples/pollbench.rs"),
    }
}
