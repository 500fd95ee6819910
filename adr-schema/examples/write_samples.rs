//! Write generated messages of every type to a folder, for XSD validation
//! with xmllint (tests/schema_xsd/run.sh). Same strategies as the
//! round-trip property tests, fixed seed.
//!
//! Usage: cargo run -p adr-schema --example write_samples -- OUTDIR [PER_TYPE]

#[path = "../tests/support/arb.rs"]
mod arb;

use std::collections::BTreeMap;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: write_samples OUTDIR [PER_TYPE]");
    let per_type: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(20);
    std::fs::create_dir_all(&dir).expect("create OUTDIR");
    // Strategy trees for the whole model are deep: give generation a big stack.
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || {
            let mut runner = TestRunner::deterministic();
            let strat = arb::message();
            let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
            let mut tries = 0;
            while counts.len() < 23 || counts.values().any(|&c| c < per_type) {
                tries += 1;
                assert!(tries < 200_000, "could not generate every type: {counts:?}");
                let msg = strat.new_tree(&mut runner).unwrap().current();
                let n = counts.entry(msg.name()).or_default();
                if *n >= per_type {
                    continue;
                }
                std::fs::write(format!("{dir}/{}-{:03}.xml", msg.name(), n), msg.to_xml()).unwrap();
                *n += 1;
            }
            println!(
                "wrote {} messages of {} types to {dir}",
                counts.values().sum::<usize>(),
                counts.len()
            );
        })
        .unwrap()
        .join()
        .unwrap();
}
