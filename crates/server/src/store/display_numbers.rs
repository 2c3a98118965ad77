//! Display numbers: the short number called out at the pass.
//!
//! Numbers go round 1 to 999, each new order taking the next one that no
//! active order holds, so a number is reused only long after its last order
//! finished. The database's partial unique index backs this up.
//!
//! The next free number is looked for in the database, candidate by
//! candidate from the last one handed out, each a lookup in that index.
//! Reading every active order's number instead made each new order cost
//! more the busier the kitchen was (about half a millisecond more with 850
//! orders active on SQLite). The query is the same on both databases; each
//! writer runs it inside its write transaction, so two nodes never hand out
//! the same number (on PostgreSQL they take the `log_head` lock first).

use super::rows::ACTIVE;
use std::sync::LazyLock;

pub const MAX_NUMBER: i64 = 999;

/// Candidates after the last number handed out, going round; the search
/// stops at the first that no active order holds, or after all of them.
pub static NEXT_FREE: LazyLock<String> = LazyLock::new(|| {
    let held = format!(
        "EXISTS (SELECT 1 FROM orders WHERE orders.number = candidate.number AND {ACTIVE})"
    );
    format!(
        "WITH RECURSIVE candidate(number, tried) AS ( \
             SELECT last % {MAX_NUMBER} + 1, 1 FROM display_number WHERE singleton = 1 \
             UNION ALL \
             SELECT number % {MAX_NUMBER} + 1, tried + 1 FROM candidate \
             WHERE tried < {MAX_NUMBER} AND {held} \
         ) \
         SELECT number FROM candidate WHERE NOT {held} LIMIT 1"
    )
});
