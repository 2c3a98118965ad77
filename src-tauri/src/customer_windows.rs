//! Customer windows: the board for a second monitor, or one order's tracking
//! page, each in a window of its own, any number at once, all fed live by the
//! embedded server over SSE.
//!
//! The web UI opens them with a plain `window.open('/board')` or
//! `window.open('/track/TOKEN')` (which also works in a browser); the
//! dispatcher window hands such requests here, and a real window labelled
//! `customer-<n>` opens. No capability names these labels, so customer
//! windows cannot call a single Tauri command.

use serde::Serialize;
use std::sync::atomic::{AtomicU32, Ordering};
use tauri::webview::NewWindowResponse;
use tauri::{AppHandle, Manager, Runtime, Url, WebviewUrl, WebviewWindow, WebviewWindowBuilder};

/// Every customer window's label starts with this.
pub const LABEL_PREFIX: &str = "customer-";

/// The pages a customer window may show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerPage {
    /// The board of every active order (`/board`).
    Board,
    /// One order's tracking page (`/track/{token}`).
    Track { token: String },
}

impl CustomerPage {
    /// The page a URL asks for, if it is one of ours on the embedded server.
    pub fn from_url(url: &Url, server_port: u16) -> Option<CustomerPage> {
        let ours = url.scheme() == "http"
            && matches!(url.host_str(), Some("127.0.0.1") | Some("localhost"))
            && url.port() == Some(server_port);
        if !ours {
            return None;
        }
        CustomerPage::from_path(url.path())
    }

    /// The page for a path such as `/board` or `/track/abc`.
    pub fn from_path(path: &str) -> Option<CustomerPage> {
        let path = path.trim_end_matches('/');
        if path == "/board" {
            return Some(CustomerPage::Board);
        }
        let token = path.strip_prefix("/track/")?;
        let plausible = !token.is_empty()
            && token.len() <= 128
            && token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        plausible.then(|| CustomerPage::Track {
            token: token.to_string(),
        })
    }

    pub fn path(&self) -> String {
        match self {
            CustomerPage::Board => "/board".to_string(),
            CustomerPage::Track { token } => format!("/track/{token}"),
        }
    }

    fn title(&self) -> &'static str {
        match self {
            CustomerPage::Board => "Orderboard: customer display",
            CustomerPage::Track { .. } => "Orderboard: your order",
        }
    }
}

/// Where and how a customer window opens.
#[derive(Debug, Clone, Copy, Default)]
pub struct Placement {
    /// Index into the list of monitors; `None` lets the system choose.
    pub monitor: Option<usize>,
    /// Start in full screen (on that monitor).
    pub fullscreen: bool,
}

/// A monitor as the dispatcher offers it.
#[derive(Debug, Clone, Serialize)]
pub struct MonitorChoice {
    pub index: usize,
    pub name: String,
    pub width: u32,
    pub height: u32,
    pub primary: bool,
}

/// The monitors connected now, in the system's order.
pub fn monitors<R: Runtime>(app: &AppHandle<R>) -> Vec<MonitorChoice> {
    let primary = app.primary_monitor().ok().flatten().map(|m| *m.position());
    app.available_monitors()
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(index, monitor)| MonitorChoice {
            index,
            name: monitor
                .name()
                .cloned()
                .unwrap_or_else(|| format!("Monitor {}", index + 1)),
            width: monitor.size().width,
            height: monitor.size().height,
            primary: Some(*monitor.position()) == primary,
        })
        .collect()
}

static NEXT_CUSTOMER_WINDOW: AtomicU32 = AtomicU32::new(1);

/// Tells a customer page that its window plays sound without a gesture.
const SOUND_FLAG_SCRIPT: &str =
    "window.__ORDERBOARD_DESKTOP__ = Object.freeze({ soundWithoutGesture: true });";

/// Lets a customer window play media without a user gesture: the board on a
/// TV on the wall chimes with nobody to tap it. WebKitGTK allows this for
/// the app's own windows (`media-playback-requires-user-gesture`).
#[cfg(target_os = "linux")]
fn allow_sound<R: Runtime>(window: &WebviewWindow<R>) {
    let applied = window.with_webview(|webview| {
        use webkit2gtk::{SettingsExt, WebViewExt};
        if let Some(settings) = webview.inner().settings() {
            settings.set_media_playback_requires_user_gesture(false);
        }
    });
    if let Err(err) = applied {
        tracing::warn!(%err, "could not let a customer window play sound without a touch");
    }
}

