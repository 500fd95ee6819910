//! [`ChainClient`] over HTTP: a Stacks node's RPC (`/v2/...`) and the Stacks
//! Blockchain API (`/extended/v1/...`).
//!
//! Every response body is read with a size cap and every request has a
//! timeout. Transport failures, timeouts, 408/429 and 5xx are
//! [`Error::Unavailable`] (try again later); a 400 from `POST
//! /v2/transactions` is [`Error::Rejected`] with the node's reason.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use serde::Deserialize;

use crate::clarity::{ContractId, Principal, Value};
use crate::client::{AccountNonces, ChainClient, ContractLog, RejectReason, TxStatus};
use crate::error::{Error, Result};
use crate::tx::TxId;

/// Where the node and the API are, and how patient to be.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Stacks node RPC, e.g. `http://localhost:20443`.
    pub node_url: String,
    /// Stacks Blockchain API, e.g. `http://localhost:3999` (may equal node_url
    /// when the API proxies `/v2`).
    pub api_url: String,
    pub timeout: Duration,
    /// Largest response body read (default 4 MiB).
    pub max_body: usize,
}

impl HttpConfig {
    pub fn new(node_url: impl Into<String>, api_url: impl Into<String>) -> Self {
        HttpConfig {
            node_url: node_url.into().trim_end_matches('/').to_owned(),
            api_url: api_url.into().trim_end_matches('/').to_owned(),
            timeout: Duration::from_secs(15),
            max_body: 4 * 1024 * 1024,
        }
    }
}

/// Most tx → block heights remembered for event pages.
const HEIGHT_CACHE: usize = 4096;

pub struct HttpChainClient {
    cfg: HttpConfig,
    http: reqwest::Client,
    heights: Mutex<HashMap<TxId, u64>>,
}

impl HttpChainClient {
    pub fn new(cfg: HttpConfig) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout)
            .build()
            .map_err(|e| Error::Unavailable(e.to_string()))?;
        Ok(HttpChainClient {
            cfg,
            http,
            heights: Mutex::new(HashMap::new()),
        })
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<(u16, Vec<u8>)> {
        let mut resp = req
            .send()
            .await
            .map_err(|e| Error::Unavailable(e.to_string()))?;
        let status = resp.status().as_u16();
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| Error::Unavailable(e.to_string()))?
        {
            if body.len() + chunk.len() > self.cfg.max_body {
                return Err(Error::Api(format!(
                    "response larger than {} bytes",
                    self.cfg.max_body
                )));
            }
            body.extend_from_slice(&chunk);
        }
        if status == 408 || status == 429 || status >= 500 {
            return Err(Error::Unavailable(format!(
                "HTTP {status}: {}",
                snippet(&body)
            )));
        }
        Ok((status, body))
    }

    async fn get_json<T: for<'de> Deserialize<'de>>(&self, url: String) -> Result<Option<T>> {
        let (status, body) = self.send(self.http.get(&url)).await?;
        match status {
            200 => parse(&body).map(Some),
            404 => Ok(None),
            _ => Err(Error::Api(format!(
                "GET {url}: HTTP {status}: {}",
                snippet(&body)
            ))),
        }
    }

    async fn tx_info(&self, txid: &TxId) -> Result<Option<ApiTx>> {
        self.get_json(format!(
            "{}/extended/v1/tx/{}",
            self.cfg.api_url,
            txid.to_hex()
        ))
        .await
    }

    async fn height_of(&self, txid: &TxId) -> Result<Option<u64>> {
        if let Some(h) = self.heights.lock().ok().and_then(|m| m.get(txid).copied()) {
            return Ok(Some(h));
        }
        let h = self.tx_info(txid).await?.and_then(|t| t.mined_height());
        if let (Some(h), Ok(mut m)) = (h, self.heights.lock()) {
            if m.len() >= HEIGHT_CACHE {
                m.clear();
            }
            m.insert(*txid, h);
        }
        Ok(h)
    }
}

fn snippet(body: &[u8]) -> String {
    String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned()
}

fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| Error::Api(format!("{e}: {}", snippet(body))))
}

