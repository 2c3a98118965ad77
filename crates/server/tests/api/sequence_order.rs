//! One global, gap-free sequence on PostgreSQL (runs only there).
//!
//! A stream resumes from `Last-Event-ID`, and a node's log tailer reads
//! "everything after the last sequence number it saw". That is only sound
//! if sequence numbers commit in order. An auto-numbered column does not:
//! two transactions take 1 and 2, the second commits first, a reader sees 2
//! and moves its mark past 1, which then commits and is never read. The
//! first test shows that trap on a plain `BIGSERIAL` table; the others show
//! Orderboard's log (numbers handed out under the `log_head` row lock, held
//! until commit) never skipping, with two stores (as two nodes) writing at
//! once.

use crate::support::{on_postgres, open_database};
use futures_util::StreamExt;
use orderboard_model::{Channel, NewItem, NewOrder, Stage, StageChangeRequest};
use orderboard_server::feed::in_process::InProcessFeed;
use orderboard_server::feed::{ChangeFeed, Delivery};
use orderboard_server::store::{Database, OrderStore};
use sqlx::{PgPool, Postgres, Transaction};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

/// The database's pool, or `None` (the test then says it did not run).
async fn postgres(name: &str) -> Option<(tempfile::TempDir, PgPool)> {
    if !on_postgres() {
        eprintln!("skipped: runs on PostgreSQL only (scripts/with-postgres)");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let Database::Postgres(pool) = open_database(&dir.path().join(name)).await else {
        unreachable!("on PostgreSQL")
    };
    Some((dir, pool))
}

async fn insert(tx: &mut Transaction<'static, Postgres>, what: &str) -> i64 {
    sqlx::query_scalar("INSERT INTO plain_log (what) VALUES ($1) RETURNING seq")
        .bind(what)
        .fetch_one(&mut **tx)
        .await
        .unwrap()
}

/// What a tailer does: reads everything after its mark, in order, and
/// moves its mark to the last number read.
async fn read_after(pool: &PgPool, table: &str, mark: &mut i64) -> Vec<i64> {
    let seqs: Vec<i64> = sqlx::query_scalar(&format!(
        "SELECT seq FROM {table} WHERE seq > $1 ORDER BY seq"
    ))
    .bind(*mark)
    .fetch_all(pool)
    .await
    .unwrap();
    if let Some(last) = seqs.last() {
        *mark = *last;
    }
    seqs
}

#[tokio::test]
async fn a_plain_bigserial_reader_skips_a_number_that_commits_late() {
    let Some((_dir, pool)) = postgres("bigserial").await else {
        return;
    };
    sqlx::query("CREATE TABLE plain_log (seq BIGSERIAL PRIMARY KEY, what TEXT NOT NULL)")
        .execute(&pool)
        .await
        .unwrap();
    let mut slow = pool.begin().await.unwrap();
    let mut quick = pool.begin().await.unwrap();
    assert_eq!(insert(&mut slow, "slow").await, 1);
    assert_eq!(insert(&mut quick, "quick").await, 2);
    quick.commit().await.unwrap();

    let mut mark = 0;
    let mut read = read_after(&pool, "plain_log", &mut mark).await;
    slow.commit().await.unwrap();
    read.extend(read_after(&pool, "plain_log", &mut mark).await);

    let all: Vec<i64> = sqlx::query_scalar("SELECT seq FROM plain_log ORDER BY seq")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(all, vec![1, 2], "both are in the table");
    assert_eq!(
        read,
        vec![2],
        "the reader never sees 1: it committed after 2 was read"
    );
    eprintln!("plain BIGSERIAL: committed {all:?}, a reader after its mark read {read:?}: 1 is skipped for ever");
}

#[tokio::test]
async fn under_the_log_head_lock_a_later_number_waits_for_the_earlier_commit() {
    let Some((_dir, pool)) = postgres("log_head_lock").await else {
        return;
    };
    let store = OrderStore::new(pool.clone(), Arc::new(InProcessFeed::default()));
    let first = store.create(new_order("Ada")).await.unwrap();
    let mut mark = 0;
    assert_eq!(read_after(&pool, "events", &mut mark).await, vec![1]);

    // Another writer is mid-transaction: it holds the log_head row.
    let mut slow = pool.begin().await.unwrap();
    let head: i64 = sqlx::query_scalar("SELECT seq FROM log_head WHERE singleton = 1 FOR UPDATE")
        .fetch_one(&mut *slow)
        .await
        .unwrap();
    assert_eq!(head, 1);

    // Orderboard's writer cannot take a number meanwhile: its change stays
    // unanswered and nothing new is readable...
    let mut change = Box::pin(store.change_stage(
        first.id,
        StageChangeRequest {
            to: Stage::Preparing,
            expected_version: None,
        },
    ));
    assert!(
        tokio::time::timeout(Duration::from_millis(500), &mut change)
            .await
            .is_err(),
        "a write waits for the log_head row"
    );
    assert_eq!(
        read_after(&pool, "events", &mut mark).await,
        Vec::<i64>::new()
    );

    // ...until the other writer commits its number 2 (as Orderboard's writer
    // does: event, then head). Only then is 3 handed out, so a reader after
    // its mark sees 2 before 3 can exist.
    sqlx::query(
        "INSERT INTO events (seq, order_id, kind, from_stage, to_stage, at, order_json)
         SELECT 2, order_id, kind, from_stage, to_stage, at, order_json FROM events WHERE seq = 1",
    )
    .execute(&mut *slow)
    .await
    .unwrap();
    sqlx::query("UPDATE log_head SET seq = 2 WHERE singleton = 1")
        .execute(&mut *slow)
        .await
        .unwrap();
    slow.commit().await.unwrap();
    let moved = tokio::time::timeout(Duration::from_secs(10), change)
        .await
        .expect("the write goes on once the row is free")
        .unwrap();
    assert_eq!(moved.stage, Stage::Preparing);
    let mut read = read_after(&pool, "events", &mut mark).await;
    assert_eq!(read, vec![2, 3], "nothing skipped, in commit order");
    read.insert(0, 1);
    eprintln!("log_head lock: a second writer waited for the first; a reader after its mark read {read:?}");
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_writing_at_once_commit_one_gap_free_sequence_every_reader_sees_whole() {
    let Some((_dir, pool)) = postgres("two_stores").await else {
        return;
    };
    // Two stores on one database, each with its own feed: two nodes.
    let feeds = [
        Arc::new(InProcessFeed::new(4096)),
        Arc::new(InProcessFeed::new(4096)),
    ];
    let stores = [
        OrderStore::new(pool.clone(), feeds[0].clone()),
        OrderStore::new(pool.clone(), feeds[1].clone()),
    ];
    let subscriptions = feeds.map(|f| f.subscribe());

    // A reader polling the log after its mark, as fast as it can, the whole time.
    let done = Arc::new(tokio::sync::Notify::new());
    let reader = tokio::spawn({
        let (pool, done) = (pool.clone(), done.clone());
        async move {
            let mut mark = 0;
            let mut read = Vec::new();
            loop {
                let stop = done.notified();
                let batch = read_after(&pool, "events", &mut mark).await;
                read.extend(batch);
                if tokio::time::timeout(Duration::from_millis(2), stop)
                    .await
                    .is_ok()
                {
                    read.extend(read_after(&pool, "events", &mut mark).await);
                    return read;
                }
            }
        }
    });

    // Each store creates orders and walks them to the end, many at once.
    const ORDERS_PER_STORE: usize = 40;
    let path = &Channel::Pickup.path()[1..];
    let writers = stores.iter().enumerate().flat_map(|(n, store)| {
        (0..ORDERS_PER_STORE).map(move |i| async move {
            let order = store
                .create(new_order(&format!("node{n}-{i}")))
                .await
                .unwrap();
            for stage in path {
                store
                    .change_stage(
                        order.id,
                        StageChangeRequest {
                            to: *stage,
                            expected_version: None,
                        },
                    )
                    .await
                    .unwrap();
            }
            order.number
        })
    });
    let numbers: Vec<u32> = futures_util::future::join_all(writers).await;
    done.notify_one();
    let read = reader.await.unwrap();
    let total = 2 * ORDERS_PER_STORE * (1 + path.len());

    let logged: Vec<i64> = sqlx::query_scalar("SELECT seq FROM events ORDER BY seq")
        .fetch_all(&pool)
        .await
        .unwrap();
    let expected: Vec<i64> = (1..=total as i64).collect();
    assert_eq!(logged, expected, "one sequence, 1..{total}, no gaps");
    assert_eq!(read, expected, "a reader after its mark skipped nothing");

    // Every node's feed published the whole log, in order, once.
    for (n, mut subscription) in subscriptions.into_iter().enumerate() {
        let mut published = Vec::with_capacity(total);
        while published.len() < total {
            let delivery = tokio::time::timeout(Duration::from_secs(10), subscription.next())
                .await
                .expect("the tailer publishes every change")
                .unwrap();
            let Delivery::Change(change) = delivery else {
                panic!("the test's subscriber fell behind")
            };
            published.push(change.seq as i64);
        }
        assert_eq!(
            published, expected,
            "node {n} published 1..{total} in order"
        );
    }

    // Display numbers: fewer than 999 orders, so none may repeat.
    let distinct: HashSet<u32> = numbers.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        numbers.len(),
        "display numbers unique: {numbers:?}"
    );
    eprintln!(
        "two stores on one PostgreSQL: {total} changes committed as 1..{total}; \
         a polling reader and both nodes' feeds saw every one, in order, once"
    );
    for store in &stores {
        store.close().await;
    }
}

fn new_order(customer: &str) -> NewOrder {
    NewOrder {
        customer: Some(customer.into()),
        channel: Channel::Pickup,
        items: vec![NewItem::plain("Tea", 1)],
        note: None,
        external_ref: None,
        table: None,
        due_at: None,
    }
}
