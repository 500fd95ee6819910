//! Building and signing contract-call transactions.
//!
//! stacks-rs 0.3.3 does the transaction envelope, the sighash chain and the
//! secp256k1 signature (byte-identical to `@stacks/transactions`, checked by
//! the golden test). It does *not* see our argument values: each argument is
//! handed to it as [`PreEncoded`], bytes produced by our encoder, because
//! stacks-rs writes tuple keys in insertion order where Clarity needs them
//! sorted (a node would compute another txid and reject the signature).

use std::fmt;

use sha2::{Digest, Sha512_256};
use stacks_rs::clarity::{Codec, FnArguments};
use stacks_rs::transaction::{AnchorMode, STXContractCall, StacksMainnet, StacksTestnet};
use stacks_rs::SecretKey;

use crate::clarity::value::{
    check_clarity_name, ContractId, StandardPrincipal, VERSION_MAINNET_SINGLE_SIG,
    VERSION_TESTNET_SINGLE_SIG,
};
use crate::clarity::{hex, Value};
use crate::error::{Error, Result};

/// Which chain a transaction is for (transaction version and chain id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Network {
    Mainnet,
    Testnet,
}

impl Network {
    /// The single-signature address version (`SP` / `ST`).
    pub fn address_version(self) -> u8 {
        match self {
            Network::Mainnet => VERSION_MAINNET_SINGLE_SIG,
            Network::Testnet => VERSION_TESTNET_SINGLE_SIG,
        }
    }
}

/// Post-condition mode. We never attach post conditions: `Deny` (0x02) then
/// means "this call may move no assets of the sender", the safe default for
/// oracle submissions; `Allow` (0x01) lets it move any. `Originator` (0x03,
/// epoch 3.4) checks only the transaction origin's own assets against the
/// post conditions, so with none the call may move no asset of the sender
/// but contracts it calls may move theirs; a node before epoch 3.4 rejects
/// such a transaction. stacks-rs 0.3.3 knows only 0x01 and 0x02: an
/// `Originator` transaction is built in `Deny` mode, its mode byte set to
/// 0x03 and signed again over the new bytes (the golden test checks the
/// result against `@stacks/transactions` 7.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PostConditionMode {
    Allow,
    Deny,
    Originator,
}

impl PostConditionMode {
    /// The mode byte in a serialised transaction.
    pub fn byte(self) -> u8 {
        match self {
            PostConditionMode::Allow => 0x01,
            PostConditionMode::Deny => 0x02,
            PostConditionMode::Originator => 0x03,
        }
    }
}

/// A transaction id: SHA-512/256 of the serialised signed transaction.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TxId(pub [u8; 32]);

impl TxId {
    /// The txid of serialised transaction bytes.
    pub fn of(tx_bytes: &[u8]) -> Self {
        TxId(Sha512_256::digest(tx_bytes).into())
    }
    /// Parses `0x`-prefixed or bare hex (the API writes both).
    pub fn parse(s: &str) -> Result<Self> {
        Ok(TxId(hex::from_hex_array::<32>(s.trim().trim_matches('"'))?))
    }
    pub fn to_hex(&self) -> String {
        hex::to_hex(&self.0)
    }
}

impl fmt::Display for TxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for TxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TxId({})", self.to_hex())
    }
}

impl std::str::FromStr for TxId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl serde::Serialize for TxId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for TxId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        TxId::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A sender's private key, compressed (the form `@stacks/transactions`
/// writes as 33 bytes ending in `01`).
#[derive(Clone)]
pub struct SenderKey(SecretKey);

impl SenderKey {
    /// 33 bytes of hex ending in `01` (compressed public key). A bare
    /// 32-byte key means "uncompressed" to `@stacks/transactions`, which
    /// stacks-rs cannot sign for, so it is refused rather than silently
    /// producing another address.
    pub fn from_hex(s: &str) -> Result<Self> {
        let bytes = hex::from_hex(s.trim()).map_err(|e| Error::Key(e.to_string()))?;
        match bytes.as_slice() {
            [key @ .., 0x01] if key.len() == 32 => SecretKey::from_slice(key)
                .map(SenderKey)
                .map_err(|e| Error::Key(e.to_string())),
            _ => Err(Error::Key(
                "expected 33 bytes of hex ending in 01 (a compressed-key private key)".into(),
            )),
        }
    }

