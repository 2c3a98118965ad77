//! Changes go on while streams hold every connection of a node's pool (runs
//! on PostgreSQL only).
//!
//! When a node of several dies, its screens all resume on the others at
//! once, and each resume reads the log through the node's shared pool:
//! thousands of them can hold every connection for seconds. The node's
//! writer and log tailer keep connections of their own, so staff changes
//! are still written and still reach every open stream meanwhile.

use crate::support::{on_postgres, open_database};
use futures_util::StreamExt;
use orderboard_model::{Channel, NewItem, NewOrder, Stage, StageChangeRequest};
use orderboard_server::feed::in_process::InProcessFeed;
use orderboard_server::feed::{ChangeFeed, Delivery};
use orderboard_server::store::{Database, OrderStore};
use std::sync::Arc;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_is_written_and_published_while_every_shared_connection_is_held() {
    if !on_postgres() {
        eprintln!("skipped: runs on PostgreSQL only (scripts/with-postgres)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let Database::Postgres(pool) = open_database(&dir.path().join("busy_pool")).await else {
        unreachable!("on PostgreSQL")
    };
    let feed = Arc::new(InProcessFeed::default());
    let store = OrderStore::new(pool.clone(), feed.clone());
    let mut subscription = feed.subscribe();
    let order = store
        .create(NewOrder {
            customer: Some("Ada".into()),
            channel: Channel::Pickup,
            items: vec![NewItem::plain("Soup", 1)],
            note: None,
            external_ref: None,
            table: None,
            due_at: None,
        })
        .await
        .unwrap();

    // Every connection of the shared pool is taken, as by resuming streams:
    // whatever can be had within a second, until none is left.
    let size = pool.options().get_max_connections();
    let mut held = Vec::new();
    while let Ok(Ok(conn)) = tokio::time::timeout(Duration::from_secs(1), pool.acquire()).await {
        held.push(conn);
    }
    assert!(!held.is_empty() && held.len() <= size as usize);

    let moved = tokio::time::timeout(
        Duration::from_secs(10),
        store.change_stage(
            order.id,
            StageChangeRequest {
                to: Stage::Preparing,
                expected_version: None,
            },
        ),
    )
    .await
    .expect("the change is answered")
    .expect("the change is written, not refused for want of a connection");
    assert_eq!(moved.stage, Stage::Preparing);

    // The feed (fed on PostgreSQL by the log tailer alone) carries it.
    let mut published = Vec::new();
    while published.len() < 2 {
        let next = tokio::time::timeout(Duration::from_secs(10), subscription.next())
            .await
            .expect("the tailer publishes while the shared pool is dry")
            .expect("the feed is open");
        let Delivery::Change(change) = next else {
            panic!("the test's subscriber fell behind")
        };
        published.push(change.event().order.stage);
    }
    assert_eq!(published, vec![Stage::Received, Stage::Preparing]);
    eprintln!(
        "{} of {size} shared connections held (all there were): the change was written and published through the log pool",
        held.len()
    );
    drop(held);
    store.close().await;
}
