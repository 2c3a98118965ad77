//! Each page's state and the pure rules that change it.
//!
//! The pages feed stream messages, API answers and key presses in; these
//! modules answer with the new state. Nothing here touches the browser.

pub mod age;
pub mod api_failure;
pub mod api_keys;
pub mod board_fit;
pub mod board_settings;
pub mod board_state;
pub mod chart;
pub mod comparison_form;
pub mod connection;
pub mod connection_wall;
pub mod demo_form;
pub mod drill_view;
pub mod kitchen_form;
pub mod labels;
pub mod list_panel;
pub mod new_order_form;
pub mod numbers;
pub mod printers;
pub mod ready_alert;
pub mod report_summary;
pub mod reports_view;
pub mod sample_history;
pub mod selection;
pub mod settings;
pub mod staff_state;
pub mod station_view;
pub mod stream_message;
pub mod time_fmt;
pub mod track_state;
pub mod transports;
pub mod webhooks;
pub mod workshop_state;

#[cfg(test)]
pub(crate) mod fixtures;
