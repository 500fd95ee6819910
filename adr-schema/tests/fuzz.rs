//! A bounded, stable-Rust fuzzer for `Message::from_slice`.
//!
//! cargo-fuzz needs nightly, so this is a mutation fuzzer that runs in the
//! ordinary test suite: it mutates valid documents (every message type, from
//! the property-test strategies, plus `fuzz/corpus/`) with byte flips,
//! structural splices, truncations and tag/entity insertions, and asserts the
//! reader never panics. Bounded by FUZZ_ITERS (default 20,000) and
//! FUZZ_SECONDS (default 20). A failing input is written to
//! `target/fuzz-crashes/` and can be added to `fuzz/corpus/` as a regression.

mod support;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use adr_schema::Message;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const TOKENS: &[&[u8]] = &[
    b"<",
    b">",
    b"</",
    b"/>",
    b"&",
    b"&amp;",
    b"&#0;",
    b"&#x110000;",
    b"&lt",
    b"<![CDATA[",
    b"]]>",
    b"<!--",
    b"-->",
    b"<!DOCTYPE a>",
    b"<?xml version=\"1.0\"?>",
    b"xmlns:ei=\"\"",
    b"xmlns=\"urn:x\"",
    b"ei:",
    b"oadr:",
    b"<ei:venID>",
    b"</ei:venID>",
    b"<oadr:oadrSignedObject>",
    b"\"",
    b"'",
    b"\0",
    b"\xff",
    b"\xc3",
    b"P",
    b"T",
    b"-",
    b"9999999999999999999",
    b"NaN",
    b"INF",
    b"1e999",
    b"2026-02-30T25:61:61Z",
    b" ",
    b"\n",
];

fn mutate(rng: &mut XorShift, seeds: &[Vec<u8>], input: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = v.len();
        match rng.below(8) {
            0 if len > 0 => {
                let i = rng.below(len);
                v[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                v[i] = rng.next() as u8;
            }
            2 => {
                let i = rng.below(len + 1);
                let t = TOKENS[rng.below(TOKENS.len())];
                v.splice(i..i, t.iter().copied());
            }
            3 if len > 0 => {
                let a = rng.below(len);
                let b = (a + rng.below(64)).min(len);
                v.drain(a..b);
            }
            4 if len > 0 => {
                let a = rng.below(len);
                let b = (a + rng.below(256)).min(len);
                let chunk = v[a..b].to_vec();
                let i = rng.below(len + 1);
                v.splice(i..i, chunk);
            }
            5 => {
                let other = &seeds[rng.below(seeds.len())];
                if !other.is_empty() {
                    let a = rng.below(other.len());
                    let b = (a + rng.below(512)).min(other.len());
                    let i = rng.below(len + 1);
                    v.splice(i..i, other[a..b].iter().copied());
                }
            }
            6 => v.truncate(rng.below(len + 1)),
            _ => {
                // Swap two element names (keeps well-formedness often, breaks the schema).
                if let (Some(a), Some(b)) = (find_tag(rng, &v), find_tag(rng, &v)) {
                    let (x, y) = (v[a.clone()].to_vec(), v[b.clone()].to_vec());
                    if a.end <= b.start {
                        v.splice(b, x);
                        v.splice(a, y);
                    }
                }
            }
        }
    }
    v
}

fn find_tag(rng: &mut XorShift, v: &[u8]) -> Option<std::ops::Range<usize>> {
    let start = rng.below(v.len());
    let lt = v[start..].iter().position(|&b| b == b'<')? + start + 1;
    let end = v[lt..]
        .iter()
        .position(|&b| b == b'>' || b == b' ' || b == b'/')?
        + lt;
    (end > lt).then_some(lt..end)
}

fn seeds() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut runner = TestRunner::deterministic();
    let strat = support::arb::message();
    for _ in 0..200 {
        out.push(
            strat
                .new_tree(&mut runner)
                .unwrap()
                .current()
                .to_xml()
                .into_bytes(),
        );
    }
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/corpus");
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            out.push(std::fs::read(e.path()).unwrap());
        }
    }
    out
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn reader_never_panics_on_mutated_documents() {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(|| {
            let seeds = seeds();
            // Every seed itself must parse (the generator and corpus are valid).
            for s in &seeds {
                Message::from_slice(s).unwrap_or_else(|e| panic!("seed does not parse: {e}"));
            }
            let iters = env_num("FUZZ_ITERS", 20_000);
            let budget = Duration::from_secs(env_num("FUZZ_SECONDS", 20));
            let mut rng = XorShift(env_num("FUZZ_SEED", 0x5eed_0ad2) | 1);
            let start = Instant::now();
            let (mut ran, mut accepted) = (0u64, 0u64);
            while ran < iters && start.elapsed() < budget {
                let base = &seeds[rng.below(seeds.len())];
                let input = mutate(&mut rng, &seeds, base);
                let res = catch_unwind(AssertUnwindSafe(|| Message::from_slice(&input)));
                match res {
                    Ok(Ok(m)) => {
                        accepted += 1;
                        // Whatever we accept, we must be able to write and read back.
                        let again = Message::from_xml(&m.to_xml());
                        assert_eq!(again.as_ref(), Ok(&m), "accepted input does not round-trip");
                    }
                    Ok(Err(e)) => {
                        // Errors carry a usable position.
                        assert!(e.position.line >= 1 || e.position == Default::default());
                    }
                    Err(_) => {
                        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/fuzz-crashes");
                        let _ = std::fs::create_dir_all(dir);
                        let path = format!("{dir}/crash-{ran}.xml");
                        let _ = std::fs::write(&path, &input);
                        panic!("from_slice panicked; input saved to {path}");
                    }
                }
                ran += 1;
            }
            eprintln!(
                "fuzz: {ran} inputs in {:?}, {accepted} accepted",
                start.elapsed()
            );
            assert!(ran >= 1000.min(iters), "fuzzer ran only {ran} inputs");
        })
        .unwrap()
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e));
}