    /// The compressed public key (33 bytes).
    pub fn public_key(&self) -> [u8; 33] {
        self.0
            .public_key(&secp256k1::Secp256k1::signing_only())
            .serialize()
    }

    /// The single-signature principal of this key on `network`.
    pub fn principal(&self, network: Network) -> StandardPrincipal {
        let hash = stacks_rs::crypto::Hash160::from_slice(self.public_key());
        StandardPrincipal {
            version: network.address_version(),
            hash160: hash.into_bytes(),
        }
    }
}

impl fmt::Debug for SenderKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SenderKey(..)")
    }
}

/// A contract call: which function of which contract, with which arguments.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ContractCall {
    pub contract: ContractId,
    pub function: String,
    pub args: Vec<Value>,
}

/// Everything about a transaction except what it calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TxParams {
    pub network: Network,
    pub nonce: u64,
    /// micro-STX
    pub fee: u64,
    pub post_condition_mode: PostConditionMode,
}

/// A signed, serialised transaction and its id.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SignedTx {
    pub txid: TxId,
    pub nonce: u64,
    #[serde(with = "hex_bytes")]
    pub bytes: Vec<u8>,
}

mod hex_bytes {
    pub fn serialize<S: serde::Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::clarity::hex::to_hex(b))
    }
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s: String = serde::Deserialize::deserialize(d)?;
        crate::clarity::hex::from_hex(&s).map_err(serde::de::Error::custom)
    }
}

/// An argument already consensus-serialised by our encoder, which stacks-rs
/// copies into the payload verbatim.
#[derive(Clone)]
struct PreEncoded(Vec<u8>);

impl Codec for PreEncoded {
    fn encode(&self) -> std::result::Result<Vec<u8>, stacks_rs::clarity::Error> {
        Ok(self.0.clone())
    }
    fn decode(bytes: &[u8]) -> std::result::Result<Self, stacks_rs::clarity::Error> {
        Err(stacks_rs::clarity::Error::UnexpectedType(
            bytes.first().copied().unwrap_or(0xff),
        ))
    }
}

impl stacks_rs::clarity::Ident for PreEncoded {
    fn id() -> u8 {
        0xff
    }
}

impl stacks_rs::clarity::Any for PreEncoded {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn into_any(self: Box<Self>) -> Box<dyn std::any::Any> {
        self
    }
}

impl fmt::Display for PreEncoded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::to_hex(&self.0))
    }
}

impl fmt::Debug for PreEncoded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PreEncoded({self})")
    }
}

impl stacks_rs::clarity::Clarity for PreEncoded {}

fn signing_error(e: impl fmt::Display) -> Error {
    Error::Signing(e.to_string())
}

/// Builds and signs a contract call (standard single-sig auth, anchor mode
/// any, no post conditions) and returns its bytes and txid.
pub fn sign_contract_call(
    call: &ContractCall,
    params: &TxParams,
    key: &SenderKey,
) -> Result<SignedTx> {
    check_clarity_name(&call.function)?;
    let args = call
        .args
        .iter()
        .map(|v| {
            v.to_bytes()
                .map(|b| Box::new(PreEncoded(b)) as Box<dyn stacks_rs::clarity::Clarity>)
        })
        .collect::<Result<Vec<_>>>()?;
    let fn_args = FnArguments::new(args);
    let address = call.contract.issuer.to_address();
    let pcm = match params.post_condition_mode {
        PostConditionMode::Allow => stacks_rs::transaction::PostConditionMode::Allow,
        // Originator: built as Deny, then re-moded and re-signed below
        PostConditionMode::Deny | PostConditionMode::Originator => {
            stacks_rs::transaction::PostConditionMode::Deny
        }
    };
    macro_rules! build {
        ($net:expr) => {
            STXContractCall::builder()
                .address(address)
                .contract(call.contract.name.clone())
                .fn_name(call.function.clone())
                .fn_args(fn_args)
                .sender(key.0)
                .network($net)
                .fee(params.fee)
                .nonce(params.nonce)
                .anchor_mode(AnchorMode::Any)
                .post_condition_mode(pcm)
                .build()
                .transaction()
                .map_err(signing_error)?
        };
    }
    let tx = match params.network {
        Network::Mainnet => build!(StacksMainnet::new()),
        Network::Testnet => build!(StacksTestnet::new()),
    };
    let signed = tx.sign(key.0).map_err(signing_error)?;
    let mut bytes = signed.encode().map_err(signing_error)?;
    if params.post_condition_mode == PostConditionMode::Originator {
        bytes = resign_with_mode(bytes, PostConditionMode::Originator, params, key)?;
    }
    Ok(SignedTx {
        txid: TxId::of(&bytes),
        nonce: params.nonce,
        bytes,
    })
}

