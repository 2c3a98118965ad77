//! What the desktop shell keeps for its whole run, in Tauri's managed state:
//! the embedded server, the data folder, and the few facts windows and menus
//! read without waiting (the port, the network setting, the customer window
//! last in focus).

use crate::embedded_server::{EmbeddedServer, ListenScope};
use crate::network::NetworkInfo;
use crate::settings::DesktopSettings;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

pub struct DesktopState {
    pub server: Arc<EmbeddedServer>,
    pub data_dir: PathBuf,
    port: AtomicU16,
    restaurant_network: AtomicBool,
    last_focused_customer: Mutex<Option<String>>,
}

impl DesktopState {
    pub fn new(
        server: Arc<EmbeddedServer>,
        data_dir: PathBuf,
        port: u16,
        restaurant_network: bool,
    ) -> Self {
        DesktopState {
            server,
            data_dir,
            port: AtomicU16::new(port),
            restaurant_network: AtomicBool::new(restaurant_network),
            last_focused_customer: Mutex::new(None),
        }
    }

    /// The port the embedded server listens on now.
    pub fn port(&self) -> u16 {
        self.port.load(Ordering::SeqCst)
    }

    pub fn restaurant_network(&self) -> bool {
        self.restaurant_network.load(Ordering::SeqCst)
    }

    pub fn network_info(&self) -> NetworkInfo {
        NetworkInfo::new(self.restaurant_network(), self.port())
    }

    /// Saves the network setting and restarts the listener on the new scope
    /// (same port when it is free). Returns the port now in use.
    pub async fn set_restaurant_network(&self, enabled: bool) -> anyhow::Result<u16> {
        DesktopSettings {
            restaurant_network: enabled,
        }
        .save(&self.data_dir)?;
        let port = self
            .server
            .start(ListenScope::from_setting(enabled), self.port())
            .await?;
        self.restaurant_network.store(enabled, Ordering::SeqCst);
        self.port.store(port, Ordering::SeqCst);
        Ok(port)
    }

    pub fn remember_focused_customer(&self, label: &str) {
        *self.last_focused_customer.lock().unwrap() = Some(label.to_string());
    }

    pub fn last_focused_customer(&self) -> Option<String> {
        self.last_focused_customer.lock().unwrap().clone()
    }
}
