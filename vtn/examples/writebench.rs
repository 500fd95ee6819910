//! Write-path load generator for `bench/vtn_write.sh` (loopback only, every phase bounded).
//!
//! writebench fanout ADDR IDS C vtn|openleadr
//!     create one event for every VEN in IDS, then poll every VEN exactly once over C
//!     keep-alive connections and count the VENs whose poll answer is an
//!     oadrDistributeEvent carrying that eventID. Ours: `POST /api/v1/events`
//!     {"all_vens": true}, bearer token from `VTN_ADMIN_TOKEN`; openleadr:
//!     `POST /bench/add_event` (bench/openleadr_write.py: `server.add_event` per VEN).
//! writebench opts ADDR IDS C SECS W
//!     C connections send oadrCreateOpt (x-schedule, W availability windows, a fresh
//!     optID each) round robin over IDS for SECS; counts oadrCreatedOpt answers with 200,
//!     then checks one VEN's stored opts through `GET /api/v1/opts?ven=`.
//! writebench reports ADDR IDS C SECS K vtn|openleadr
//!     every VEN registers a METADATA_TELEMETRY_USAGE report and keeps the
//!     reportRequestID of the oadrRegisteredReport; then C connections send
//!     oadrUpdateReport with K intervals (fresh dtstarts, one reading each) for SECS;
//!     counts readings in oadrUpdatedReport answers with 200, then checks what was
//!     stored (ours: `GET /api/v1/readings?ven=` for one VEN; openleadr: `GET /bench/count`).
//!
//! Each prints one JSON line. Rates are over the time until the last answer came
//! back (requests in flight at SECS are finished and counted).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use adr_schema::*;
use chrono::TimeZone;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

/// No single phase may run longer than this.
const PHASE_LIMIT: StdDuration = StdDuration::from_secs(900);

fn request(addr: &str, method: &str, path: &str, ctype: &str, extra: &str, body: &str) -> Vec<u8> {
    format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {ctype}\r\n{extra}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn oadr(addr: &str, service: &str, body: &str) -> Vec<u8> {
    request(
        addr,
        "POST",
        &format!("/OpenADR2/Simple/2.0b/{service}"),
        "application/xml",
        "",
        body,
    )
}

/// Send one request and read one response (Content-Length framing): (status, body).
async fn roundtrip(
    s: &mut TcpStream,
    req: &[u8],
    buf: &mut Vec<u8>,
) -> std::io::Result<(u16, Vec<u8>)> {
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
            let status: u16 = head
                .split_whitespace()
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
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
            return Ok((status, buf[h + 4..h + 4 + len].to_vec()));
        }
    }
}

