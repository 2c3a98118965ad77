//! `POST /api/orders/{id}/stage`: the stage machine, enforced over HTTP.

use crate::support::TestServer;
use orderboard_model::{ApiErrorBody, ChangeKind, Channel, ErrorCode, Order, Stage, StageMachine};
use orderboard_server::store::Database;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

#[tokio::test]
async fn pickup_and_delivery_run_their_paths() {
    let s = TestServer::start().await;
    for channel in Channel::ALL {
        let o = s.create(None, channel).await;
        let mut last = o.clone();
        for stage in &channel.path()[1..] {
            last = s.move_to(o.id, *stage).await;
        }
        assert_eq!(last.stage, *channel.path().last().unwrap());
        assert_eq!(last.version, channel.path().len() as u64);
        assert_eq!(
            last.history.iter().map(|h| h.stage).collect::<Vec<_>>(),
            channel.path()
        );
    }
    s.stop().await;
}

#[tokio::test]
async fn a_forbidden_move_answers_409_with_the_current_stage_and_allowed_targets() {
    let s = TestServer::start().await;
    let o = s.create(None, Channel::Pickup).await;
    let res = s.try_move(o.id, Stage::Collected, None).await;
    assert_eq!(res.status(), 409);
    let body: ApiErrorBody = res.json().await.unwrap();
    assert_eq!(body.error.code, ErrorCode::StageConflict);
    assert!(
        body.error.message.contains("received"),
        "{}",
        body.error.message
    );
    assert_eq!(body.error.order.unwrap().stage, Stage::Received);
    assert_eq!(
        body.error.allowed.unwrap(),
        vec![Stage::Preparing, Stage::Cancelled]
    );

    // Pickup orders never go out for delivery; staying put is not a change.
    s.move_to(o.id, Stage::Preparing).await;
    s.move_to(o.id, Stage::Ready).await;
    assert_eq!(
        s.try_move(o.id, Stage::OutForDelivery, None).await.status(),
        409
    );
    assert_eq!(s.try_move(o.id, Stage::Ready, None).await.status(), 409);
    s.stop().await;
}

#[tokio::test]
async fn recall_undoes_a_bump_even_from_a_final_stage() {
    let s = TestServer::start().await;
    let o = s.create(None, Channel::Pickup).await;
    for stage in [Stage::Preparing, Stage::Ready, Stage::Collected] {
        s.move_to(o.id, stage).await;
    }
    let back = s.move_to(o.id, Stage::Ready).await;
    assert_eq!(back.stage, Stage::Ready);
    assert_eq!(back.version, 5);
    // Cancelled orders come back to the stage they were cancelled from.
    s.move_to(o.id, Stage::Cancelled).await;
    assert_eq!(s.move_to(o.id, Stage::Ready).await.stage, Stage::Ready);
    s.stop().await;
}

#[tokio::test]
async fn a_stale_expected_version_answers_409() {
    let s = TestServer::start().await;
    let o = s.create(None, Channel::Pickup).await;
    assert_eq!(
        s.try_move(o.id, Stage::Preparing, Some(1)).await.status(),
        200
    );
    let res = s.try_move(o.id, Stage::Cancelled, Some(1)).await;
    assert_eq!(res.status(), 409);
    let body: ApiErrorBody = res.json().await.unwrap();
    assert_eq!(body.error.code, ErrorCode::VersionConflict);
    assert_eq!(body.error.order.unwrap().version, 2);
    s.stop().await;
}

#[tokio::test]
async fn of_two_concurrent_changes_to_one_order_one_gets_409() {
    let s = TestServer::start().await;
    for round in 0..10 {
        let o = s.create(None, Channel::Pickup).await;
        // Two dispatchers press at the same moment, one "advance", one "cancel".
        let (a, b) = tokio::join!(
            s.try_move(o.id, Stage::Preparing, Some(1)),
            s.try_move(o.id, Stage::Cancelled, Some(1)),
        );
        let mut statuses = vec![a.status().as_u16(), b.status().as_u16()];
        statuses.sort();
        assert_eq!(statuses, vec![200, 409], "round {round}");
        let loser = if a.status() == 409 { a } else { b };
        let body: ApiErrorBody = loser.json().await.unwrap();
        assert_eq!(body.error.code, ErrorCode::VersionConflict);
        let now: Order = s
            .http
            .get(s.url(&format!("/api/orders/{}", o.id)))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(now.version, 2, "exactly one change was applied");
    }
    s.stop().await;
}

