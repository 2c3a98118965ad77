//! The Tauri commands the dispatcher window may call, and only it: the
//! capability `src-tauri/capabilities/dispatcher.json` grants them to the
//! window labelled `dispatcher` on the embedded server's origin. Customer
//! windows get none.

use crate::customer_windows::{self, CustomerPage, MonitorChoice, Placement};
use crate::desktop_state::DesktopState;
use crate::network::NetworkInfo;
use tauri::{AppHandle, State};

include!("command_names.rs");

/// Whether the server listens on the restaurant network; if so, the board's
/// address there and its QR code.
#[tauri::command]
pub fn network_info(state: State<'_, DesktopState>) -> NetworkInfo {
    state.network_info()
}

/// Turns listening on the restaurant network on or off (saved for next time).
#[tauri::command]
pub async fn set_restaurant_network(
    app: AppHandle,
    state: State<'_, DesktopState>,
    enabled: bool,
) -> Result<NetworkInfo, String> {
    crate::apply_restaurant_network(&app, &state, enabled)
        .await
        .map_err(|err| err.to_string())?;
    Ok(state.network_info())
}

/// The monitors a customer display can open on.
#[tauri::command]
pub fn list_monitors(app: AppHandle) -> Vec<MonitorChoice> {
    customer_windows::monitors(&app)
}

/// Opens the board in a new customer window, optionally on a given monitor
/// and in full screen.
#[tauri::command]
pub fn open_customer_display(
    app: AppHandle,
    state: State<'_, DesktopState>,
    monitor: Option<usize>,
    fullscreen: Option<bool>,
) -> Result<String, String> {
    let placement = Placement {
        monitor,
        fullscreen: fullscreen.unwrap_or(false),
    };
    customer_windows::open(&app, state.port(), &CustomerPage::Board, placement)
        .map(|window| window.label().to_string())
        .map_err(|err| err.to_string())
}

/// Opens one order's tracking page in a new customer window.
#[tauri::command]
pub fn open_customer_view(
    app: AppHandle,
    state: State<'_, DesktopState>,
    token: String,
) -> Result<String, String> {
    let page = CustomerPage::from_path(&format!("/track/{token}")).ok_or("not a tracking token")?;
    customer_windows::open(&app, state.port(), &page, Placement::default())
        .map(|window| window.label().to_string())
        .map_err(|err| err.to_string())
}

/// A one-time ticket, valid for a minute, with which the dispatcher window
/// signs itself in when a staff passphrase is set: the page trades it for the
/// session cookie at `POST /api/session/desktop`. Handed over through the
/// bridge, never in a URL.
#[tauri::command]
pub fn desktop_ticket(state: State<'_, DesktopState>) -> String {
    state.server.state().sessions.issue_desktop_ticket()
}
