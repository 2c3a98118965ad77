//! Picking a new order's display number on SQLite, as part of its writes.

use super::one_round_trip::Writes;
use crate::store::display_numbers::NEXT_FREE;
use crate::store::StoreError;
use sqlx::SqliteConnection;

/// Picks the next free number; the write that records it joins `writes`.
pub async fn next_free(
    conn: &mut SqliteConnection,
    writes: &mut Writes,
) -> Result<u32, StoreError> {
    let free: Option<i64> = sqlx::query_scalar(NEXT_FREE.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    let Some(number) = free else {
        return Err(StoreError::NoFreeNumber);
    };
    writes.push(
        "UPDATE display_number SET last = ? WHERE singleton = 1",
        |b| {
            b.bind(number);
        },
    );
    Ok(number as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::in_process::InProcessFeed;
    use crate::store::OrderStore;
    use orderboard_model::{Channel, NewItem, NewOrder, Stage, StageChangeRequest};
    use std::sync::Arc;

    async fn store() -> (tempfile::TempDir, OrderStore) {
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::db::open(&dir.path().join("numbers.db"))
            .await
            .unwrap();
        (
            dir,
            OrderStore::new(pool, Arc::new(InProcessFeed::default())),
        )
    }

    async fn create(store: &OrderStore) -> Result<u32, StoreError> {
        let new = NewOrder {
            customer: None,
            channel: Channel::Pickup,
            items: vec![NewItem::plain("Chips", 1)],
            note: None,
            external_ref: None,
            table: None,
            due_at: None,
        };
        store.create(new).await.map(|order| order.number)
    }

    async fn set_last(store: &OrderStore, last: i64) {
        sqlx::query("UPDATE display_number SET last = ?")
            .bind(last)
            .execute(store.database().sqlite().unwrap())
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn numbers_go_round_and_skip_those_active_orders_hold() {
        let (_dir, store) = store().await;
        assert_eq!(create(&store).await.unwrap(), 1);
        let first = store.list_active(None).await.unwrap()[0].id;
        assert_eq!(create(&store).await.unwrap(), 2);
        assert_eq!(create(&store).await.unwrap(), 3);
        // #1 finishes; #2 and #3 stay in the kitchen.
        let cancel = StageChangeRequest {
            to: Stage::Cancelled,
            expected_version: None,
        };
        store.change_stage(first, cancel).await.unwrap();

        set_last(&store, 997).await;
        assert_eq!(create(&store).await.unwrap(), 998);
        assert_eq!(create(&store).await.unwrap(), 999);
        // Round again: #1 is free, #2 and #3 are held.
        assert_eq!(create(&store).await.unwrap(), 1);
        assert_eq!(create(&store).await.unwrap(), 4);
    }

    #[tokio::test]
    async fn with_every_number_held_a_new_order_is_refused_until_one_frees() {
        let (_dir, store) = store().await;
        // 999 active orders, written straight to the table.
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 999) \
             INSERT INTO orders (id, number, channel, items, stage, version, created_at, updated_at, tracking_token) \
             SELECT 'order-' || i, i, 'pickup', '[]', 'preparing', 1, 0, 0, 'token-' || i FROM n",
        )
        .execute(store.database().sqlite().unwrap())
        .await
        .unwrap();
        set_last(&store, 500).await;
        assert!(matches!(
            create(&store).await,
            Err(StoreError::NoFreeNumber)
        ));

        sqlx::query("UPDATE orders SET stage = 'collected' WHERE number = 250")
            .execute(store.database().sqlite().unwrap())
            .await
            .unwrap();
        assert_eq!(create(&store).await.unwrap(), 250);
        assert!(matches!(
            create(&store).await,
            Err(StoreError::NoFreeNumber)
        ));
    }

    #[tokio::test]
    async fn the_search_looks_numbers_up_in_the_active_number_index() {
        use sqlx::Row;
        let (_dir, store) = store().await;
        let plan: Vec<String> = sqlx::query(&format!("EXPLAIN QUERY PLAN {}", NEXT_FREE.as_str()))
            .fetch_all(store.database().sqlite().unwrap())
            .await
            .unwrap()
            .iter()
            .map(|row| row.get("detail"))
            .collect();
        println!("{plan:#?}");
        assert!(
            plan.iter().any(|d| d.contains("orders_active_number")),
            "{plan:?}"
        );
        assert!(
            !plan.iter().any(|d| d.starts_with("SCAN orders")),
            "{plan:?}"
        );
    }
}
