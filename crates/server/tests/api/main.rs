//! Integration tests: the real server on 127.0.0.1:0, over a real SQLite
//! file, driven over real HTTP with a real SSE client. One module per resource.

#[path = "../common/nginx.rs"]
mod nginx;
mod support;

mod auth;
mod bad_input;
mod behind_proxy;
mod board_stream;
mod change_limit;
mod headless_binary;
mod layers;
mod limits;
mod listener_restart;
mod orders;
mod restart_and_shutdown;
mod retention;
mod staff_passphrase;
mod staff_stream;
mod stage_changes;
mod stream_lifecycle;
mod track;
mod transports;
mod workshop;
