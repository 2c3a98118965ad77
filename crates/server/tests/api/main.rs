//! Integration tests: the real server on 127.0.0.1:0, over a real SQLite
//! file, driven over real HTTP with a real SSE client. One module per resource.
//!
//! With ORDERBOARD_TEST_DATABASE_URL set (scripts/with-postgres sets it), the
//! same tests run on PostgreSQL instead: each test's server gets a fresh
//! database of its own, so both backends keep one contract.

#[path = "../common/nginx.rs"]
mod nginx;
#[path = "../common/postgres.rs"]
mod postgres;
mod support;

mod api_keys;
mod auth;
mod bad_input;
mod behind_proxy;
mod board_stream;
mod busy_pool;
mod change_limit;
mod compression;
mod db_poll_lane;
mod dine_in;
mod drill;
mod export_csv;
mod external_ref;
mod headless_binary;
mod history;
mod idempotency;
mod item_bump;
mod layers;
mod limits;
mod listener_restart;
mod menu;
mod migration;
mod orders;
mod reports;
mod restart_and_shutdown;
mod retention;
mod scheduled;
mod sequence_order;
mod settings;
mod staff_passphrase;
mod staff_stream;
mod stage_changes;
mod stream_lifecycle;
mod track;
mod tracks;
mod transports;
mod two_nodes_integrations;
mod webhooks;
mod workshop;