// Layout of a standard single-signature (P2PKH) transaction, as stacks-rs
// writes it: version, chain id, auth type 0x04, hash mode 0x00, signer (20),
// nonce (8), fee (8), key encoding, signature (65), anchor mode, post-
// condition mode, post conditions, payload.
const OFF_AUTH_TYPE: usize = 5;
const OFF_HASH_MODE: usize = 6;
const OFF_NONCE: usize = 27;
const OFF_FEE: usize = 35;
const OFF_KEY_ENCODING: usize = 43;
const OFF_SIGNATURE: usize = 44;
const OFF_PC_MODE: usize = 110;
const AUTH_STANDARD: u8 = 0x04;

/// Sets the post-condition mode byte of a signed standard single-sig
/// transaction and signs it again: the initial sighash is the SHA-512/256 of
/// the transaction with nonce, fee and signature cleared; the signature is
/// over the presign hash (sighash, auth type, fee, nonce), as the node and
/// `@stacks/transactions` compute it.
fn resign_with_mode(
    mut bytes: Vec<u8>,
    mode: PostConditionMode,
    params: &TxParams,
    key: &SenderKey,
) -> Result<Vec<u8>> {
    let layout_ok = bytes.len() > OFF_PC_MODE + 4
        && bytes[OFF_AUTH_TYPE] == AUTH_STANDARD
        && bytes[OFF_HASH_MODE] == 0x00
        && bytes[OFF_NONCE..OFF_FEE] == params.nonce.to_be_bytes()
        && bytes[OFF_FEE..OFF_KEY_ENCODING] == params.fee.to_be_bytes()
        && bytes[OFF_KEY_ENCODING] == 0x00
        && bytes[OFF_PC_MODE] == PostConditionMode::Deny.byte();
    if !layout_ok {
        return Err(Error::Signing(format!(
            "post-condition mode {mode:?}: unexpected transaction layout from stacks-rs; refusing to sign"
        )));
    }
    bytes[OFF_PC_MODE] = mode.byte();
    let mut cleared = bytes.clone();
    cleared[OFF_NONCE..OFF_KEY_ENCODING].fill(0);
    cleared[OFF_SIGNATURE..OFF_SIGNATURE + 65].fill(0);
    let initial = stacks_rs::crypto::SignatureHash::from_slice(&cleared);
    let (sig, _) = stacks_rs::crypto::SignatureHash::next_signature(
        initial,
        AUTH_STANDARD,
        params.fee,
        params.nonce,
        key.0,
    )
    .map_err(signing_error)?;
    bytes[OFF_SIGNATURE..OFF_SIGNATURE + 65].copy_from_slice(sig.as_bytes());
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "753b7cc01a1a2e86221266a154af739463fce51219d97e4f856cd7200c3bd2a601";

    #[test]
    fn key_and_address() {
        let k = SenderKey::from_hex(KEY).unwrap();
        // Clarinet's devnet deployer key and address.
        assert_eq!(
            k.principal(Network::Testnet).to_address(),
            "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM"
        );
        assert!(SenderKey::from_hex(&KEY[..64]).is_err());
        assert!(SenderKey::from_hex("zz").is_err());
    }

    #[test]
    fn tuple_args_are_sorted_in_the_signed_bytes() {
        let k = SenderKey::from_hex(KEY).unwrap();
        let contract =
            ContractId::parse("ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.data-oracle").unwrap();
        let tuple = Value::tuple([("z", Value::UInt(1)), ("a", Value::UInt(2))]);
        let call = ContractCall {
            contract,
            function: "f".into(),
            args: vec![tuple.clone()],
        };
        let params = TxParams {
            network: Network::Testnet,
            nonce: 0,
            fee: 1000,
            post_condition_mode: PostConditionMode::Deny,
        };
        let tx = sign_contract_call(&call, &params, &k).unwrap();
        let arg = tuple.to_bytes().unwrap();
        assert!(tx.bytes.ends_with(&arg));
        assert_eq!(&arg[5..7], &[1, b'a']);
        assert_eq!(tx.txid, TxId::of(&tx.bytes));
        // Deterministic (RFC 6979): same inputs, same bytes.
        assert_eq!(sign_contract_call(&call, &params, &k).unwrap(), tx);
    }

    #[test]
    fn mode_byte_is_written_for_every_mode() {
        let k = SenderKey::from_hex(KEY).unwrap();
        let call = ContractCall {
            contract: ContractId::parse("ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.data-oracle")
                .unwrap(),
            function: "f".into(),
            args: vec![Value::UInt(7)],
        };
        for mode in [
            PostConditionMode::Allow,
            PostConditionMode::Deny,
            PostConditionMode::Originator,
        ] {
            let params = TxParams {
                network: Network::Mainnet,
                nonce: 3,
                fee: 500,
                post_condition_mode: mode,
            };
            let tx = sign_contract_call(&call, &params, &k).unwrap();
            assert_eq!(tx.bytes[OFF_PC_MODE], mode.byte(), "{mode:?}");
            assert_eq!(tx.txid, TxId::of(&tx.bytes));
        }
        let json = serde_json::to_string(&PostConditionMode::Originator).unwrap();
        assert_eq!(json, "\"originator\"");
    }

    /// The `originator_cases` of the golden file (post-condition mode 0x03,
    /// made by `@stacks/transactions` 7.6): byte-identical, same txid.
    /// (`tests/golden_tx.rs` checks the allow/deny `cases`.)
    #[test]
    fn originator_mode_matches_stacks_js_golden() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../contracts/fixtures/stacks-tx-golden.json"
        );
        let text = std::fs::read_to_string(path).expect("golden fixture");
        let golden: serde_json::Value = serde_json::from_str(&text).unwrap();
        let cases = golden["originator_cases"]
            .as_array()
            .expect("originator_cases");
        assert!(!cases.is_empty());
        for c in cases {
            let name = c["name"].as_str().unwrap();
            assert_eq!(c["post_condition_mode"], "originator", "{name}");
            assert_eq!(c["network"], "testnet", "{name}");
            let key = SenderKey::from_hex(c["sender_key"].as_str().unwrap()).unwrap();
            let contract = ContractId::parse(&format!(
                "{}.{}",
                c["contract_address"].as_str().unwrap(),
                c["contract_name"].as_str().unwrap()
            ))
            .unwrap();
            let args = c["args_hex"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| Value::from_hex(h.as_str().unwrap()).unwrap())
                .collect();
            let num = |v: &serde_json::Value| v.as_u64().expect("whole number");
            let call = ContractCall {
                contract,
                function: c["function_name"].as_str().unwrap().to_owned(),
                args,
            };
            let params = TxParams {
                network: Network::Testnet,
                nonce: num(&c["nonce"]),
                fee: num(&c["fee"]),
                post_condition_mode: PostConditionMode::Originator,
            };
            let tx = sign_contract_call(&call, &params, &key).unwrap();
            assert_eq!(
                hex::to_hex(&tx.bytes),
                c["tx_hex"].as_str().unwrap().to_lowercase(),
                "{name}: tx bytes"
            );
            assert_eq!(
                tx.txid,
                TxId::parse(c["txid"].as_str().unwrap()).unwrap(),
                "{name}: txid"
            );
        }
    }
}
