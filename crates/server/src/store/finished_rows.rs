//! Reading finished orders (collected, delivered or cancelled), on either
//! database: the rows of reports, exports and the history search.
//!
//! An order is finished when it is not active; it finished at its
//! `updated_at` (its last change, the move to its final stage), which is
//! what ranges select on (the `orders_by_update` index).

use super::database::on_conn;
use super::database::Conn;
use super::order_rows::select_orders;
use super::rows::{order_from_row, ACTIVE};
use orderboard_model::Order;

/// Finished orders, finished in `[from_ms, to_ms)` (Unix milliseconds),
/// oldest first, at most `limit`.
pub async fn finished_between(
    conn: Conn<'_>,
    from_ms: i64,
    to_ms: i64,
    limit: i64,
) -> Result<Vec<Order>, sqlx::Error> {
    let sql = format!(
        "{} WHERE NOT ({ACTIVE}) AND updated_at >= $1 AND updated_at < $2
         ORDER BY updated_at, rowid LIMIT $3",
        select_orders(conn.dialect())
    );
    on_conn!(conn, c => {
        sqlx::query(&sql)
            .bind(from_ms)
            .bind(to_ms)
            .bind(limit)
            .fetch_all(c)
            .await?
            .iter()
            .map(order_from_row)
            .collect()
    })
}

/// What a history search matches; every part given must match.
#[derive(Debug, Clone, Default)]
pub struct HistorySearch {
    /// Matches the display number exactly (when it is one), a part of the
    /// customer's name whatever its case, or the external reference's id.
    pub text: Option<String>,
    /// Finished at or after (Unix milliseconds).
    pub from_ms: Option<i64>,
    /// Finished before (Unix milliseconds).
    pub to_ms: Option<i64>,
}

/// A query argument: the searches bind a varying list of them.
enum Arg {
    Int(i64),
    Text(String),
}

impl HistorySearch {
    /// The `WHERE` condition and its arguments (`$1`…).
    fn condition(&self) -> (String, Vec<Arg>) {
        let mut clauses = vec![format!("NOT ({ACTIVE})")];
        let mut args = Vec::new();
        let next = |arg: Arg, args: &mut Vec<Arg>| {
            args.push(arg);
            format!("${}", args.len())
        };
        if let Some(from) = self.from_ms {
            clauses.push(format!("updated_at >= {}", next(Arg::Int(from), &mut args)));
        }
        if let Some(to) = self.to_ms {
            clauses.push(format!("updated_at < {}", next(Arg::Int(to), &mut args)));
        }
        if let Some(text) = &self.text {
            let mut any = Vec::new();
            if let Ok(number) = text.parse::<u32>() {
                any.push(format!(
                    "number = {}",
                    next(Arg::Int(number as i64), &mut args)
                ));
            }
            let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
            any.push(format!(
                "LOWER(customer) LIKE {} ESCAPE '\\'",
                next(Arg::Text(pattern), &mut args)
            ));
            any.push(format!(
                "external_id = {}",
                next(Arg::Text(text.clone()), &mut args)
            ));
            clauses.push(format!("({})", any.join(" OR ")));
        }
        (clauses.join(" AND "), args)
    }
}

/// `text` with LIKE's wildcards and its escape character taken literally.
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Binds `args` in order to a query of either database.
macro_rules! bind_all {
    ($query:expr, $args:expr) => {{
        let mut query = $query;
        for arg in $args {
            query = match arg {
                Arg::Int(i) => query.bind(*i),
                Arg::Text(t) => query.bind(t.clone()),
            };
        }
        query
    }};
}

/// How many finished orders match.
pub async fn count_history(conn: Conn<'_>, search: &HistorySearch) -> Result<i64, sqlx::Error> {
    let (condition, args) = search.condition();
    let sql = format!("SELECT COUNT(*) FROM orders WHERE {condition}");
    on_conn!(conn, c => {
        bind_all!(sqlx::query_scalar::<_, i64>(&sql), &args)
            .fetch_one(c)
            .await
    })
}

/// One page of the finished orders that match, newest first.
pub async fn search_history(
    conn: Conn<'_>,
    search: &HistorySearch,
    limit: i64,
    offset: i64,
) -> Result<Vec<Order>, sqlx::Error> {
    let (condition, args) = search.condition();
    let sql = format!(
        "{} WHERE {condition} ORDER BY updated_at DESC, rowid DESC LIMIT {limit} OFFSET {offset}",
        select_orders(conn.dialect())
    );
    on_conn!(conn, c => {
        bind_all!(sqlx::query(&sql), &args)
            .fetch_all(c)
            .await?
            .iter()
            .map(order_from_row)
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_are_taken_literally() {
        assert_eq!(escape_like(r"50%_a\b"), r"50\%\_a\\b");
    }

    #[test]
    fn a_number_is_also_searched_as_a_name_and_a_reference() {
        let search = HistorySearch {
            text: Some("12".into()),
            from_ms: Some(1),
            to_ms: None,
        };
        let (condition, args) = search.condition();
        assert!(condition.contains("updated_at >= $1"));
        assert!(condition.contains("number = $2"));
        assert!(condition.contains("LIKE $3"));
        assert!(condition.contains("external_id = $4"));
        assert_eq!(args.len(), 4);
    }
}
