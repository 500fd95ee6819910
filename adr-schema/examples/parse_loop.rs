//! Parse one file N times (for profiling with callgrind or perf).
//! Usage: cargo run --release -p adr-schema --example parse_loop -- FILE [N] [scan]
//! With `scan`, only runs a bare quick-xml event scan (the baseline).
fn main() {
    let mut args = std::env::args().skip(1);
    let file = args.next().expect("usage: parse_loop FILE [N]");
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(100);
    let xml = std::fs::read_to_string(file).expect("read FILE");
    let mut events = 0;
    if args.next().as_deref() == Some("scan") {
        for _ in 0..n {
            let mut r = quick_xml::Reader::from_str(std::hint::black_box(&xml));
            while !matches!(
                r.read_event().expect("well-formed"),
                quick_xml::events::Event::Eof
            ) {
                events += 1;
            }
        }
        println!("{events}");
        return;
    }
    for _ in 0..n {
        let m = adr_schema::Message::from_xml(std::hint::black_box(&xml)).expect("parses");
        events += m.name().len();
    }
    println!("{events}");
}
