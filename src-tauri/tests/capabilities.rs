//! Least privilege, checked on the files Tauri builds its access control from:
//! no capability reaches a customer window (`customer-<n>`) or the network
//! window, so they cannot call any command; the dispatcher gets the app's own
//! commands and nothing from Tauri's core or any plugin. The end-to-end test
//! (e2e-desktop/) checks the same thing at run time, from the windows.

use orderboard_desktop::{customer_windows, network_page, DISPATCHER_LABEL};
use serde_json::Value;
use std::path::Path;

fn capabilities() -> Vec<(String, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src-tauri/capabilities");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let value: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            found.push((path.display().to_string(), value));
        }
    }
    assert!(
        !found.is_empty(),
        "no capability files in {}",
        dir.display()
    );
    found
}

/// Tauri matches window labels against glob patterns; `*` is the only
/// wildcard these files could use to reach more windows than they name.
fn glob_matches(pattern: &str, label: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == label,
        Some((head, tail)) => {
            label.len() >= head.len()
                && label.starts_with(head)
                && (0..=label.len() - head.len())
                    .any(|i| glob_matches(tail, &label[head.len() + i..]))
        }
    }
}

fn patterns(capability: &Value) -> Vec<String> {
    ["windows", "webviews"]
        .iter()
        .flat_map(|key| capability[*key].as_array().cloned().unwrap_or_default())
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_glob_matcher_itself() {
    assert!(glob_matches("customer-*", "customer-3"));
    assert!(glob_matches("*", "customer-3"));
    assert!(glob_matches("c*r-*", "customer-3"));
    assert!(!glob_matches("dispatcher", "customer-3"));
}

#[test]
fn no_capability_reaches_a_customer_window_or_the_network_window() {
    let labels = [
        format!("{}1", customer_windows::LABEL_PREFIX),
        format!("{}42", customer_windows::LABEL_PREFIX),
        network_page::LABEL.to_string(),
    ];
    for (file, capability) in capabilities() {
        for pattern in patterns(&capability) {
            for label in &labels {
                assert!(
                    !glob_matches(&pattern, label),
                    "{file}: pattern {pattern:?} grants permissions to {label}"
                );
            }
        }
    }
}

#[test]
fn the_dispatcher_gets_only_the_apps_own_commands_on_the_embedded_server() {
    let caps = capabilities();
    let dispatcher: Vec<_> = caps
        .iter()
        .filter(|(_, c)| {
            patterns(c)
                .iter()
                .any(|p| glob_matches(p, DISPATCHER_LABEL))
        })
        .collect();
    assert_eq!(
        dispatcher.len(),
        1,
        "exactly one capability for the dispatcher"
    );
    let (file, capability) = dispatcher[0];
    assert_eq!(
        patterns(capability),
        vec![DISPATCHER_LABEL.to_string()],
        "{file}: the dispatcher only"
    );
    let urls = capability["remote"]["urls"]
        .as_array()
        .expect("remote.urls");
    assert_eq!(
        urls,
        &vec![Value::from("http://127.0.0.1:*")],
        "{file}: only the embedded server's origin"
    );

    let granted: Vec<&str> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    let expected: Vec<String> = orderboard_desktop::commands::COMMANDS
        .iter()
        .map(|c| format!("allow-{}", c.replace('_', "-")))
        .collect();
    assert_eq!(
        granted, expected,
        "{file}: one permission per app command, nothing else"
    );
}
