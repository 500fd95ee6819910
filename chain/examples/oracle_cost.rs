//! Transactions and fees per event as the number of participants grows.
//!
//! Builds the real `submit-readings-batch` calls for N participants (distinct
//! principals, realistic values), signs them, and prints how many
//! transactions that takes, their sizes, and the fee at a given rate.
//! Usage: cargo run -p adr-chain --example oracle_cost [-- RATE_USTX_PER_BYTE]

use adr_chain::oracle::{batch_call, batches, OracleEntry};
use adr_chain::{
    sign_contract_call, ContractId, Network, PostConditionMode, Principal, SenderKey,
    StandardPrincipal, TxParams,
};

fn main() {
    let rate: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let deployer =
        StandardPrincipal::from_address("ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM").unwrap();
    let oracle = ContractId {
        issuer: deployer,
        name: "data-oracle".into(),
    };
    // A devnet test key (public): wallet_2 of settings/Devnet.toml.
    let key =
        SenderKey::from_hex("530d9f61984c888536871c6573073bdfc0058896dc1adfe9a6a10dfacadc209101")
            .unwrap();
    println!("participants | transactions | bytes (total) | bytes (largest tx) | fee at {rate} uSTX/byte");
    for n in [10usize, 100, 1000] {
        let entries: Vec<OracleEntry> = (0..n)
            .map(|i| {
                let mut h = [0u8; 20];
                h[..8].copy_from_slice(&(i as u64 + 1).to_be_bytes());
                OracleEntry {
                    event_id: 42,
                    user: Principal::Standard(StandardPrincipal {
                        version: 26,
                        hash160: h,
                    }),
                    baseline_wh: 12_345 + i as u128,
                    actual_wh: 6_789 + i as u128,
                    data_hash: [i as u8; 32],
                }
            })
            .collect();
        let bs = batches(entries).unwrap();
        let (mut total, mut largest) = (0usize, 0usize);
        for (nonce, b) in bs.iter().enumerate() {
            let call = batch_call(&oracle, b).unwrap();
            let params = TxParams {
                network: Network::Testnet,
                nonce: nonce as u64,
                fee: 0,
                post_condition_mode: PostConditionMode::Deny,
            };
            let tx = sign_contract_call(&call, &params, &key).unwrap();
            total += tx.bytes.len();
            largest = largest.max(tx.bytes.len());
        }
        println!(
            "{n:>12} | {:>12} | {total:>13} | {largest:>18} | {:>10} uSTX ({:.4} STX)",
            bs.len(),
            total as u64 * rate,
            (total as u64 * rate) as f64 / 1e6
        );
    }
}
