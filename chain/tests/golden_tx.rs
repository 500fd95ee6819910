//! Golden test: contract calls built and signed here are byte-identical to
//! the same calls built with `@stacks/transactions` (bytes saved by the chain
//! simulator in contracts/fixtures/stacks-tx-golden.json, so no Node needed).

use std::path::PathBuf;

use adr_chain::clarity::Value;
use adr_chain::{
    sign_contract_call, ContractCall, ContractId, Network, PostConditionMode, SenderKey, TxId,
    TxParams,
};
use serde::Deserialize;

#[derive(Deserialize)]
struct Golden {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    network: String,
    sender_key: String,
    sender_address: String,
    nonce: serde_json::Value,
    fee: serde_json::Value,
    anchor_mode: String,
    post_condition_mode: String,
    contract_address: String,
    contract_name: String,
    function_name: String,
    args_hex: Vec<String>,
    tx_hex: String,
    txid: String,
}

/// Numbers may be written as JSON numbers or decimal strings (bigints).
fn num(v: &serde_json::Value) -> u64 {
    match v {
        serde_json::Value::Number(n) => n.as_u64().expect("u64"),
        serde_json::Value::String(s) => s.parse().expect("decimal string"),
        other => panic!("not a number: {other}"),
    }
}

#[test]
fn signed_contract_calls_match_stacks_transactions() {
    // ADR_CHAIN_GOLDEN points at another file of the same format (for checking
    // freshly generated cases before they are committed).
    let path = std::env::var_os("ADR_CHAIN_GOLDEN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../contracts/fixtures/stacks-tx-golden.json")
        });
    // The fixture is committed: a missing file is a failure, not a skip.
    assert!(
        path.exists(),
        "{} is missing: the golden comparison cannot run",
        path.display()
    );
    let golden: Golden = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(!golden.cases.is_empty());
    for c in &golden.cases {
        let network = match c.network.as_str() {
            "testnet" => Network::Testnet,
            "mainnet" => Network::Mainnet,
            n => panic!("{}: unknown network {n}", c.name),
        };
        assert_eq!(c.anchor_mode, "any", "{}", c.name);
        let key = SenderKey::from_hex(&c.sender_key).unwrap();
        assert_eq!(
            key.principal(network).to_address(),
            c.sender_address,
            "{}: sender",
            c.name
        );
        // Decode the JS-encoded arguments with our decoder and re-encode.
        let args: Vec<Value> = c
            .args_hex
            .iter()
            .map(|h| Value::from_hex(h).unwrap())
            .collect();
        for (v, h) in args.iter().zip(&c.args_hex) {
            assert_eq!(&v.to_hex().unwrap(), h, "{}: arg re-encoding", c.name);
        }
        let call = ContractCall {
            contract: ContractId::parse(&format!("{}.{}", c.contract_address, c.contract_name))
                .unwrap(),
            function: c.function_name.clone(),
            args,
        };
        let params = TxParams {
            network,
            nonce: num(&c.nonce),
            fee: num(&c.fee),
            post_condition_mode: match c.post_condition_mode.as_str() {
                "allow" => PostConditionMode::Allow,
                "deny" => PostConditionMode::Deny,
                m => panic!("{}: unknown post_condition_mode {m}", c.name),
            },
        };
        let tx = sign_contract_call(&call, &params, &key).unwrap();
        assert_eq!(
            adr_chain::clarity::to_hex(&tx.bytes),
            c.tx_hex.to_lowercase(),
            "{}: tx bytes",
            c.name
        );
        assert_eq!(tx.txid, TxId::parse(&c.txid).unwrap(), "{}: txid", c.name);
    }
    eprintln!("golden: {} cases byte-identical", golden.cases.len());
}
