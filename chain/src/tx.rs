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

/// Post-condition mode. We never attach post conditions: `Deny` then means
/// "this call may move no assets of the sender", the safe default for oracle
/// submissions; `Allow` lets it move any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PostConditionMode {
    Allow,
    Deny,
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
        PostConditionMode::Deny => stacks_rs::transaction::PostConditionMode::Deny,
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
    let bytes = signed.encode().map_err(signing_error)?;
    Ok(SignedTx {
        txid: TxId::of(&bytes),
        nonce: params.nonce,
        bytes,
    })
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
}
