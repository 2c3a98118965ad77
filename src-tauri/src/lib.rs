//! Orderboard's desktop app: the Orderboard server embedded in a Tauri v2
//! shell, on a database in the app's data folder, with the dispatcher in the
//! main window and any number of live customer windows.
//!
//! Start-up (`setup`): open the database, start the server on port 7878 (or a
//! free one), open the dispatcher on it. Quitting (`RunEvent::Exit`): stop the
//! server, wait for it, close the database.
#![forbid(unsafe_code)]

pub mod commands;
pub mod customer_windows;
pub mod desktop_state;
pub mod embedded_server;
pub mod menu;
pub mod network;
pub mod network_page;
pub mod settings;

use desktop_state::DesktopState;
use embedded_server::{EmbeddedServer, ListenScope};
use settings::DesktopSettings;
use tauri::{
    AppHandle, Manager, RunEvent, Runtime, Url, WebviewUrl, WebviewWindowBuilder, WindowEvent,
};

/// The main window's label; the only label a capability grants commands to.
pub const DISPATCHER_LABEL: &str = "dispatcher";

/// The database file, inside the app data folder.
pub const DATABASE_FILE: &str = "orderboard.db";

/// What `orderboard --version` prints: the workspace's one version, which
/// the About dialog, the packages and the server's `/api/health` show too.
pub fn version_line() -> String {
    format!("orderboard {}", env!("CARGO_PKG_VERSION"))
}

/// Runs the desktop app until it quits.
pub fn run() {
    init_logging();
    let app = tauri::Builder::default()
        // First: a second start hands over to the running app, which comes forward.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            tracing::info!("Orderboard was started again; showing the running app");
            if let Some(window) = app.get_webview_window(DISPATCHER_LABEL) {
                let _ = window.unminimize();
                let _ = window.show();
                let _ = window.set_focus();
            }
        }))
        .register_uri_scheme_protocol(network_page::SCHEME, |ctx, request| {
            network_page::respond(ctx.app_handle(), request)
        })
        .invoke_handler(tauri::generate_handler![
            commands::network_info,
            commands::set_restaurant_network,
            commands::list_monitors,
            commands::open_customer_display,
            commands::open_customer_view,
            commands::desktop_ticket,
        ])
        .on_menu_event(menu::handle)
        .on_window_event(|window, event| match event {
            WindowEvent::Focused(true) if customer_windows::is_customer_window(window.label()) => {
                window
                    .state::<DesktopState>()
                    .remember_focused_customer(window.label());
            }
            // The dispatcher is the app: closing it quits, customer windows too.
            WindowEvent::Destroyed if window.label() == DISPATCHER_LABEL => {
                window.app_handle().exit(0)
            }
            _ => {}
        })
        .setup(|app| {
            start(app.handle())?;
            Ok(())
        })
        .build(tauri::generate_context!("tauri.conf.json"))
        .expect("the Orderboard desktop app could not be built");

    app.run(|app, event| {
        if let RunEvent::Exit = event {
            if let Some(state) = app.try_state::<DesktopState>() {
                tauri::async_runtime::block_on(state.server.shut_down());
            }
        }
    });
}

/// Opens the database, starts the embedded server and the dispatcher window.
fn start(app: &AppHandle) -> anyhow::Result<()> {
    let data_dir = app.path().app_data_dir()?;
    let settings = DesktopSettings::load(&data_dir);
    let db_path = data_dir.join(DATABASE_FILE);
    let (server, port) = tauri::async_runtime::block_on(async {
        let server = EmbeddedServer::open(&db_path).await?;
        let scope = ListenScope::from_setting(settings.restaurant_network);
        let port = server
            .start(scope, embedded_server::preferred_port())
            .await?;
        anyhow::Ok((server, port))
    })?;
    app.manage(DesktopState::new(
        server,
        data_dir,
        port,
        settings.restaurant_network,
    ));
    // Ctrl-C in a terminal or SIGTERM (logout, shutdown, `kill`) quits like
    // the menu does: the server stops and the database closes cleanly.
    let app_to_quit = app.clone();
    tauri::async_runtime::spawn(async move {
        orderboard_server::shutdown::signal().await;
        tracing::info!("stop signal received; quitting");
        app_to_quit.exit(0);
    });
    open_dispatcher(app, port, settings.restaurant_network)?;
    Ok(())
}

fn open_dispatcher(app: &AppHandle, port: u16, restaurant_network: bool) -> tauri::Result<()> {
    let menu = menu::build(app, restaurant_network)?;
    let for_new_windows = app.clone();
    let for_navigation = app.clone();
    WebviewWindowBuilder::new(
        app,
        DISPATCHER_LABEL,
        WebviewUrl::External(server_url(port, "/")),
    )
    .title("Orderboard")
    .inner_size(1280.0, 800.0)
    .min_inner_size(800.0, 560.0)
    .menu(menu)
    .on_new_window(customer_windows::new_window_handler(
        app.clone(),
        move || for_new_windows.state::<DesktopState>().port(),
    ))
    // The dispatcher stays on the embedded server.
    .on_navigation(move |url| is_on_server(url, for_navigation.state::<DesktopState>().port()))
    .build()?;
    Ok(())
}

/// Switches the restaurant-network setting: saves it, restarts the listener,
/// and moves every window along if the port had to change.
pub(crate) async fn apply_restaurant_network<R: Runtime>(
    app: &AppHandle<R>,
    state: &DesktopState,
    enabled: bool,
) -> anyhow::Result<()> {
    let old_port = state.port();
    let new_port = state.set_restaurant_network(enabled).await?;
    if new_port != old_port {
        for (_, window) in app.webview_windows() {
            if let Ok(mut url) = window.url() {
                if is_on_server(&url, old_port) && url.set_port(Some(new_port)).is_ok() {
                    let _ = window.navigate(url);
                }
            }
        }
    }
    menu::set_restaurant_network_checked(app, enabled);
    network_page::refresh(app);
    Ok(())
}

/// `path` on the embedded server.
pub fn server_url(port: u16, path: &str) -> Url {
    format!("http://127.0.0.1:{port}{path}")
        .parse()
        .expect("a server URL is valid")
}

fn is_on_server(url: &Url, port: u16) -> bool {
    url.scheme() == "http" && url.host_str() == Some("127.0.0.1") && url.port() == Some(port)
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
