//! Printers and their queued print jobs in the database, on either
//! backend. Times are Unix milliseconds.

use crate::store::database::on_pool;
use crate::store::rows::{from_millis, to_millis};
use crate::store::Database;
use orderboard_model::{PrinterInfo, PrinterState};
use time::OffsetDateTime;

/// A printer as its worker needs it.
#[derive(Debug, Clone)]
pub struct Printer {
    pub info: PrinterInfo,
    /// Every order made up to this event log sequence number was printed,
    /// or had nothing for this printer.
    pub after_seq: u64,
}

type PrinterRow = (
    String,
    String,
    String,
    String,
    i64,
    String,
    Option<i64>,
    Option<String>,
    i64,
);

const COLUMNS: &str =
    "id, name, address, stations, after_seq, state, state_since, last_error, created_at";

fn printer(row: PrinterRow) -> Printer {
    let (id, name, address, stations, after_seq, state, since, last_error, created_at) = row;
    Printer {
        info: PrinterInfo {
            id,
            name,
            address,
            stations: stations.split_whitespace().map(String::from).collect(),
            state: PrinterState::parse(&state),
            queued: 0,
            last_error,
            since: since.map(from_millis),
            created_at: from_millis(created_at),
        },
        after_seq: after_seq.max(0) as u64,
    }
}

/// Registers a printer, unless `max` are registered already; whether it was.
pub async fn insert(db: &Database, p: &Printer, max: usize) -> Result<bool, sqlx::Error> {
    let i = &p.info;
    let inserted = on_pool!(db, pool => {
        sqlx::query(
            "INSERT INTO printers (id, name, address, stations, after_seq, state, created_at)
             SELECT $1, $2, $3, $4, $5, $6, $7
             WHERE (SELECT COUNT(*) FROM printers) < $8",
        )
        .bind(&i.id)
        .bind(&i.name)
        .bind(&i.address)
        .bind(i.stations.join(" "))
        .bind(p.after_seq as i64)
        .bind(i.state.as_str())
        .bind(to_millis(i.created_at))
        .bind(max as i64)
        .execute(pool)
        .await?
        .rows_affected()
    });
    Ok(inserted == 1)
}

/// Every printer, oldest first.
pub async fn list(db: &Database) -> Result<Vec<Printer>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM printers ORDER BY created_at, id");
    let rows: Vec<PrinterRow> = on_pool!(db, pool => {
        sqlx::query_as(&sql).fetch_all(pool).await?
    });
    Ok(rows.into_iter().map(printer).collect())
}

pub async fn get(db: &Database, id: &str) -> Result<Option<Printer>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM printers WHERE id = $1");
    let row: Option<PrinterRow> = on_pool!(db, pool => {
        sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?
    });
    Ok(row.map(printer))
}

