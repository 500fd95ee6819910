//! Clarity codec: round trips, hostile input, and the contracts' print fixtures.

use std::path::PathBuf;

use adr_chain::clarity::{
    self, decode, from_hex, to_hex, ContractId, Principal, StandardPrincipal, Value,
};
use proptest::prelude::*;
use serde_json::json;

fn name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9-]{0,20}"
}

fn standard() -> impl Strategy<Value = StandardPrincipal> {
    (
        prop::sample::select(vec![20u8, 21, 22, 26]),
        any::<[u8; 20]>(),
    )
        .prop_map(|(version, hash160)| StandardPrincipal { version, hash160 })
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<i128>().prop_map(Value::Int),
        any::<u128>().prop_map(Value::UInt),
        any::<bool>().prop_map(Value::Bool),
        prop::collection::vec(any::<u8>(), 0..40).prop_map(Value::Buffer),
        standard().prop_map(Value::principal),
        (standard(), name()).prop_map(|(p, n)| Value::Principal(Principal::Contract(
            ContractId::new(p, n).unwrap()
        ))),
        Just(Value::OptionalNone),
        "[ -~]{0,30}".prop_map(Value::StringAscii),
        "\\PC{0,20}".prop_map(Value::StringUtf8),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            inner.clone().prop_map(Value::ok),
            inner.clone().prop_map(Value::err),
            inner.clone().prop_map(Value::some),
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::List),
            prop::collection::btree_map(name(), inner, 1..6).prop_map(Value::Tuple),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn round_trip(v in value()) {
        let bytes = v.to_bytes().unwrap();
        prop_assert_eq!(decode(&bytes).unwrap(), v.clone());
        prop_assert_eq!(Value::from_hex(&to_hex(&bytes)).unwrap(), v);
    }

    #[test]
    fn every_truncation_is_an_error(v in value()) {
        let bytes = v.to_bytes().unwrap();
        for n in 0..bytes.len() {
            prop_assert!(decode(&bytes[..n]).is_err());
        }
    }

    #[test]
    fn mutated_bytes_never_panic(v in value(), edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let mut bytes = v.to_bytes().unwrap();
        for (i, b) in edits {
            let at = i.index(bytes.len());
            bytes[at] = b;
        }
        if let Ok(d) = decode(&bytes) {
            // Whatever decodes re-encodes and decodes to itself.
            let re = d.to_bytes().unwrap();
            prop_assert_eq!(decode(&re).unwrap(), d);
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode(&bytes);
    }

    #[test]
    fn random_bytes_with_valid_prefixes_never_panic(tag in 0u8..0x10, rest in prop::collection::vec(any::<u8>(), 0..256)) {
        let mut bytes = vec![tag];
        bytes.extend(rest);
        let _ = decode(&bytes);
    }
}

#[test]
fn oversized_input_is_refused_without_work() {
    let mut big = vec![0x02];
    big.extend_from_slice(&(3u32 * 1024 * 1024).to_be_bytes());
    big.resize(3 * 1024 * 1024 + 5, 0);
    assert!(decode(&big).is_err());
    // A 1 MiB + 1 buffer inside a 2 MiB input: over the per-value limit.
    let mut b = vec![0x02];
    b.extend_from_slice(&(1024u32 * 1024 + 1).to_be_bytes());
    b.resize(1024 * 1024 + 6, 0);
    assert!(decode(&b).is_err());
}

/// The plain JSON of a value, as the contracts' fixture file writes it:
/// uints as decimal strings, buffers as 0x hex, principals as strings,
/// `none` as null, `(some x)` as x.
fn fixture_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Int(i) => json!(i.to_string()),
        Value::UInt(u) => json!(u.to_string()),
        Value::Bool(b) => json!(b),
        Value::Buffer(b) => json!(to_hex(b)),
        Value::Principal(p) => json!(p.to_string()),
        Value::OptionalNone => serde_json::Value::Null,
        Value::OptionalSome(x) | Value::ResponseOk(x) | Value::ResponseErr(x) => fixture_json(x),
        Value::List(items) => items.iter().map(fixture_json).collect(),
        Value::Tuple(m) => m
            .iter()
            .map(|(k, v)| (k.clone(), fixture_json(v)))
            .collect(),
        Value::StringAscii(s) | Value::StringUtf8(s) => json!(s),
    }
}

fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../contracts/fixtures")
        .join(name)
}

#[test]
fn print_event_fixtures_decode_to_their_fields() {
    let text = std::fs::read_to_string(fixture_path("print-events.json"))
        .expect("contracts/fixtures/print-events.json must exist");
    let entries: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    assert!(entries.len() >= 20, "fixture has {} entries", entries.len());
    let mut names = std::collections::BTreeSet::new();
    for e in &entries {
        let hex = e["hex"].as_str().unwrap();
        let v = Value::from_hex(hex).unwrap_or_else(|err| panic!("{hex}: {err}"));
        assert_eq!(fixture_json(&v), e["fields"], "fields of {hex}");
        assert_eq!(v.to_string(), e["repr"].as_str().unwrap(), "repr of {hex}");
        assert_eq!(v.to_hex().unwrap(), hex, "re-encoding of {hex}");
        assert_eq!(
            v.as_tuple().unwrap()["event"].as_ascii(),
            e["event"].as_str()
        );
        // Typed decoding: every DR event decodes, none is "unknown".
        let typed = adr_chain::events::DrPrint::from_value(&v)
            .unwrap_or_else(|err| panic!("{}: {err}", e["event"]));
        let name = e["event"].as_str().unwrap();
        let untyped = [
            "dr-token-minted",
            "dr-minter-set",
            "dr-owner-changed",
            "dr-proposal-created",
            "dr-vote-cast",
            "dr-proposal-executed",
        ];
        if untyped.contains(&name) {
            assert_eq!(
                typed,
                adr_chain::events::DrPrint::Unknown { name: name.into() }
            );
        } else {
            assert!(
                !matches!(
                    typed,
                    adr_chain::events::DrPrint::Unknown { .. }
                        | adr_chain::events::DrPrint::NotAnEvent
                ),
                "{typed:?}"
            );
        }
        names.insert(e["event"].as_str().unwrap().to_owned());
    }
    for must in [
        "dr-event-created",
        "dr-event-started",
        "dr-event-ended",
        "dr-event-cancelled",
        "dr-commitment",
        "dr-reading",
    ] {
        assert!(names.contains(must), "fixture lacks {must}");
    }
}

#[test]
fn hex_helpers() {
    assert_eq!(from_hex("0x0102").unwrap(), vec![1, 2]);
    assert!(clarity::from_hex("0x1").is_err());
}