/// One request on a fresh connection (admin calls).
async fn once(addr: &str, req: &[u8]) -> anyhow::Result<(u16, Vec<u8>)> {
    let mut s = TcpStream::connect(addr).await?;
    let mut buf = Vec::new();
    Ok(timeout(PHASE_LIMIT, roundtrip(&mut s, req, &mut buf)).await??)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// An OpenADR answer whose eiResponse carries code 200 (any namespace prefix).
fn ok_200(body: &[u8]) -> bool {
    contains(body, b"responseCode>200</")
}

fn read_ids(path: &str) -> anyhow::Result<Vec<String>> {
    Ok(std::fs::read_to_string(path)?
        .lines()
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect())
}

fn admin_token() -> String {
    std::env::var("VTN_ADMIN_TOKEN").unwrap_or_default()
}

fn pct(sorted: &[u32], p: f64) -> f64 {
    sorted
        .get(((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1)))
        .copied()
        .unwrap_or(0) as f64
        / 1000.0
}

/// Builds request i.
type Make = Arc<dyn Fn(usize) -> Vec<u8> + Send + Sync>;
/// Judges answer i: how many units it stored (0: refused).
type Judge = Arc<dyn Fn(usize, u16, &[u8]) -> usize + Send + Sync>;

enum Limit {
    /// Requests 0..n, each once.
    Each(usize),
    /// Requests 0.. until the time is up.
    For(StdDuration),
}

struct Stats {
    accepted: usize,
    units: usize,
    refused: usize,
    errors: usize,
    lat: Vec<u32>,
    secs: f64,
    sample: Option<String>,
}

async fn drive(
    addr: &str,
    conns: usize,
    limit: Limit,
    make: Make,
    judge: Judge,
) -> anyhow::Result<Stats> {
    let stop = Arc::new(AtomicBool::new(false));
    let next = Arc::new(AtomicUsize::new(0));
    let units = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(AtomicUsize::new(0));
    let sample = Arc::new(std::sync::Mutex::new(None::<String>));
    let each = match limit {
        Limit::Each(n) => Some(n),
        Limit::For(_) => None,
    };
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..conns.max(1) {
        let (addr, stop, next, units, refused, errors, sample, make, judge) = (
            addr.to_string(),
            stop.clone(),
            next.clone(),
            units.clone(),
            refused.clone(),
            errors.clone(),
            sample.clone(),
            make.clone(),
            judge.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(1 << 12);
            let mut s = match TcpStream::connect(&addr).await {
                Ok(s) => s,
                Err(_) => {
                    errors.fetch_add(1, Ordering::Relaxed);
                    return lat;
                }
            };
            let _ = s.set_nodelay(true);
            let mut buf = Vec::with_capacity(8192);
            while !stop.load(Ordering::Relaxed) {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if each.is_some_and(|n| i >= n) {
                    break;
                }
                let req = make(i);
                let t = Instant::now();
                match roundtrip(&mut s, &req, &mut buf).await {
                    Ok((status, body)) => match judge(i, status, &body) {
                        0 => {
                            refused.fetch_add(1, Ordering::Relaxed);
                            sample.lock().unwrap().get_or_insert_with(|| {
                                let b = String::from_utf8_lossy(&body);
                                format!(
                                    "HTTP {status}: {}",
                                    b.chars().take(800).collect::<String>()
                                )
                            });
                        }
                        u => {
                            units.fetch_add(u, Ordering::Relaxed);
                            lat.push(t.elapsed().as_micros() as u32);
                        }
                    },
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
    if let Limit::For(d) = limit {
        tokio::time::sleep(d).await;
        stop.store(true, Ordering::Relaxed);
    }
    let mut lat = Vec::new();
    let deadline = Instant::now() + PHASE_LIMIT;
    for t in tasks {
        let left = deadline.saturating_duration_since(Instant::now());
        match timeout(left, t).await {
            Ok(r) => lat.extend(r?),
            Err(_) => {
                stop.store(true, Ordering::Relaxed);
                anyhow::bail!("phase exceeded {} s", PHASE_LIMIT.as_secs());
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    lat.sort_unstable();
    let sample = sample.lock().unwrap().take();
    Ok(Stats {
        accepted: lat.len(),
        units: units.load(Ordering::Relaxed),
        refused: refused.load(Ordering::Relaxed),
        errors: errors.load(Ordering::Relaxed),
        lat,
        secs,
        sample,
    })
}

fn ven_id(s: &str) -> anyhow::Result<VenId> {
    Ok(VenId::new(s)?)
}

// ---------------------------------------------------------------- fan-out

async fn fanout(addr: String, ids: String, conns: usize, kind: String) -> anyhow::Result<()> {
    let ids = Arc::new(read_ids(&ids)?);
    let n = ids.len();
    let create = match kind.as_str() {
        "vtn" => request(
            &addr,
            "POST",
            "/api/v1/events",
            "application/json",
            &format!("Authorization: Bearer {}\r\n", admin_token()),
            &json!({"all_vens": true, "level": 1, "duration": "PT1H", "start": "now"}).to_string(),
        ),
        "openleadr" => request(
            &addr,
            "POST",
            "/bench/add_event",
            "application/json",
            "",
            "{}",
        ),
        k => anyhow::bail!("unknown server kind {k} (vtn|openleadr)"),
    };
    let t0 = Instant::now();
    let (status, body) = once(&addr, &create).await?;
    let create_s = t0.elapsed().as_secs_f64();
    anyhow::ensure!(
        status == 200 || status == 201,
        "event creation answered {status}: {}",
        String::from_utf8_lossy(&body)
    );
    let v: Value = serde_json::from_slice(&body)?;
    let event_id = v["event_id"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("no event_id in {v}"))?
        .to_string();
    let make: Make = {
        let (ids, addr) = (ids.clone(), addr.clone());
        Arc::new(move |i| {
            oadr(
                &addr,
                "OadrPoll",
                &Message::Poll(Poll {
                    ven_id: VenId::new(ids[i].as_str()).expect("venID"),
                })
                .to_xml(),
            )
        })
    };
    let needle = event_id.clone().into_bytes();
    let judge: Judge = Arc::new(move |_, status, body| {
        usize::from(
            status == 200 && contains(body, b"oadrDistributeEvent") && contains(body, &needle),
        )
    });
    let st = drive(&addr, conns, Limit::Each(n), make, judge).await?;
    println!(
        "{}",
        json!({
            "server": kind, "vens": n, "event_id": event_id, "connections": conns,
            "create_s": create_s, "round_s": st.secs, "total_s": create_s + st.secs,
            "received": st.units, "not_received": n - st.units, "errors": st.errors,
            "polls_per_s": n as f64 / st.secs, "p50_ms": pct(&st.lat, 0.5), "p99_ms": pct(&st.lat, 0.99),
            "first_miss": st.sample,
        })
    );
    Ok(())
}

// ---------------------------------------------------------------- opts

async fn opts(
    addr: String,
    ids: String,
    conns: usize,
    secs: u64,
    windows: usize,
) -> anyhow::Result<()> {
    let ids = Arc::new(read_ids(&ids)?);
    let n = ids.len();
    anyhow::ensure!(n > 0, "no VENs");
    let now = chrono::Utc::now();
    let base = chrono::Utc
        .timestamp_opt(now.timestamp() - now.timestamp() % 3600 + 86_400, 0)
        .unwrap();
    let template = Message::CreateOpt(CreateOpt {
        opt_id: OptId::new("XOPTX")?,
        opt_type: OptType::OptOut,
        opt_reason: OptReason::Schedule,
        market_context: None,
        ven_id: ven_id("XVENX")?,
        vavailability: Some(
            (0..windows)
                .map(|j| {
                    Properties::new(
                        base + chrono::Duration::hours(2 * j as i64),
                        Duration::minutes(60),
                    )
                })
                .collect(),
        ),
        created_date_time: now,
        request_id: RequestId::new("XREQX")?,
        qualified_event_id: None,
        target: EiTarget::ven(ven_id("XVENX")?),
        device_class: None,
    })
    .to_xml();
    anyhow::ensure!(
        template.contains("XOPTX") && template.contains("XVENX") && template.contains("XREQX"),
        "placeholders lost in {template}"
    );
    let make: Make = {
        let (ids, addr) = (ids.clone(), addr.clone());
        Arc::new(move |i| {
            let body = template
                .replace("XVENX", &ids[i % n])
                .replace("XOPTX", &format!("bench-opt-{i}"))
                .replace("XREQX", &format!("q{i}"));
            oadr(&addr, "EiOpt", &body)
        })
    };
    let first = Arc::new(AtomicUsize::new(0));
    let judge: Judge = {
        let first = first.clone();
        Arc::new(move |i, status, body| {
            let ok = status == 200 && contains(body, b"oadrCreatedOpt") && ok_200(body);
            if ok && i % n == 0 {
                first.fetch_add(1, Ordering::Relaxed);
            }
            usize::from(ok)
        })
    };
    let st = drive(
        &addr,
        conns,
        Limit::For(StdDuration::from_secs(secs)),
        make,
        judge,
    )
    .await?;
    // What the VTN says it stored for the first VEN.
    let (status, body) = once(
        &addr,
        &request(
            &addr,
            "GET",
            &format!("/api/v1/opts?ven={}", ids[0]),
            "application/json",
            &format!("Authorization: Bearer {}\r\n", admin_token()),
            "",
        ),
    )
    .await?;
    let listed = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.as_array().map(|a| a.len()));
    let first = first.load(Ordering::Relaxed);
    println!(
        "{}",
        json!({
            "server": "vtn", "vens": n, "windows_per_opt": windows, "connections": conns,
            "opts_ok": st.units, "seconds": st.secs, "opts_per_s": st.units as f64 / st.secs,
            "refused": st.refused, "errors": st.errors, "p50_ms": pct(&st.lat, 0.5), "p99_ms": pct(&st.lat, 0.99),
            "first_refusal": st.sample,
            "verify_one_ven": {"ven": ids[0], "answered_200": first, "api_status": status, "api_listed": listed,
                               "match": listed == Some(first)},
        })
    );
    Ok(())
}

// ---------------------------------------------------------------- reports

const SPEC: &str = "bench-usage";
const RID: &str = "usage-1";

fn metadata(ven: &str) -> anyhow::Result<String> {
    Ok(Message::RegisterReport(RegisterReport {
        request_id: RequestId::new("bench-reg-report")?,
        reports: vec![OadrReport {
            dtstart: None,
            duration: Some(Duration::minutes(60)),
            intervals: vec![],
            report_id: None,
            descriptions: vec![ReportDescription {
                rid: Rid::new(RID)?,
                report_subject: None,
                report_data_source: Some(EiTarget {
                    resource_ids: vec!["meter-1".into()],
                    ..Default::default()
                }),
                report_type: ReportType::Usage,
                item_base: None,
                reading_type: ReadingType::DirectRead,
                market_context: None,
                sampling_rate: Some(SamplingRate {
                    min_period: Duration::from_secs(10),
                    max_period: Duration::minutes(60),
                    on_change: false,
                }),
            }],
            report_request_id: ReportRequestId::new("0")?,
            report_specifier_id: ReportSpecifierId::new(SPEC)?,
            report_name: Some(ReportName::MetadataTelemetryUsage),
            created_date_time: chrono::Utc::now(),
        }],
        ven_id: Some(ven_id(ven)?),
        report_request_id: Some(ReportRequestId::new("0")?),
    })
    .to_xml())
}

fn update(ven: &str, rrid: &str, req: usize, first: Timestamp, k: usize) -> anyhow::Result<String> {
    Ok(Message::UpdateReport(UpdateReport {
        request_id: RequestId::new(format!("u{req}"))?,
        reports: vec![OadrReport {
            dtstart: Some(first),
            duration: Some(Duration::minutes(k as u32)),
            intervals: (0..k)
                .map(|j| Interval {
                    dtstart: Some(first + chrono::Duration::minutes(j as i64)),
                    duration: Some(Duration::minutes(1)),
                    uid: None,
                    payloads: vec![StreamPayload::Report(ReportPayload {
                        rid: Rid::new(RID).expect("rid"),
                        confidence: Some(100),
                        accuracy: None,
                        payload: PayloadBase::Float(230.0 + (req % 100) as f64 / 10.0 + j as f64),
                        data_quality: None,
                    })],
                })
                .collect(),
            report_id: None,
            descriptions: vec![],
            report_request_id: ReportRequestId::new(rrid)?,
            report_specifier_id: ReportSpecifierId::new(SPEC)?,
            report_name: Some(ReportName::TelemetryUsage),
            created_date_time: chrono::Utc::now(),
        }],
        ven_id: Some(ven_id(ven)?),
    })
    .to_xml())
}

fn rrid_of(body: &[u8]) -> Option<String> {
    if let Ok(Message::RegisteredReport(r)) = Message::from_slice(body) {
        return r
            .report_requests
            .first()
            .map(|q| q.report_request_id.to_string());
    }
    None
}

async fn reports(
    addr: String,
    ids: String,
    conns: usize,
    secs: u64,
    k: usize,
    kind: String,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        kind == "vtn" || kind == "openleadr",
        "unknown server kind {kind}"
    );
    anyhow::ensure!(k > 0, "K must be at least 1");
    let ids = Arc::new(read_ids(&ids)?);
    let n = ids.len();
    anyhow::ensure!(n > 0, "no VENs");
    // 1. Every VEN registers its METADATA report; keep the reportRequestIDs.
    let rrids = Arc::new(std::sync::Mutex::new(vec![None::<String>; n]));
    let make: Make = {
        let (ids, addr) = (ids.clone(), addr.clone());
        Arc::new(move |i| oadr(&addr, "EiReport", &metadata(&ids[i]).expect("metadata")))
    };
    let judge: Judge = {
        let rrids = rrids.clone();
        Arc::new(move |i, status, body| match (status, rrid_of(body)) {
            (200, Some(r)) => {
                rrids.lock().unwrap()[i] = Some(r);
                1
            }
            _ => 0,
        })
    };
    let reg = drive(&addr, conns, Limit::Each(n), make, judge).await?;
    anyhow::ensure!(
        reg.units == n,
        "only {} of {n} VENs got a reportRequestID ({} errors); first refusal: {:?}",
        reg.units,
        reg.errors,
        reg.sample
    );
    let rrids: Arc<Vec<String>> = Arc::new(
        rrids
            .lock()
            .unwrap()
            .iter()
            .map(|r| r.clone().unwrap_or_default())
            .collect(),
    );
    // 2. Updates for SECS: message i is VEN i % n's (i / n)-th, K fresh minutes each.
    let base = chrono::Utc
        .timestamp_opt((chrono::Utc::now().timestamp() / 60) * 60 - 30 * 86_400, 0)
        .unwrap();
    let make: Make = {
        let (ids, addr, rrids) = (ids.clone(), addr.clone(), rrids.clone());
        Arc::new(move |i| {
            let (v, seq) = (i % n, i / n);
            let first = base + chrono::Duration::minutes((seq * k) as i64);
            oadr(
                &addr,
                "EiReport",
                &update(&ids[v], &rrids[v], i, first, k).expect("update"),
            )
        })
    };
    let first = Arc::new(AtomicUsize::new(0));
    let judge: Judge = {
        let first = first.clone();
        Arc::new(move |i, status, body| {
            let ok = status == 200 && contains(body, b"oadrUpdatedReport") && ok_200(body);
            if ok && i % n == 0 {
                first.fetch_add(k, Ordering::Relaxed);
            }
            if ok {
                k
            } else {
                0
            }
        })
    };
    let st = drive(
        &addr,
        conns,
        Limit::For(StdDuration::from_secs(secs)),
        make,
        judge,
    )
    .await?;
    let first = first.load(Ordering::Relaxed);
    // 3. What the server says it stored.
    let verify = if kind == "vtn" {
        let (status, body) = once(
            &addr,
            &request(
                &addr,
                "GET",
                &format!("/api/v1/readings?ven={}&limit=100000", ids[0]),
                "application/json",
                &format!("Authorization: Bearer {}\r\n", admin_token()),
                "",
            ),
        )
        .await?;
        let listed = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| v.as_array().map(|a| a.len()));
        json!({"ven": ids[0], "answered_200_readings": first, "api_status": status,
               "api_listed": listed, "match": listed == Some(first)})
    } else {
        let (status, body) = once(
            &addr,
            &request(&addr, "GET", "/bench/count", "application/json", "", ""),
        )
        .await?;
        let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let held = v["readings"].as_u64().map(|x| x as usize);
        json!({"status": status, "held_in_memory": held, "answered_200_readings": st.units,
               "match": held == Some(st.units)})
    };
    println!(
        "{}",
        json!({
            "server": kind, "vens": n, "intervals_per_update": k, "connections": conns,
            "register_s": reg.secs, "updates_ok": st.accepted, "readings": st.units, "seconds": st.secs,
            "readings_per_s": st.units as f64 / st.secs, "updates_per_s": st.accepted as f64 / st.secs,
            "refused": st.refused, "errors": st.errors, "p50_ms": pct(&st.lat, 0.5), "p99_ms": pct(&st.lat, 0.99),
            "first_refusal": st.sample, "verify": verify,
        })
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| {
        a.get(i)
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("missing argument {i}; see the source header"))
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    match a.first().map(String::as_str) {
        Some("fanout") => rt.block_on(fanout(arg(1)?, arg(2)?, arg(3)?.parse()?, arg(4)?)),
        Some("opts") => rt.block_on(opts(
            arg(1)?,
            arg(2)?,
            arg(3)?.parse()?,
            arg(4)?.parse()?,
            arg(5)?.parse()?,
        )),
        Some("reports") => rt.block_on(reports(
            arg(1)?,
            arg(2)?,
            arg(3)?.parse()?,
            arg(4)?.parse()?,
            arg(5)?.parse()?,
            arg(6)?,
        )),
        _ => anyhow::bail!("usage: see the header of vtn/examples/writebench.rs"),
    }
}
