//! The "Restaurant network" window: a small page, drawn by the shell itself
//! (no web UI, no IPC), that says whether the server listens on the network
//! and shows the board's address with a QR code a TV or tablet can scan.
//! It is served on the app's own `orderboard-info:` URL scheme.

use crate::desktop_state::DesktopState;
use crate::network::NetworkInfo;
use tauri::http::{Request, Response};
use tauri::{AppHandle, Manager, Runtime, WebviewUrl, WebviewWindowBuilder};

/// The URL scheme of the page.
pub const SCHEME: &str = "orderboard-info";
/// The window's label (no capability names it: it can call nothing).
pub const LABEL: &str = "network-info";

/// Answers every request on the scheme with the current network page.
pub fn respond<R: Runtime>(app: &AppHandle<R>, _request: Request<Vec<u8>>) -> Response<Vec<u8>> {
    let info = app.state::<DesktopState>().network_info();
    Response::builder()
        .header("Content-Type", "text/html; charset=utf-8")
        .header(
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
        )
        .body(render(&info).into_bytes())
        .expect("a static response is valid")
}

/// Shows the page, in a new window or by refreshing the open one.
pub fn show<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    if let Some(window) = app.get_webview_window(LABEL) {
        window.reload()?;
        return window.set_focus();
    }
    let url = format!("{SCHEME}://localhost/network")
        .parse()
        .expect("a valid URL");
    WebviewWindowBuilder::new(app, LABEL, WebviewUrl::CustomProtocol(url))
        .title("Orderboard: restaurant network")
        .inner_size(460.0, 560.0)
        .build()?;
    Ok(())
}

/// Refreshes the page if it is open (after the setting changed).
pub fn refresh<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window(LABEL) {
        let _ = window.reload();
    }
}

fn render(info: &NetworkInfo) -> String {
    let body = match (&info.restaurant_network, &info.board_url, &info.board_qr_svg) {
        (false, _, _) => format!(
            "<p>Orderboard listens on this computer only (port {}).</p>\
             <p>To show the board on a TV or tablet, turn on <b>Orderboard → Listen on the restaurant network</b>.</p>",
            info.port
        ),
        (true, Some(url), qr) => format!(
            "<p>Open this address on a TV, tablet or phone on the restaurant's network:</p>\
             <p class=url>{}</p><div class=qr>{}</div>\
             <p class=note>Other machines can watch the board and tracking pages; changing orders stays in this app.</p>",
            escape(url),
            qr.as_deref().unwrap_or("")
        ),
        (true, None, _) => format!(
            "<p>Orderboard listens on the restaurant network (port {}), but this computer has no network address right now.</p>",
            info.port
        ),
    };
    format!(
        "<!doctype html><html><head><meta charset=utf-8><title>Restaurant network</title><style>\
         body{{font:16px system-ui,sans-serif;margin:24px;color:#1f1a17;background:#fff8ee}}\
         h1{{font-size:20px;color:#b23a1e}} .url{{font:bold 20px monospace}} .qr svg{{width:260px;height:260px}}\
         .note{{color:#6b5a4e;font-size:14px}}</style></head>\
         <body><h1>Restaurant network</h1>{body}</body></html>"
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_how_to_turn_the_network_on_when_it_is_off() {
        let page = render(&NetworkInfo::new(false, 7878));
        assert!(page.contains("this computer only") && page.contains("7878"));
    }

    #[test]
    fn shows_the_address_and_code_when_on() {
        let info = NetworkInfo {
            restaurant_network: true,
            port: 7878,
            board_url: Some("http://192.168.1.20:7878/board".into()),
            board_qr_svg: Some("<svg>code</svg>".into()),
        };
        let page = render(&info);
        assert!(
            page.contains("http://192.168.1.20:7878/board") && page.contains("<svg>code</svg>")
        );
    }
}
