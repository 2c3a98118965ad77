//! The dispatcher window's native menu: open customer displays (on a chosen
//! monitor when there are several), toggle a customer window's full screen,
//! the restaurant-network setting, About (the version) and quitting. Only
//! the dispatcher has a menu; customer windows stay bare for the screens
//! customers look at.

use crate::customer_windows::{self, CustomerPage, Placement};
use crate::desktop_state::DesktopState;
use crate::network_page;
use tauri::menu::{
    AboutMetadata, CheckMenuItem, Menu, MenuEvent, MenuItem, PredefinedMenuItem, Submenu,
};
use tauri::{AppHandle, Manager, PackageInfo, Runtime};

const OPEN_DISPLAY: &str = "open-customer-display";
const OPEN_DISPLAY_FULLSCREEN: &str = "open-customer-display-fullscreen";
const OPEN_DISPLAY_ON_MONITOR: &str = "open-customer-display-on-monitor-";
const TOGGLE_FULLSCREEN: &str = "toggle-customer-fullscreen";
const CLOSE_CUSTOMER_WINDOWS: &str = "close-customer-windows";
const RESTAURANT_NETWORK: &str = "restaurant-network";
const SHOW_NETWORK: &str = "show-restaurant-network";
const QUIT: &str = "quit";

/// Builds the menu for the monitors connected now.
pub fn build<R: Runtime>(app: &AppHandle<R>, restaurant_network: bool) -> tauri::Result<Menu<R>> {
    let app_menu = Submenu::with_items(
        app,
        "Orderboard",
        true,
        &[
            &CheckMenuItem::with_id(
                app,
                RESTAURANT_NETWORK,
                "Listen on the restaurant network",
                true,
                restaurant_network,
                None::<&str>,
            )?,
            &MenuItem::with_id(
                app,
                SHOW_NETWORK,
                "Show the board's network address…",
                true,
                None::<&str>,
            )?,
            &PredefinedMenuItem::separator(app)?,
            &PredefinedMenuItem::about(
                app,
                Some("About Orderboard"),
                Some(about(app.package_info())),
            )?,
            &MenuItem::with_id(app, QUIT, "Quit", true, Some("CmdOrCtrl+Q"))?,
        ],
    )?;

    let display_menu = Submenu::new(app, "Customer display", true)?;
    display_menu.append(&MenuItem::with_id(
        app,
        OPEN_DISPLAY,
        "Open customer display",
        true,
        Some("CmdOrCtrl+D"),
    )?)?;
    display_menu.append(&MenuItem::with_id(
        app,
        OPEN_DISPLAY_FULLSCREEN,
        "Open customer display in full screen",
        true,
        None::<&str>,
    )?)?;
    let monitors = customer_windows::monitors(app);
    if monitors.len() > 1 {
        display_menu.append(&PredefinedMenuItem::separator(app)?)?;
        for monitor in &monitors {
            let text = format!(
                "Open full screen on {} ({}×{}{})",
                monitor.name,
                monitor.width,
                monitor.height,
                if monitor.primary { ", primary" } else { "" }
            );
            display_menu.append(&MenuItem::with_id(
                app,
                format!("{OPEN_DISPLAY_ON_MONITOR}{}", monitor.index),
                text,
                true,
                None::<&str>,
            )?)?;
        }
    }
    display_menu.append(&PredefinedMenuItem::separator(app)?)?;
    display_menu.append(&MenuItem::with_id(
        app,
        TOGGLE_FULLSCREEN,
        "Toggle full screen of the last customer window",
        true,
        Some("F11"),
    )?)?;
    display_menu.append(&MenuItem::with_id(
        app,
        CLOSE_CUSTOMER_WINDOWS,
        "Close all customer windows",
        true,
        None::<&str>,
    )?)?;

    Menu::with_items(app, &[&app_menu, &display_menu])
}

/// What the About dialog says: the name and the version of the build (the
/// workspace's one version, also in `orderboard --version` and the server's
/// `/api/health`).
pub fn about(package: &PackageInfo) -> AboutMetadata<'static> {
    AboutMetadata {
        name: Some(package.name.clone()),
        version: Some(package.version.to_string()),
        comments: Some(package.description.to_string()),
        license: Some(env!("CARGO_PKG_LICENSE").to_string()),
        ..Default::default()
    }
}

