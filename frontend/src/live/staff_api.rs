//! The staff pages' calls to the JSON API: actions (creating an order,
//! changing a stage, starting and stopping a workshop comparison or the demo
//! driver, starting the workshop's drill), signing in, the integrations' API keys, and one-off reads of the comparison's and the demo
//! driver's state when a page opens. Not in the customer's build.

use crate::live::api_client::{call, request};
use orderboard_frontend::state::api_failure::ApiFailure;
use orderboard_model::{
    ApiKeyInfo, ComparisonRequest, ComparisonState, CreatedApiKey, DemoRequest, DemoStatus,
    DrillRequest, DrillState, HistoryPage, NewApiKey, NewOrder, NewWebhook, Order, PrepTimesReport,
    Stage, StageChangeRequest,
};
use orderboard_model::{CreatedWebhook, NewPrinter, PrintQueued, PrinterInfo, WebhookInfo};
use uuid::Uuid;

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

/// `GET /api/workshop/drill`: where the connection drop drill stands.
pub async fn drill_state() -> Result<DrillState, ApiFailure> {
    call("GET", "/api/workshop/drill", None).await
}

/// Starts the connection drop drill (202 with its state; 409 if one is
/// running or the demo is not; 403 from another machine; 401 without a
/// staff session).
pub async fn start_drill(request: &DrillRequest) -> Result<DrillState, ApiFailure> {
    call(
        "POST",
        "/api/workshop/drill",
        Some(serde_json::to_string(request).unwrap_or_default()),
    )
    .await
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

/// `GET /api/keys`: the integrations' keys, without their secrets.
pub async fn list_keys() -> Result<Vec<ApiKeyInfo>, ApiFailure> {
    call("GET", "/api/keys", None).await
}

/// `POST /api/keys`: a new key, shown in the answer only.
pub async fn create_key(request: &NewApiKey) -> Result<CreatedApiKey, ApiFailure> {
    call(
        "POST",
        "/api/keys",
        Some(serde_json::to_string(request).unwrap_or_default()),
    )
    .await
}

/// `DELETE /api/keys/{id}`: revokes a key at once.
pub async fn revoke_key(id: &str) -> Result<(), ApiFailure> {
    let (status, text) = request("DELETE", &format!("/api/keys/{id}"), None).await?;
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(ApiFailure::from_response(status, &text))
    }
}

/// `GET /api/webhooks`: the endpoints, without their secrets.
pub async fn list_webhooks() -> Result<Vec<WebhookInfo>, ApiFailure> {
    call("GET", "/api/webhooks", None).await
}

/// `POST /api/webhooks`: a new endpoint, its secret in the answer only.
pub async fn create_webhook(request: &NewWebhook) -> Result<CreatedWebhook, ApiFailure> {
    call(
        "POST",
        "/api/webhooks",
        Some(serde_json::to_string(request).unwrap_or_default()),
    )
    .await
}

/// `DELETE /api/webhooks/{id}`: nothing more is sent to it.
pub async fn delete_webhook(id: &str) -> Result<(), ApiFailure> {
    let (status, text) = request("DELETE", &format!("/api/webhooks/{id}"), None).await?;
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(ApiFailure::from_response(status, &text))
    }
}

/// `GET /api/printers`: the kitchen printers with their states.
pub async fn list_printers() -> Result<Vec<PrinterInfo>, ApiFailure> {
    call("GET", "/api/printers", None).await
}

/// `POST /api/printers`: a new kitchen printer.
pub async fn create_printer(request: &NewPrinter) -> Result<PrinterInfo, ApiFailure> {
    call(
        "POST",
        "/api/printers",
        Some(serde_json::to_string(request).unwrap_or_default()),
    )
    .await
}

/// `DELETE /api/printers/{id}`: the printer and its waiting tickets go.
pub async fn delete_printer(id: &str) -> Result<(), ApiFailure> {
    let (status, text) = request("DELETE", &format!("/api/printers/{id}"), None).await?;
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(ApiFailure::from_response(status, &text))
    }
}

/// `POST /api/printers/{id}/test`: a test ticket is queued.
pub async fn test_printer(id: &str) -> Result<PrintQueued, ApiFailure> {
    call("POST", &format!("/api/printers/{id}/test"), None).await
}

/// `POST /api/orders/{id}/print`: a reprint is queued on every printer
/// that prints some of the order's items.
pub async fn reprint_order(id: Uuid) -> Result<PrintQueued, ApiFailure> {
    call("POST", &format!("/api/orders/{id}/print"), None).await
}

/// `GET /api/reports/prep-times?{query}`.
pub async fn prep_times(query: &str) -> Result<PrepTimesReport, ApiFailure> {
    call("GET", &format!("/api/reports/prep-times?{query}"), None).await
}

/// `GET /api/orders/history`: one page of the finished orders `q` finds.
pub async fn history(q: &str, page: u32) -> Result<HistoryPage, ApiFailure> {
    let q = String::from(js_sys::encode_uri_component(q));
    call(
        "GET",
        &format!("/api/orders/history?q={q}&page={page}&per_page=20"),
        None,
    )
    .await
}

/// A text made safe for a query string.
pub fn escape_query(text: &str) -> String {
    String::from(js_sys::encode_uri_component(text))
}

/// Marks one item of an order done (a station's bump) or not done again,
/// stating the version the station saw.
pub async fn bump_item(
    id: Uuid,
    index: usize,
    done: bool,
    expected_version: u64,
) -> Result<Order, ApiFailure> {
    let body = orderboard_model::ItemBumpRequest {
        done,
        expected_version: Some(expected_version),
    };
    call(
        "POST",
        &format!("/api/orders/{id}/items/{index}"),
        Some(serde_json::to_string(&body).unwrap_or_default()),
    )
    .await
}

/// The kitchen's shared settings.
pub async fn get_settings() -> Result<orderboard_model::Settings, ApiFailure> {
    call("GET", "/api/settings", None).await
}

/// Replaces the kitchen's shared settings; every staff screen gets them on its stream.
pub async fn put_settings(
    settings: &orderboard_model::Settings,
) -> Result<orderboard_model::Settings, ApiFailure> {
    call(
        "PUT",
        "/api/settings",
        Some(serde_json::to_string(settings).unwrap_or_default()),
    )
    .await
}

/// The menu.
pub async fn get_menu() -> Result<orderboard_model::Menu, ApiFailure> {
    call("GET", "/api/menu", None).await
}

/// Replaces the menu.
pub async fn put_menu(menu: &orderboard_model::Menu) -> Result<orderboard_model::Menu, ApiFailure> {
    call(
        "PUT",
        "/api/menu",
        Some(serde_json::to_string(menu).unwrap_or_default()),
    )
    .await
}