#[derive(Deserialize)]
struct ApiNonces {
    last_executed_tx_nonce: Option<u64>,
    possible_next_nonce: u64,
    #[serde(default)]
    detected_missing_nonces: Vec<u64>,
}

#[derive(Deserialize)]
struct HexRepr {
    hex: String,
}

#[derive(Deserialize)]
struct ApiTx {
    tx_status: String,
    block_height: Option<u64>,
    #[serde(default)]
    canonical: Option<bool>,
    tx_result: Option<HexRepr>,
}

impl ApiTx {
    fn mined_height(&self) -> Option<u64> {
        let mined = self.tx_status == "success" || self.tx_status.starts_with("abort");
        (mined && self.canonical != Some(false))
            .then_some(self.block_height)
            .flatten()
    }
}

#[derive(Deserialize)]
struct ApiEvents {
    results: Vec<ApiEvent>,
}

#[derive(Deserialize)]
struct ApiEvent {
    event_index: u32,
    event_type: String,
    tx_id: String,
    contract_log: Option<ApiContractLog>,
}

#[derive(Deserialize)]
struct ApiContractLog {
    topic: String,
    value: HexRepr,
}

#[derive(Deserialize)]
struct CallReadResponse {
    okay: bool,
    result: Option<String>,
    cause: Option<String>,
}

#[derive(Deserialize)]
struct Rejection {
    reason: Option<String>,
    reason_data: Option<serde_json::Value>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct NodeInfo {
    stacks_tip_height: u64,
}

/// Maps the API's transaction JSON to a [`TxStatus`].
fn tx_status_of(t: ApiTx) -> Result<TxStatus> {
    let result = t
        .tx_result
        .as_ref()
        .map(|r| Value::from_hex(&r.hex))
        .transpose()?;
    if t.canonical == Some(false) {
        // Mined in a block that lost a fork: as good as not mined.
        return Ok(TxStatus::Dropped {
            reason: "non-canonical".into(),
        });
    }
    Ok(match t.tx_status.as_str() {
        "pending" => TxStatus::Pending,
        "success" => TxStatus::Success {
            block_height: t
                .block_height
                .ok_or_else(|| Error::Api("success without block_height".into()))?,
            result: result.ok_or_else(|| Error::Api("success without tx_result".into()))?,
        },
        s if s.starts_with("abort") => TxStatus::Aborted {
            block_height: t.block_height,
            reason: s.to_owned(),
            result,
        },
        s if s.starts_with("dropped") => TxStatus::Dropped {
            reason: s.to_owned(),
        },
        other => return Err(Error::Api(format!("unknown tx_status {other:?}"))),
    })
}

#[async_trait::async_trait]
impl ChainClient for HttpChainClient {
    async fn nonces(&self, address: &Principal) -> Result<AccountNonces> {
        let url = format!("{}/extended/v1/address/{address}/nonces", self.cfg.api_url);
        let n: ApiNonces = self
            .get_json(url)
            .await?
            .ok_or_else(|| Error::Api("nonces: 404".into()))?;
        Ok(AccountNonces {
            confirmed_next: n.last_executed_tx_nonce.map_or(0, |x| x + 1),
            possible_next: n.possible_next_nonce,
            missing: n.detected_missing_nonces,
        })
    }

    async fn broadcast(&self, tx_bytes: &[u8]) -> Result<TxId> {
        let url = format!("{}/v2/transactions", self.cfg.node_url);
        let req = self
            .http
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(tx_bytes.to_vec());
        let (status, body) = self.send(req).await?;
        if status == 200 {
            // The body is the quoted txid (with or without 0x).
            let s: String = parse(&body)?;
            return TxId::parse(&s);
        }
        if status == 400 {
            if let Ok(r) = serde_json::from_slice::<Rejection>(&body) {
                let reason = r.reason.as_deref().unwrap_or("Other");
                return Err(Error::Rejected {
                    reason: RejectReason::from_node(reason, r.reason_data.as_ref()),
                    detail: r.error.unwrap_or_default(),
                });
            }
        }
        Err(Error::Rejected {
            reason: RejectReason::Other(format!("HTTP {status}")),
            detail: snippet(&body),
        })
    }