/// Acts on a menu choice.
pub fn handle<R: Runtime>(app: &AppHandle<R>, event: MenuEvent) {
    let id = event.id().as_ref();
    let state = app.state::<DesktopState>();
    let open_board = |placement: Placement| {
        if let Err(err) = customer_windows::open(app, state.port(), &CustomerPage::Board, placement)
        {
            tracing::error!(%err, "could not open the customer display");
        }
    };
    match id {
        OPEN_DISPLAY => open_board(Placement::default()),
        OPEN_DISPLAY_FULLSCREEN => open_board(Placement {
            monitor: None,
            fullscreen: true,
        }),
        TOGGLE_FULLSCREEN => toggle_fullscreen(app, &state),
        CLOSE_CUSTOMER_WINDOWS => {
            for window in customer_windows::all(app) {
                let _ = window.close();
            }
        }
        RESTAURANT_NETWORK => {
            let enabled = !state.restaurant_network();
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                let state = app.state::<DesktopState>();
                if let Err(err) = crate::apply_restaurant_network(&app, &state, enabled).await {
                    tracing::error!(%err, "could not change the restaurant network setting");
                }
            });
        }
        SHOW_NETWORK => {
            if let Err(err) = network_page::show(app) {
                tracing::error!(%err, "could not show the restaurant network window");
            }
        }
        QUIT => app.exit(0),
        other => {
            if let Some(index) = other
                .strip_prefix(OPEN_DISPLAY_ON_MONITOR)
                .and_then(|i| i.parse().ok())
            {
                open_board(Placement {
                    monitor: Some(index),
                    fullscreen: true,
                });
            }
        }
    }
}

/// Full screen on or off for the customer window last in focus (or the
/// newest one).
fn toggle_fullscreen<R: Runtime>(app: &AppHandle<R>, state: &DesktopState) {
    let window = state
        .last_focused_customer()
        .and_then(|label| app.get_webview_window(&label))
        .or_else(|| {
            customer_windows::all(app)
                .into_iter()
                .max_by_key(|w| customer_number(w.label()))
        });
    if let Some(window) = window {
        let fullscreen = window.is_fullscreen().unwrap_or(false);
        let _ = window.set_fullscreen(!fullscreen);
    }
}

fn customer_number(label: &str) -> u32 {
    label
        .trim_start_matches(customer_windows::LABEL_PREFIX)
        .parse()
        .unwrap_or(0)
}

/// Keeps the check mark in step with the setting.
pub fn set_restaurant_network_checked<R: Runtime>(app: &AppHandle<R>, enabled: bool) {
    if let Some(menu) = app
        .get_webview_window(crate::DISPATCHER_LABEL)
        .and_then(|w| w.menu())
    {
        if let Some(item) = find_check_item(&menu, RESTAURANT_NETWORK) {
            let _ = item.set_checked(enabled);
        }
    }
}

fn find_check_item<R: Runtime>(menu: &Menu<R>, id: &str) -> Option<CheckMenuItem<R>> {
    for item in menu.items().ok()? {
        if let Some(submenu) = item.as_submenu() {
            if let Some(found) = submenu.get(id).and_then(|i| i.as_check_menuitem().cloned()) {
                return Some(found);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use tauri::PackageInfo;

    #[test]
    fn about_names_the_app_and_its_version() {
        let package = PackageInfo {
            name: "Orderboard".into(),
            version: "1.2.3".parse().expect("a version"),
            authors: "",
            description: "Live order status",
            crate_name: "orderboard",
        };
        let about = super::about(&package);
        assert_eq!(about.name.as_deref(), Some("Orderboard"));
        assert_eq!(about.version.as_deref(), Some("1.2.3"));
        assert_eq!(about.comments.as_deref(), Some("Live order status"));
    }

    /// The app's version (About, the installers' version) is the
    /// workspace's: tauri.conf.json must not name one of its own.
    #[test]
    fn the_app_has_the_workspace_version() {
        let config: serde_json::Value =
            serde_json::from_str(include_str!("../../tauri.conf.json")).expect("tauri.conf.json");
        assert_eq!(config.get("version"), None);
        assert_eq!(
            crate::version_line(),
            format!("orderboard {}", env!("CARGO_PKG_VERSION"))
        );
    }
}
