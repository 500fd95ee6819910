//! A small client of the admin API, used by the `vtn` CLI subcommands.

use anyhow::{anyhow, Context};
use serde_json::Value;

pub struct ApiClient {
    base: String,
    token: Option<String>,
    http: reqwest::Client,
}

impl ApiClient {
    pub fn new(base: &str, token: Option<String>) -> anyhow::Result<ApiClient> {
        Ok(ApiClient {
            base: format!("{}/api/v1", base.trim_end_matches('/')),
            token,
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(30))
                .build()?,
        })
    }

    /// Trust `ca` for an https VTN and present `cert`/`key` (the VTN's listener requires a
    /// client certificate when it serves TLS).
    pub fn with_tls(
        mut self,
        ca: Option<&std::path::Path>,
        cert: Option<&std::path::Path>,
        key: Option<&std::path::Path>,
    ) -> anyhow::Result<ApiClient> {
        if ca.is_none() && cert.is_none() {
            return Ok(self);
        }
        let read = |p: &std::path::Path| {
            std::fs::read(p).with_context(|| format!("reading {}", p.display()))
        };
        let mut b = reqwest::Client::builder().timeout(std::time::Duration::from_secs(30));
        if let Some(ca) = ca {
            for c in reqwest::Certificate::from_pem_bundle(&read(ca)?)? {
                b = b.add_root_certificate(c);
            }
        }
        match (cert, key) {
            (Some(c), Some(k)) => {
                let mut pem = read(c)?;
                pem.push(b'\n');
                pem.extend(read(k)?);
                b = b.identity(reqwest::Identity::from_pem(&pem).context("client certificate")?);
            }
            (None, None) => {}
            _ => anyhow::bail!("--cert and --key go together"),
        }
        self.http = b.build()?;
        Ok(self)
    }

    async fn send(&self, rb: reqwest::RequestBuilder) -> anyhow::Result<Value> {
        let rb = match &self.token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        };
        let resp = rb
            .send()
            .await
            .with_context(|| format!("cannot reach the VTN admin API at {}", self.base))?;
        let status = resp.status();
        let text = resp.text().await?;
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::String(text.clone()));
        if !status.is_success() {
            let msg = v
                .get("error")
                .and_then(|e| e.as_str())
                .unwrap_or(&text)
                .to_string();
            if status == reqwest::StatusCode::UNAUTHORIZED {
                return Err(anyhow!("{status}: {msg} (set VTN_ADMIN_TOKEN or --token)"));
            }
            return Err(anyhow!("{status}: {msg}"));
        }
        Ok(v)
    }

    pub async fn get(&self, path: &str, query: &[(&str, String)]) -> anyhow::Result<Value> {
        self.send(self.http.get(format!("{}{path}", self.base)).query(query))
            .await
    }

    pub async fn post(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        self.send(self.http.post(format!("{}{path}", self.base)).json(body))
            .await
    }

    pub async fn put(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        self.send(self.http.put(format!("{}{path}", self.base)).json(body))
            .await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        self.send(self.http.patch(format!("{}{path}", self.base)).json(body))
            .await
    }

    pub async fn delete(&self, path: &str) -> anyhow::Result<Value> {
        self.send(self.http.delete(format!("{}{path}", self.base)))
            .await
    }
}

/// Path segment escaping for ids and names.
pub fn seg(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A body of the typed admin contract ([`crate::api`]), read from an answer.
pub fn typed<T: serde::de::DeserializeOwned>(v: Value) -> anyhow::Result<T> {
    serde_json::from_value(v)
        .context("the VTN answered with a body this CLI does not know (versions differ?)")
}