    async fn tx_status(&self, txid: &TxId) -> Result<TxStatus> {
        match self.tx_info(txid).await? {
            None => Ok(TxStatus::NotFound),
            Some(t) => tx_status_of(t),
        }
    }

    async fn call_read(
        &self,
        contract: &ContractId,
        function: &str,
        args: &[Value],
        sender: &Principal,
    ) -> Result<Value> {
        let url = format!(
            "{}/v2/contracts/call-read/{}/{}/{function}",
            self.cfg.node_url, contract.issuer, contract.name
        );
        let arguments = args.iter().map(Value::to_hex).collect::<Result<Vec<_>>>()?;
        let body = serde_json::json!({ "sender": sender.to_string(), "arguments": arguments });
        let (status, resp) = self.send(self.http.post(&url).json(&body)).await?;
        if status != 200 {
            return Err(Error::Api(format!(
                "call-read HTTP {status}: {}",
                snippet(&resp)
            )));
        }
        let r: CallReadResponse = parse(&resp)?;
        match (r.okay, r.result) {
            (true, Some(hex)) => Value::from_hex(&hex),
            _ => Err(Error::ReadOnly(
                r.cause.unwrap_or_else(|| "no result".into()),
            )),
        }
    }

    async fn contract_events(
        &self,
        contract: &ContractId,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<ContractLog>> {
        let url = format!(
            "{}/extended/v1/contract/{contract}/events?limit={limit}&offset={offset}",
            self.cfg.api_url
        );
        let page: ApiEvents = self
            .get_json(url)
            .await?
            .ok_or_else(|| Error::Api(format!("no events for {contract}")))?;
        let mut out = Vec::with_capacity(page.results.len());
        for e in page.results {
            let Some(log) = e.contract_log else { continue };
            if e.event_type != "smart_contract_log" || log.topic != "print" {
                continue;
            }
            let tx_id = TxId::parse(&e.tx_id)?;
            out.push(ContractLog {
                block_height: self.height_of(&tx_id).await?,
                tx_id,
                event_index: e.event_index,
                value: Value::from_hex(&log.value.hex)?,
            });
        }
        Ok(out)
    }

    async fn tip_height(&self) -> Result<u64> {
        let info: NodeInfo = self
            .get_json(format!("{}/v2/info", self.cfg.node_url))
            .await?
            .ok_or_else(|| Error::Api("/v2/info: 404".into()))?;
        Ok(info.stacks_tip_height)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_tx_shapes() {
        let ok: ApiTx = serde_json::from_str(
            r#"{"tx_status":"success","block_height":12,"canonical":true,"tx_result":{"hex":"0x0703","repr":"(ok true)"}}"#,
        )
        .unwrap();
        assert_eq!(
            tx_status_of(ok).unwrap(),
            TxStatus::Success {
                block_height: 12,
                result: Value::ok(Value::Bool(true))
            }
        );
        let ab: ApiTx = serde_json::from_str(
            r#"{"tx_status":"abort_by_response","block_height":13,"tx_result":{"hex":"0x0801000000000000000000000000000001f9","repr":"(err u505)"}}"#,
        )
        .unwrap();
        assert!(matches!(
            tx_status_of(ab).unwrap(),
            TxStatus::Aborted { .. }
        ));
        let p: ApiTx = serde_json::from_str(r#"{"tx_status":"pending","tx_result":null}"#).unwrap();
        assert_eq!(tx_status_of(p).unwrap(), TxStatus::Pending);
        let d: ApiTx = serde_json::from_str(r#"{"tx_status":"dropped_replace_by_fee"}"#).unwrap();
        assert!(matches!(tx_status_of(d).unwrap(), TxStatus::Dropped { .. }));
    }

    #[test]
    fn rejection_reasons() {
        let data = serde_json::json!({"expected": 5, "actual": 3});
        assert_eq!(
            RejectReason::from_node("BadNonce", Some(&data)),
            RejectReason::BadNonce {
                expected: Some(5),
                actual: Some(3)
            }
        );
        assert!(RejectReason::from_node("ConflictingNonceInMempool", None).is_nonce_conflict());
        assert!(!RejectReason::from_node("FeeTooLow", None).is_nonce_conflict());
    }
}
