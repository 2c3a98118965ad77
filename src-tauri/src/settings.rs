//! The desktop app's own settings, kept as a small JSON file in the app's
//! data folder next to the database, so that a choice such as "listen on the
//! restaurant network" survives a restart and stays off until staff turn it on.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The file name, inside the app data folder.
pub const SETTINGS_FILE: &str = "desktop-settings.json";

/// Everything the desktop shell remembers between runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "snake_case")]
pub struct DesktopSettings {
    /// Listen on every interface (0.0.0.0) so that TVs, tablets and phones on
    /// the restaurant's network can open the board. Off by default.
    pub restaurant_network: bool,
}

/// Where the settings of one data folder live.
pub fn settings_path(data_dir: &Path) -> PathBuf {
    data_dir.join(SETTINGS_FILE)
}

impl DesktopSettings {
    /// Reads the settings; a missing file means the defaults, and an unreadable
    /// one is logged and replaced by the defaults rather than stopping the app.
    pub fn load(data_dir: &Path) -> DesktopSettings {
        let path = settings_path(data_dir);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|err| {
                tracing::warn!(file = %path.display(), %err, "unreadable desktop settings; using the defaults");
                DesktopSettings::default()
            }),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => DesktopSettings::default(),
            Err(err) => {
                tracing::warn!(file = %path.display(), %err, "cannot read desktop settings; using the defaults");
                DesktopSettings::default()
            }
        }
    }

    /// Writes the settings atomically (a temporary file renamed over the old
    /// one), so a crash mid-write never leaves half a file.
    pub fn save(&self, data_dir: &Path) -> anyhow::Result<()> {
        std::fs::create_dir_all(data_dir)?;
        let path = settings_path(data_dir);
        let temporary = path.with_extension("json.tmp");
        std::fs::write(&temporary, serde_json::to_vec_pretty(self)?)?;
        std::fs::rename(&temporary, &path)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restaurant_network_is_off_until_saved_on() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!DesktopSettings::load(dir.path()).restaurant_network);
        DesktopSettings {
            restaurant_network: true,
        }
        .save(dir.path())
        .unwrap();
        assert!(DesktopSettings::load(dir.path()).restaurant_network);
    }

    #[test]
    fn a_damaged_file_falls_back_to_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(settings_path(dir.path()), b"{not json").unwrap();
        assert_eq!(
            DesktopSettings::load(dir.path()),
            DesktopSettings::default()
        );
    }
}