/// Deletes a printer and its queued jobs; whether it existed.
pub async fn delete(db: &Database, id: &str) -> Result<bool, sqlx::Error> {
    let deleted = on_pool!(db, pool => {
        let mut tx = pool.begin().await?;
        sqlx::query("DELETE FROM print_jobs WHERE printer_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let n = sqlx::query("DELETE FROM printers WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        n
    });
    Ok(deleted > 0)
}

/// Takes or renews the printer's lease for `owner` until `until`, if no
/// other node holds one that is still running at `now`; whether it is held.
pub async fn take_lease(
    db: &Database,
    id: &str,
    owner: &str,
    now: i64,
    until: i64,
) -> Result<bool, sqlx::Error> {
    let taken = on_pool!(db, pool => {
        sqlx::query(
            "UPDATE printers SET lease_owner = $2, lease_until = $3
             WHERE id = $1 AND (lease_owner IS NULL OR lease_owner = $2 OR lease_until < $4)",
        )
        .bind(id)
        .bind(owner)
        .bind(until)
        .bind(now)
        .execute(pool)
        .await?
        .rows_affected()
    });
    Ok(taken == 1)
}

/// Moves the printer's cursor forward to `seq` (never back).
pub async fn advance(db: &Database, id: &str, seq: u64) -> Result<(), sqlx::Error> {
    on_pool!(db, pool => {
        sqlx::query("UPDATE printers SET after_seq = $2 WHERE id = $1 AND after_seq < $2")
            .bind(id)
            .bind(seq as i64)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// Writes the printer's state down: in `state` since `since`.
pub async fn set_state(
    db: &Database,
    id: &str,
    state: PrinterState,
    error: Option<&str>,
    since: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    on_pool!(db, pool => {
        sqlx::query(
            "UPDATE printers SET state = $2, last_error = $3, state_since = $4 WHERE id = $1",
        )
        .bind(id)
        .bind(state.as_str())
        .bind(error)
        .bind(to_millis(since))
        .execute(pool)
        .await?;
    });
    Ok(())
}

/// Queues one ticket (ESC/POS bytes) for each of `printers`, all or none.
pub async fn queue_jobs(db: &Database, jobs: &[(String, Vec<u8>)]) -> Result<(), sqlx::Error> {
    let now = to_millis(OffsetDateTime::now_utc());
    on_pool!(db, pool => {
        let mut tx = pool.begin().await?;
        for (printer, ticket) in jobs {
            sqlx::query("INSERT INTO print_jobs (printer_id, ticket, created_at) VALUES ($1, $2, $3)")
                .bind(printer)
                .bind(ticket)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
    });
    Ok(())
}

/// The printer's oldest queued job: its id and ticket.
pub async fn next_job(db: &Database, printer: &str) -> Result<Option<(i64, Vec<u8>)>, sqlx::Error> {
    Ok(on_pool!(db, pool => {
        sqlx::query_as(
            "SELECT id, ticket FROM print_jobs WHERE printer_id = $1 ORDER BY id LIMIT 1",
        )
        .bind(printer)
        .fetch_optional(pool)
        .await?
    }))
}

/// A job was printed.
pub async fn job_done(db: &Database, id: i64) -> Result<(), sqlx::Error> {
    on_pool!(db, pool => {
        sqlx::query("DELETE FROM print_jobs WHERE id = $1")
            .bind(id)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// Drops the printer's whole backlog (its jobs, and the orders after its
/// cursor up to `head`); how many tickets were dropped.
pub async fn drop_backlog(db: &Database, id: &str, head: u64) -> Result<u64, sqlx::Error> {
    let before = queued(db, id).await?;
    on_pool!(db, pool => {
        let mut tx = pool.begin().await?;
        sqlx::query("DELETE FROM print_jobs WHERE printer_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE printers SET after_seq = $2 WHERE id = $1 AND after_seq < $2")
            .bind(id)
            .bind(head as i64)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    });
    Ok(before)
}

/// Tickets waiting for the printer: its jobs, and the orders made (or
/// scheduled ones received) after its cursor, each counted once whether
/// or not it has items for the printer's stations.
pub async fn queued(db: &Database, id: &str) -> Result<u64, sqlx::Error> {
    let n: i64 = on_pool!(db, pool => {
        sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM print_jobs WHERE printer_id = $1)
                  + (SELECT COUNT(*) FROM events
                     WHERE ((kind = 'created' AND to_stage <> 'scheduled')
                            OR (kind = 'advance' AND from_stage = 'scheduled'))
                       AND seq > (SELECT after_seq FROM printers WHERE id = $1))",
        )
        .bind(id)
        .fetch_one(pool)
        .await?
    });
    Ok(n.max(0) as u64)
}

/// The lowest printer cursor: the event log must keep every event after it.
pub async fn lowest_cursor(db: &Database) -> Result<Option<u64>, sqlx::Error> {
    let low: Option<i64> = on_pool!(db, pool => {
        sqlx::query_scalar("SELECT MIN(after_seq) FROM printers")
            .fetch_one(pool)
            .await?
    });
    Ok(low.map(|l| l.max(0) as u64))
}
