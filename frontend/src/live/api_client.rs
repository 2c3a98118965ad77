//! Calls to Orderboard's JSON API with the browser's `fetch`, and the one
//! call a customer's page makes: the tracking page's check when its stream
//! was closed. Staff pages' calls are in `staff_api`; live state always comes
//! from the page's stream.

use orderboard_frontend::state::api_failure::ApiFailure;
use orderboard_model::TrackedOrder;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, RequestInit, Response};

pub(crate) async fn request(
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

pub(crate) async fn call<T: DeserializeOwned>(
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

pub async fn fetch_tracked(token: &str) -> Result<TrackedOrder, ApiFailure> {
    let token = String::from(js_sys::encode_uri_component(token));
    call("GET", &format!("/api/track/{token}"), None).await
}
