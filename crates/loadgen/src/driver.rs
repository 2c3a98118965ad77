//! How a run makes its changes: staff actions (create an order, move it) behind
//! one small trait, so that the command line drives a server over its HTTP API
//! while the server itself can drive its own store in-process.

use anyhow::{bail, Context};
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use orderboard_model::{NewOrder, Order, StageChangeRequest};
use reqwest::StatusCode;
use std::time::Duration;
use uuid::Uuid;

/// The staff side of a run: creates orders and changes their stage.
pub trait OrderDriver: Send + Sync + 'static {
    fn create(&self, order: NewOrder) -> BoxFuture<'_, anyhow::Result<Order>>;
    fn change_stage(
        &self,
        id: Uuid,
        request: StageChangeRequest,
    ) -> BoxFuture<'_, anyhow::Result<Order>>;
}

/// How long a staff request may take.
pub const STAFF_TIMEOUT: Duration = Duration::from_secs(10);

/// The staff API over HTTP, signed in when a passphrase is given (the session
/// cookie is kept in the client's cookie store).
#[derive(Debug, Clone)]
pub struct HttpDriver {
    http: reqwest::Client,
    base: String,
}

impl HttpDriver {
    /// Connects to `target`; with a passphrase, signs in first. Without one the
    /// server accepts staff requests from this computer only.
    pub async fn connect(target: &str, passphrase: Option<String>) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .timeout(STAFF_TIMEOUT)
            .connect_timeout(STAFF_TIMEOUT)
            .pool_idle_timeout(crate::clients::POOL_IDLE)
            .build()
            .context("building the HTTP client")?;
        let base = target.trim().trim_end_matches('/').to_string();
        if let Some(passphrase) = passphrase {
            let res = http
                .post(format!("{base}/api/session"))
                .json(&serde_json::json!({ "passphrase": passphrase }))
                .send()
                .await
                .with_context(|| format!("signing in at {base}"))?;
            let status = res.status();
            if !status.is_success() {
                bail!("signing in at {base}: {status}: {}", error_text(res).await);
            }
        }
        Ok(HttpDriver { http, base })
    }

    async fn send_for_order(
        &self,
        req: reqwest::RequestBuilder,
        expect: StatusCode,
        what: &str,
    ) -> anyhow::Result<Order> {
        let res = req.send().await.with_context(|| what.to_string())?;
        let status = res.status();
        if status != expect {
            bail!("{what}: {status}: {}", error_text(res).await);
        }
        res.json::<Order>()
            .await
            .with_context(|| format!("{what}: reading the order"))
    }
}

/// The message of an error answer, or the start of its body.
async fn error_text(res: reqwest::Response) -> String {
    let body = res.text().await.unwrap_or_default();
    match serde_json::from_str::<orderboard_model::ApiErrorBody>(&body) {
        Ok(e) => e.error.message,
        Err(_) => body.chars().take(200).collect(),
    }
}

impl OrderDriver for HttpDriver {
    fn create(&self, order: NewOrder) -> BoxFuture<'_, anyhow::Result<Order>> {
        let req = self
            .http
            .post(format!("{}/api/orders", self.base))
            .json(&order);
        async move {
            self.send_for_order(req, StatusCode::CREATED, "creating an order")
                .await
        }
        .boxed()
    }

    fn change_stage(
        &self,
        id: Uuid,
        request: StageChangeRequest,
    ) -> BoxFuture<'_, anyhow::Result<Order>> {
        let req = self
            .http
            .post(format!("{}/api/orders/{id}/stage", self.base))
            .json(&request);
        async move {
            let what = format!("moving order {id} to {}", request.to);
            self.send_for_order(req, StatusCode::OK, &what).await
        }
        .boxed()
    }
}
