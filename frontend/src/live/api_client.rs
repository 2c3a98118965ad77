//! Calls to Orderboard's JSON API with the browser's `fetch`.
//!
//! Used for actions only (creating an order, changing a stage, starting and
//! stopping a workshop comparison or the demo driver) and for one-off reads
//! (the tracking page's check when its stream was closed, the comparison's
//! and the demo driver's state when a page opens); live state always comes
//! from the page's stream.

use orderboard_frontend::state::api_failure::ApiFailure;
use orderboard_model::{
    ComparisonRequest, ComparisonState, DemoRequest, DemoStatus, NewOrder, Order, Stage,
    StageChangeRequest, TrackedOrder,
};
use serde::de::DeserializeOwned;
use uuid::Uuid;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, RequestInit, Response};

async fn request(
    method: &str,
    url: &str,
    body: Option<String>,
) -> Result<(u16, String), ApiFailure> {
    let network = |e: JsValue| ApiFailure::Network(format!("{e:?}"));
    let window = web_sys::window().ok_or_else(|| ApiFailure::Network("no window".into()))?;
    let init = RequestInit::new();
    init.set_method(method);
    let headers = Headers::new().map_err(network)?;
    headers.set("Accept", "application/json").map_err(network)?;
    if let Some(body) = body {
        headers
            .set("Content-Type", "application/json")
            .map_err(network)?;
        init.set_body(&JsValue::from_str(&body));
    }
    init.set_headers(&headers);
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(network)?
        .dyn_into()
        .map_err(network)?;
    let text = JsFuture::from(response.text().map_err(network)?)
        .await
        .map_err(network)?;
    Ok((response.status(), text.as_string().unwrap_or_default()))
}

async fn call<T: DeserializeOwned>(
    method: &str,
    url: &str,
    body: Option<String>,
) -> Result<T, ApiFailure> {
    let (status, text) = request(method, url, body).await?;
    if (200..300).contains(&status) {
        serde_json::from_str(&text)
            .map_err(|e| ApiFailure::Network(format!("unexpected answer: {e}")))
    } else {
        Err(ApiFailure::from_response(status, &text))
    }
}

pub async fn create_order(order: &NewOrder) -> Result<Order, ApiFailure> {
    call(
        "POST",
        "/api/orders",
        Some(serde_json::to_string(order).unwrap_or_default()),
    )
    .await
}

/// Asks to move an order, always stating the version the dispatcher saw.
pub async fn change_stage(id: Uuid, to: Stage, expected_version: u64) -> Result<Order, ApiFailure> {
    let body = StageChangeRequest {
        to,
        expected_version: Some(expected_version),
    };
    call(
        "POST",
        &format!("/api/orders/{id}/stage"),
        Some(serde_json::to_string(&body).unwrap_or_default()),
    )
    .await
}

pub async fn fetch_tracked(token: &str) -> Result<TrackedOrder, ApiFailure> {
    let token = String::from(js_sys::encode_uri_component(token));
    call("GET", &format!("/api/track/{token}"), None).await
}

/// What `GET /api/session` says.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct SessionStatus {
    pub sign_in_required: bool,
    pub signed_in: bool,
}

pub async fn session_status() -> Result<SessionStatus, ApiFailure> {
    call("GET", "/api/session", None).await
}

/// Signs staff in; the server sets the session cookie.
pub async fn sign_in(passphrase: &str) -> Result<(), ApiFailure> {
    let body = serde_json::json!({ "passphrase": passphrase }).to_string();
    let (status, text) = request("POST", "/api/session", Some(body)).await?;
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(ApiFailure::from_response(status, &text))
    }
}

/// Sets the staff passphrase (first run, or a change by signed-in staff); the
/// server signs this browser in with it.
pub async fn set_staff_passphrase(passphrase: &str) -> Result<(), ApiFailure> {
    let body = serde_json::json!({ "passphrase": passphrase }).to_string();
    let (status, text) = request("PUT", "/api/session/passphrase", Some(body)).await?;
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(ApiFailure::from_response(status, &text))
    }
}

/// Trades the desktop app's one-time ticket for the session cookie.
pub async fn desktop_sign_in(ticket: &str) -> Result<(), ApiFailure> {
    let body = serde_json::json!({ "ticket": ticket }).to_string();
    let (status, text) = request("POST", "/api/session/desktop", Some(body)).await?;
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(ApiFailure::from_response(status, &text))
    }
}

/// `GET /api/workshop/comparison`: where the comparison stands.
pub async fn comparison_state() -> Result<ComparisonState, ApiFailure> {
    call("GET", "/api/workshop/comparison", None).await
}

/// Starts a comparison (202 with its state; 409 if one is running; 401 without a staff session).
pub async fn start_comparison(request: &ComparisonRequest) -> Result<ComparisonState, ApiFailure> {
    call(
        "POST",
        "/api/workshop/comparison",
        Some(serde_json::to_string(request).unwrap_or_default()),
    )
    .await
}

/// Stops the comparison; its report follows on the workshop stream.
pub async fn stop_comparison() -> Result<ComparisonState, ApiFailure> {
    call("DELETE", "/api/workshop/comparison", None).await
}

pub async fn demo_status() -> Result<DemoStatus, ApiFailure> {
    call("GET", "/api/demo", None).await
}

/// Starts or stops the demo driver (staff only).
pub async fn set_demo(request: &DemoRequest) -> Result<DemoStatus, ApiFailure> {
    call(
        "PUT",
        "/api/demo",
        Some(serde_json::to_string(request).unwrap_or_default()),
    )
    .await
}