#[cfg(not(target_os = "linux"))]
fn allow_sound<R: Runtime>(_window: &WebviewWindow<R>) {}

/// Opens `page` in a new customer window.
pub fn open<R: Runtime>(
    app: &AppHandle<R>,
    server_port: u16,
    page: &CustomerPage,
    placement: Placement,
) -> tauri::Result<WebviewWindow<R>> {
    let label = format!(
        "{LABEL_PREFIX}{}",
        NEXT_CUSTOMER_WINDOW.fetch_add(1, Ordering::Relaxed)
    );
    let url: Url = format!("http://127.0.0.1:{server_port}{}", page.path())
        .parse()
        .expect("a customer page URL is valid");
    let mut builder = WebviewWindowBuilder::new(app, &label, WebviewUrl::External(url))
        .title(page.title())
        .inner_size(1024.0, 720.0)
        .min_inner_size(320.0, 240.0)
        // A customer window stays on its page: no links out, no pop-ups.
        .on_navigation(move |url| CustomerPage::from_url(url, server_port).is_some())
        .on_new_window(|_, _| NewWindowResponse::Deny)
        // The page learns that it may play sound without a touch (the
        // board then shows no "Tap to enable sound"): see `allow_sound`.
        .initialization_script(SOUND_FLAG_SCRIPT);
    if let Some(monitor) = placement
        .monitor
        .and_then(|i| app.available_monitors().ok()?.into_iter().nth(i))
    {
        let scale = monitor.scale_factor();
        let position = monitor.position();
        builder = builder.position(
            position.x as f64 / scale + 40.0,
            position.y as f64 / scale + 40.0,
        );
    }
    let window = builder.build()?;
    allow_sound(&window);
    if placement.fullscreen {
        window.set_fullscreen(true)?;
    }
    tracing::info!(%label, page = %page.path(), "customer window opened");
    Ok(window)
}

/// The handler the dispatcher window uses for `window.open`: our customer
/// pages open as customer windows; anything else is refused.
pub fn new_window_handler<R: Runtime>(
    app: AppHandle<R>,
    server_port: impl Fn() -> u16 + Send + 'static,
) -> impl Fn(Url, tauri::webview::NewWindowFeatures) -> NewWindowResponse<R> + Send + 'static {
    move |url, _features| {
        let port = server_port();
        match CustomerPage::from_url(&url, port) {
            Some(page) => {
                // Build the window after this callback returns, on the main loop.
                let app_for_window = app.clone();
                let _ = app.run_on_main_thread(move || {
                    if let Err(err) = open(&app_for_window, port, &page, Placement::default()) {
                        tracing::error!(%err, "could not open a customer window");
                    }
                });
            }
            None => {
                tracing::warn!(%url, "refused to open a window on a page that is not a customer page")
            }
        }
        NewWindowResponse::Deny
    }
}

/// Whether a window is a customer window.
pub fn is_customer_window(label: &str) -> bool {
    label.starts_with(LABEL_PREFIX)
}

/// Every open customer window.
pub fn all<R: Runtime>(app: &AppHandle<R>) -> Vec<WebviewWindow<R>> {
    app.webview_windows()
        .into_iter()
        .filter(|(label, _)| is_customer_window(label))
        .map(|(_, window)| window)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_pages_on_our_server_only() {
        let board: Url = "http://127.0.0.1:7878/board".parse().unwrap();
        assert_eq!(
            CustomerPage::from_url(&board, 7878),
            Some(CustomerPage::Board)
        );
        assert_eq!(CustomerPage::from_url(&board, 9999), None);
        let track: Url = "http://127.0.0.1:7878/track/Ab3_x-9".parse().unwrap();
        assert_eq!(
            CustomerPage::from_url(&track, 7878),
            Some(CustomerPage::Track {
                token: "Ab3_x-9".into()
            })
        );
        for refused in [
            "https://127.0.0.1:7878/board",
            "http://example.com:7878/board",
            "http://127.0.0.1:7878/",
            "http://127.0.0.1:7878/api/orders",
            "http://127.0.0.1:7878/track/",
            "http://127.0.0.1:7878/track/a/b",
        ] {
            assert_eq!(
                CustomerPage::from_url(&refused.parse().unwrap(), 7878),
                None,
                "{refused}"
            );
        }
    }
}
