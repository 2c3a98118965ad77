//! Rebuilds the server when a migration is added: `sqlx::migrate!` embeds the
//! files of `migrations/`, and cargo would not notice a new one by itself.

fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
