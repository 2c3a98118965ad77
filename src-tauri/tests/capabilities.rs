//! Least privilege, checked with Tauri's own access control rather than a
//! reading of the capability files: `tauri::generate_context!` builds the
//! runtime authority from this app's capability files and command manifest,
//! as the app does in lib.rs, and the test asks it what Tauri asks on every
//! IPC call (`RuntimeAuthority::resolve_access`: this command, from a window
//! and webview with this label, on a page of this origin). The labels are
//! the ones the app gives its windows.
//!
//! No command, of the app, of Tauri's core or of any plugin, is allowed in a
//! customer window (`customer-<n>`) or the network window. The dispatcher may
//! call the app's own commands, on the embedded server's origin only, and
//! nothing else. The end-to-end test (e2e-desktop/) checks the same thing at
//! run time, from the windows.

use orderboard_desktop::commands::COMMANDS;
use orderboard_desktop::{customer_windows, network_page, server_url, DISPATCHER_LABEL};
use std::collections::BTreeMap;
use tauri::ipc::Origin;
use tauri::utils::acl::manifest::Manifest;
use tauri::utils::acl::{ACL_MANIFESTS_FILE_NAME, APP_ACL_KEY};

/// The app's context, with the runtime authority Tauri enforces.
fn context() -> tauri::Context<tauri::Wry> {
    tauri::generate_context!("tauri.conf.json")
}

/// Whether Tauri would run `command` for a page of `origin` in the window
/// (and webview) labelled `label`.
fn allowed(
    context: &mut tauri::Context<tauri::Wry>,
    command: &str,
    label: &str,
    origin: &Origin,
) -> bool {
    context
        .runtime_authority_mut()
        .resolve_access(command, label, label, origin)
        .is_some()
}

/// Every command that any permission known to the app names, as the IPC
/// names it: the app's own (`network_info`), Tauri's core
/// (`plugin:window|close`) and the plugins' (`plugin:single-instance|…`).
/// Read from the manifests tauri-build wrote for this build.
fn every_command() -> Vec<String> {
    let path = std::path::Path::new(env!("OUT_DIR")).join(ACL_MANIFESTS_FILE_NAME);
    let manifests: BTreeMap<String, Manifest> =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let mut commands: Vec<String> = manifests
        .iter()
        .flat_map(|(key, manifest)| {
            manifest.permissions.values().flat_map(move |permission| {
                let names = permission.commands.allow.iter();
                names.chain(&permission.commands.deny).map(move |command| {
                    if key == APP_ACL_KEY {
                        command.clone()
                    } else {
                        let plugin = key.strip_prefix("core:").unwrap_or(key);
                        format!("plugin:{plugin}|{command}")
                    }
                })
            })
        })
        .collect();
    commands.sort();
    commands.dedup();
    for command in COMMANDS {
        assert!(
            commands.iter().any(|c| c == command),
            "{command} is in the app's manifest"
        );
    }
    assert!(
        commands.iter().any(|c| c == "plugin:window|close"),
        "Tauri's core permissions are in the manifests"
    );
    commands
}

/// Pages as the app opens them: the dispatcher and customer windows on the
/// embedded server (port 7878, or another one if that is taken), the
/// network window on its own scheme (local to Tauri: a registered protocol).
fn server_pages() -> Vec<Origin> {
    [7878, 49152]
        .into_iter()
        .flat_map(|port| ["/", "/board", "/track/abc"].map(|path| server_url(port, path)))
        .map(|url| Origin::Remote { url })
        .collect()
}

/// Every other origin a page could have: Tauri's own (local), the network
/// window's scheme, the embedded server reached over the restaurant network,
/// and the web.
fn other_origins() -> Vec<Origin> {
    let mut origins = vec![Origin::Local];
    for url in [
        format!("{}://localhost/network", network_page::SCHEME),
        "http://192.168.1.20:7878/".into(),
        "https://example.com/".into(),
    ] {
        origins.push(Origin::Remote {
            url: url.parse().unwrap(),
        });
    }
    origins
}

#[test]
fn no_command_is_allowed_in_a_customer_window_or_the_network_window() {
    let mut context = context();
    let labels = [
        format!("{}1", customer_windows::LABEL_PREFIX),
        format!("{}42", customer_windows::LABEL_PREFIX),
        network_page::LABEL.to_string(),
    ];
    for command in every_command() {
        for label in &labels {
            for origin in server_pages().into_iter().chain(other_origins()) {
                assert!(
                    !allowed(&mut context, &command, label, &origin),
                    "{command} is allowed in the window {label} on {origin}"
                );
            }
        }
    }
}

#[test]
fn the_dispatcher_may_call_the_apps_own_commands_on_the_embedded_server_only() {
    let mut context = context();
    for command in every_command() {
        let own = COMMANDS.contains(&command.as_str());
        for origin in server_pages() {
            assert_eq!(
                allowed(&mut context, &command, DISPATCHER_LABEL, &origin),
                own,
                "{command} in the dispatcher on {origin}"
            );
        }
        // Not Tauri's local origin: dispatcher.json leaves `local` at its
        // default (true), so the app's commands would be allowed there; the
        // dispatcher never shows a local page, as its navigation handler
        // (lib.rs) keeps it on the embedded server.
        for origin in other_origins()
            .into_iter()
            .filter(|o| !matches!(o, Origin::Local))
        {
            assert!(
                !allowed(&mut context, &command, DISPATCHER_LABEL, &origin),
                "{command} is allowed in the dispatcher on {origin}"
            );
        }
        // Another window, whatever its label, gets nothing either.
        for label in ["main", "dispatcher-2", "Dispatcher"] {
            assert!(
                !allowed(&mut context, &command, label, &server_pages()[0]),
                "{command} is allowed in a window labelled {label}"
            );
        }
    }
}