#[tokio::test]
async fn a_recalled_order_cannot_take_a_number_now_in_use() {
    let s = TestServer::start().await;
    let first = s.create(None, Channel::Pickup).await;
    s.move_to(first.id, Stage::Cancelled).await;
    // The display number moves on: the next order is #2, not #1.
    assert_eq!(s.create(None, Channel::Pickup).await.number, 2);
    // Let the numbers come round (as after 999 orders), so #1 is handed out again.
    crate::on_database!(s.state.store.database(), pool => {
        sqlx::query("UPDATE display_number SET last = 999")
            .execute(pool)
            .await
            .unwrap();
    });
    let again = s.create(None, Channel::Pickup).await;
    assert_eq!(again.number, 1);
    let res = s.try_move(first.id, Stage::Received, None).await;
    assert_eq!(res.status(), 409);
    let body: ApiErrorBody = res.json().await.unwrap();
    assert_eq!(body.error.code, ErrorCode::NumberInUse);
    // Once the new #1 is finished, the old one can come back.
    s.move_to(again.id, Stage::Cancelled).await;
    assert_eq!(s.move_to(first.id, Stage::Received).await.number, 1);
    s.stop().await;
}

/// No sequence of requests reaches a stage the rules forbid: random targets
/// are sent to the real server, which must agree with the model's stage
/// machine on every single answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_requests_never_reach_a_forbidden_stage() {
    let s = TestServer::start().await;
    let handle = tokio::runtime::Handle::current();
    let mut runner = TestRunner::new(Config {
        cases: 24,
        ..Config::default()
    });
    let strategy = (
        any::<bool>(),
        proptest::collection::vec(proptest::sample::select(Stage::ALL.to_vec()), 1..25),
    );
    runner
        .run(&strategy, |(delivery, targets)| {
            tokio::task::block_in_place(|| {
                handle.block_on(async {
                    let channel = if delivery {
                        Channel::Delivery
                    } else {
                        Channel::Pickup
                    };
                    let o = s.create(None, channel).await;
                    let mut machine = StageMachine::new(channel);
                    let mut version = 1;
                    for to in targets {
                        let res = s.try_move(o.id, to, Some(version)).await;
                        match machine.check(to) {
                            Ok(t) => {
                                assert_eq!(res.status(), 200, "{:?} -> {to}", machine.stage);
                                let order: Order = res.json().await.unwrap();
                                assert_eq!(order.stage, to);
                                assert_ne!(t.kind, ChangeKind::Created);
                                machine = machine.apply(to).unwrap();
                                version += 1;
                                assert_eq!(order.version, version);
                            }
                            Err(_) => assert_eq!(res.status(), 409, "{:?} -> {to}", machine.stage),
                        }
                    }
                })
            });
            Ok(())
        })
        .unwrap();
    s.stop().await;
}

#[tokio::test]
async fn a_burst_of_changes_gets_one_sequence_number_each_in_the_log_and_as_published() {
    use futures_util::StreamExt;
    use orderboard_server::feed::Delivery;
    let s = TestServer::start().await;
    let orders: Vec<Order> =
        futures_util::future::join_all((0..40).map(|_| s.create(None, Channel::Pickup))).await;
    let mut feed = s.state.store.feed().subscribe();
    // Every order walked to the end at once: the writer takes many of these
    // changes in one batch, several of one order among them.
    let server = &s;
    let walks = orders.iter().map(|o| async move {
        for stage in &Channel::Pickup.path()[1..] {
            server.move_to(o.id, *stage).await;
        }
    });
    futures_util::future::join_all(walks).await;
    let made = 40 * (Channel::Pickup.path().len() - 1);

    // The log: one event per change, each order's in its path's order.
    let rows: Vec<(i64, String, String)> = crate::on_database!(s.state.store.database(), pool => {
        sqlx::query_as(
            "SELECT seq, order_id, to_stage FROM events WHERE kind <> 'created' ORDER BY seq",
        )
        .fetch_all(pool)
        .await
        .unwrap()
    });
    assert_eq!(rows.len(), made);
    for o in &orders {
        let stages: Vec<&str> = rows
            .iter()
            .filter(|r| r.1 == o.id.to_string())
            .map(|r| r.2.as_str())
            .collect();
        let path: Vec<&str> = Channel::Pickup.path()[1..]
            .iter()
            .map(|s| s.as_str())
            .collect();
        assert_eq!(stages, path);
    }
    // Published: the same sequence numbers, in order, each with its change.
    let mut published = Vec::new();
    while published.len() < made {
        let delivery = tokio::time::timeout(std::time::Duration::from_secs(10), feed.next())
            .await
            .unwrap()
            .unwrap();
        let Delivery::Change(change) = delivery else {
            panic!("the test's subscriber fell behind")
        };
        published.push((
            change.seq as i64,
            change.order_id().to_string(),
            change.change.to.as_str().to_string(),
        ));
    }
    assert_eq!(published, rows);
    s.stop().await;
}

