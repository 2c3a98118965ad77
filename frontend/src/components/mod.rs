//! Pieces of the pages that stand on their own.

pub mod connection_badge;
pub mod connection_wall;
pub mod demo_control;
pub mod line_chart;
pub mod new_order_form;
pub mod order_card;
pub mod settings_panel;
pub mod staff_sign_in;
pub mod tracking_dialog;
