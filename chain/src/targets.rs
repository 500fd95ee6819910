//! Who an on-chain event concerns: committed users → their linked devices.
//!
//! `commitment.get-event-participants(event-id)` gives up to 200 principals;
//! `user-registry.get-user-devices(user)` up to 20 device hashes each. A
//! device hash is SHA-256 of the VEN's `venName` (or of its certificate
//! fingerprint where client certificates are used): the VTN matches
//! [`Participant::devices`] against [`device_hash`] of its registered VENs.

use sha2::{Digest, Sha256};

use crate::clarity::{ContractId, Principal, StandardPrincipal, Value};
use crate::client::ChainClient;
use crate::error::{Error, Result};

/// The program's contracts, all deployed by one deployer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramContracts {
    pub event_manager: ContractId,
    pub commitment: ContractId,
    pub user_registry: ContractId,
    pub data_oracle: ContractId,
}

impl ProgramContracts {
    /// The standard contract names under `deployer`.
    pub fn from_deployer(deployer: StandardPrincipal) -> Self {
        let c = |n: &str| ContractId {
            issuer: deployer,
            name: n.to_owned(),
        };
        ProgramContracts {
            event_manager: c("event-manager"),
            commitment: c("commitment"),
            user_registry: c("user-registry"),
            data_oracle: c("data-oracle"),
        }
    }
}

/// A committed user and the devices linked to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub user: Principal,
    pub devices: Vec<[u8; 32]>,
}

/// SHA-256 of a VEN's identity bytes (its `venName` as UTF-8, or its
/// certificate fingerprint), as linked in user-registry.
pub fn device_hash(identity: &[u8]) -> [u8; 32] {
    Sha256::digest(identity).into()
}

fn principals(v: &Value) -> Result<Vec<Principal>> {
    v.as_list()
        .ok_or_else(|| Error::Api(format!("expected a list of principals, got {v}")))?
        .iter()
        .map(|p| {
            p.as_principal()
                .cloned()
                .ok_or_else(|| Error::Api(format!("not a principal: {p}")))
        })
        .collect()
}

fn hashes(v: &Value) -> Result<Vec<[u8; 32]>> {
    v.as_list()
        .ok_or_else(|| Error::Api(format!("expected a list of (buff 32), got {v}")))?
        .iter()
        .map(|b| {
            b.as_buffer()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| Error::Api(format!("not a (buff 32): {b}")))
        })
        .collect()
}

/// Reads the participants of `event_id` and their devices (1 + N read-only
/// calls). `sender` is any principal (read-only calls need one).
pub async fn event_participants(
    client: &dyn ChainClient,
    contracts: &ProgramContracts,
    event_id: u64,
    sender: &Principal,
) -> Result<Vec<Participant>> {
    let users = client
        .call_read(
            &contracts.commitment,
            "get-event-participants",
            &[Value::UInt(event_id.into())],
            sender,
        )
        .await?;
    let mut out = Vec::new();
    for user in principals(&users)? {
        let devices = client
            .call_read(
                &contracts.user_registry,
                "get-user-devices",
                &[Value::Principal(user.clone())],
                sender,
            )
            .await?;
        out.push(Participant {
            user,
            devices: hashes(&devices)?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::MockChain;

    #[tokio::test]
    async fn participants_and_devices() {
        let deployer =
            StandardPrincipal::from_address("ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM").unwrap();
        let pc = ProgramContracts::from_deployer(deployer);
        let user = Principal::parse("ST2JHG361ZXG51QTKY2NQCVBPPRRE2KZB1HR05NNC").unwrap();
        let chain = MockChain::new();
        chain.set_read(
            &pc.commitment,
            "get-event-participants",
            vec![Value::UInt(1)],
            Value::List(vec![Value::Principal(user.clone())]),
        );
        let h = device_hash(b"ven-1");
        chain.set_read(
            &pc.user_registry,
            "get-user-devices",
            vec![Value::Principal(user.clone())],
            Value::List(vec![Value::Buffer(h.to_vec())]),
        );
        let p = event_participants(&chain, &pc, 1, &Principal::Standard(deployer))
            .await
            .unwrap();
        assert_eq!(
            p,
            vec![Participant {
                user,
                devices: vec![h]
            }]
        );
    }
}