/// The writer applies waiting writes as one transaction. If the database
/// refuses one of them halfway, the whole batch is rolled back: nothing of it
/// is stored or published, and every request in it fails. The writer then
/// goes on with a fresh connection, and the next write is stored as usual.
///
/// Which writes share a batch is made certain, not left to timing: on a
/// current-thread runtime the writer task cannot run while this test's task
/// is running, and the three writes are sent within one poll of this task
/// (outside tokio's cooperative budget, which could otherwise make it yield
/// between them). The writer, idle, then finds all three waiting and takes
/// them together.
#[tokio::test(flavor = "current_thread")]
async fn a_database_failure_mid_batch_rolls_back_the_whole_batch_and_writing_goes_on() {
    use futures_util::{FutureExt, StreamExt};
    use orderboard_model::{NewItem, NewOrder, StageChangeRequest};
    let s = TestServer::start().await;
    let store = s.state.store.clone();
    let new = |name: &str| NewOrder {
        customer: Some(name.into()),
        channel: Channel::Pickup,
        items: vec![NewItem::plain("Tea", 1)],
        note: None,
        external_ref: None,
        table: None,
        due_at: None,
    };
    let a = store.create(new("Ada")).await.unwrap();
    // The database refuses any change to an order for "Refused".
    match store.database() {
        Database::Sqlite(pool) => {
            sqlx::query(
                "CREATE TRIGGER refuse BEFORE INSERT ON events
                 WHEN json_extract(NEW.order_json, '$.customer') = 'Refused'
                 BEGIN SELECT RAISE(ABORT, 'refused'); END",
            )
            .execute(pool)
            .await
            .unwrap();
        }
        Database::Postgres(pool) => {
            sqlx::query(
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN
                     IF NEW.order_json::json ->> 'customer' = 'Refused' THEN
                         RAISE EXCEPTION 'refused';
                     END IF;
                     RETURN NEW;
                 END $$",
            )
            .execute(pool)
            .await
            .unwrap();
            sqlx::query(
                "CREATE TRIGGER refuse BEFORE INSERT ON events
                 FOR EACH ROW EXECUTE FUNCTION refuse()",
            )
            .execute(pool)
            .await
            .unwrap();
        }
    }
    let head = s.health().await.head_seq;
    let mut feed = store.feed().subscribe();

    // A stage change, the refused order, and an order after it: one batch.
    let (change, refused, other) = tokio::task::unconstrained(async {
        tokio::join!(
            store.change_stage(
                a.id,
                StageChangeRequest {
                    to: Stage::Preparing,
                    expected_version: None,
                },
            ),
            store.create(new("Refused")),
            store.create(new("Bob")),
        )
    })
    .await;
    assert!(refused.is_err());
    assert!(
        change.is_err() && other.is_err(),
        "the batch failed together: {change:?} {other:?}"
    );
    assert_eq!(s.health().await.head_seq, head, "nothing of it was stored");
    assert_eq!(
        store.get(a.id).await.unwrap().unwrap().stage,
        Stage::Received
    );
    let names: Vec<Option<String>> = crate::on_database!(store.database(), pool => {
        sqlx::query_scalar("SELECT customer FROM orders ORDER BY rowid")
            .fetch_all(pool)
            .await
            .unwrap()
    });
    assert_eq!(names, vec![Some("Ada".to_string())]);
    assert!(
        feed.next().now_or_never().is_none(),
        "nothing of the batch was published"
    );

    // Writing goes on.
    let moved = store
        .change_stage(
            a.id,
            StageChangeRequest {
                to: Stage::Preparing,
                expected_version: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(moved.stage, Stage::Preparing);
    assert_eq!(s.health().await.head_seq, head + 1);
    match feed.next().await {
        Some(orderboard_server::feed::Delivery::Change(change)) => assert_eq!(change.seq, head + 1),
        _ => panic!("the change was published"),
    }
    s.stop().await;
}
