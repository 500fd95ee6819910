//! Sign or verify an oadrPayload from the shell (interop and benchmark scripts).
//!
//! ```text
//! oadr-sig sign KEY.pem CERT.pem < payload.xml > signed.xml
//! oadr-sig verify [FINGERPRINT] < signed.xml      # prints "OK <fingerprint> <timestamp> <nonce>"
//! oadr-sig bench KEY.pem CERT.pem SECONDS < payload.xml   # signs (and verifies) repeatedly
//! ```
use std::io::Read;
use std::time::Instant;

use adr_xmlsig::{Signer, Verifier};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut input = Vec::new();
    std::io::stdin().read_to_end(&mut input).expect("stdin");
    let read = |p: &str| std::fs::read(p).unwrap_or_else(|e| panic!("{p}: {e}"));
    match args.first().map(String::as_str) {
        Some("sign") => {
            let s = Signer::from_pem(&read(&args[1]), &read(&args[2])).expect("key");
            let out = s
                .sign(&String::from_utf8_lossy(&input), chrono::Utc::now())
                .expect("sign");
            print!("{out}");
        }
        Some("verify") => {
            let v = Verifier::new(chrono::Duration::minutes(5));
            match v.verify(&input, args.get(1).map(String::as_str), chrono::Utc::now()) {
                Ok(x) => println!("OK {} {} {}", x.fingerprint, x.timestamp, x.nonce),
                Err(e) => {
                    println!("REFUSED {e}");
                    std::process::exit(1);
                }
            }
        }
        Some("bench") => {
            let s = Signer::from_pem(&read(&args[1]), &read(&args[2])).expect("key");
            let secs: f64 = args[3].parse().expect("seconds");
            let text = String::from_utf8_lossy(&input).into_owned();
            let v = Verifier::new(chrono::Duration::minutes(5));
            let t = Instant::now();
            let mut n = 0u64;
            while t.elapsed().as_secs_f64() < secs {
                s.sign(&text, chrono::Utc::now()).expect("sign");
                n += 1;
            }
            let sign_rate = n as f64 / t.elapsed().as_secs_f64();
            let signed: Vec<String> = (0..200)
                .map(|_| s.sign(&text, chrono::Utc::now()).expect("sign"))
                .collect();
            let t = Instant::now();
            let mut m = 0u64;
            'outer: while t.elapsed().as_secs_f64() < secs {
                for x in &signed {
                    // Fresh verifier per pass: the nonces would otherwise be replays.
                    let _ = x;
                }
                let v2 = Verifier::new(chrono::Duration::minutes(5));
                for x in &signed {
                    v2.verify(x.as_bytes(), None, chrono::Utc::now())
                        .expect("verify");
                    m += 1;
                    if t.elapsed().as_secs_f64() >= secs {
                        break 'outer;
                    }
                }
            }
            let _ = v;
            println!(
                "{:?}: sign {:.0}/s, verify {:.0}/s (one core)",
                s.algorithm(),
                sign_rate,
                m as f64 / t.elapsed().as_secs_f64()
            );
        }
        _ => {
            eprintln!("usage: oadr-sig sign KEY CERT | verify [FP] | bench KEY CERT SECONDS  (payload on stdin)");
            std::process::exit(2);
        }
    }
}
