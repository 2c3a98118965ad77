// The dispatcher's Tauri commands by name: read by `build.rs` (the app's ACL
// manifest, which makes every command subject to capabilities) and by
// `commands.rs`. One list, so the two cannot drift apart.
pub const COMMANDS: &[&str] =
    &["network_info", "set_restaurant_network", "list_monitors", "open_customer_display", "open_customer_view", "desktop_ticket"];
