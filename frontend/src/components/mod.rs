//! Pieces of the pages that stand on their own. Only the connection badge,
//! the language switch and the ready alert are in the customer's build; the rest belong to the staff pages.

#[cfg(feature = "staff")]
pub mod api_keys_panel;
pub mod connection_badge;
#[cfg(feature = "staff")]
pub mod connection_wall;
#[cfg(feature = "staff")]
pub mod demo_control;
#[cfg(feature = "staff")]
pub mod drill_panel;
pub mod language_switch;
#[cfg(feature = "staff")]
pub mod line_chart;
#[cfg(feature = "staff")]
pub mod new_order_form;
#[cfg(feature = "staff")]
pub mod order_card;
#[cfg(feature = "staff")]
pub mod printers_panel;
pub mod ready_alert;
#[cfg(feature = "staff")]
pub mod settings_panel;
#[cfg(feature = "staff")]
pub mod staff_sign_in;
#[cfg(feature = "staff")]
pub mod tracking_dialog;
#[cfg(feature = "staff")]
pub mod webhooks_panel;
