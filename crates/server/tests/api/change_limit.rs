//! One order takes at most `MAX_CHANGES` changes: each is kept in the event
//! log with the order's whole state, so an order moved back and forth
//! without end would make every new event larger than the last.

use crate::support::TestServer;
use orderboard_model::order::MAX_CHANGES;
use orderboard_model::{ApiErrorBody, Channel, ErrorCode, Stage};

#[tokio::test]
async fn an_order_past_its_limit_of_changes_is_refused_with_its_state_and_others_go_on() {
    let s = TestServer::start().await;
    let order = s.create(Some("Ada"), Channel::Pickup).await;
    for i in 0..MAX_CHANGES {
        let to = if i % 2 == 0 {
            Stage::Preparing
        } else {
            Stage::Received
        };
        s.move_to(order.id, to).await;
    }
    let res = s.try_move(order.id, Stage::Ready, None).await;
    assert_eq!(res.status(), 409);
    let body: ApiErrorBody = res.json().await.unwrap();
    assert_eq!(body.error.code, ErrorCode::TooManyChanges);
    let real = body.error.order.expect("the order's real state");
    assert_eq!(real.version, MAX_CHANGES + 1);
    assert_eq!(real.history.len() as u64, MAX_CHANGES + 1);
    assert!(
        body.error.message.contains("100 changes"),
        "{}",
        body.error.message
    );

    // Nothing was written for the refused change, and other orders move on.
    let head = s.health().await.head_seq;
    let other = s.create(None, Channel::Delivery).await;
    s.move_to(other.id, Stage::Preparing).await;
    assert_eq!(s.health().await.head_seq, head + 2);
    s.stop().await;
}
