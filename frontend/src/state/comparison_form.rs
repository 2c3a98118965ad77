//! The workshop page's "start a comparison" form: what was typed, and the
//! `ComparisonRequest` it makes, or which field is wrong and why.
//!
//! The server checks the same limits (and answers 422 if they are broken);
//! checking them here too lets the page point at the field before anything
//! is sent. The limits come from the model, so the two cannot drift apart.

use orderboard_model::workshop::{
    DEFAULT_DB_POLL_INTERVAL_MS, MAX_COMPARISON_CLIENTS, MAX_COMPARISON_SECS, MAX_POLL_INTERVAL_MS,
    MIN_POLL_INTERVAL_MS,
};
use orderboard_model::{ComparisonRequest, Transport};

pub const DEFAULT_CLIENTS: u32 = 100;
pub const DEFAULT_POLL_SECS: &str = "5";
pub const DEFAULT_DURATION_SECS: u64 = 60;

/// The form's fields as typed.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonForm {
    pub clients: String,
    /// Seconds, decimals allowed (`0.5`).
    pub poll_secs: String,
    /// How often SSE over database polling queries, in seconds as typed.
    pub db_poll_secs: String,
    pub duration_secs: String,
    /// Which transports take part, in the model's order.
    pub transports: Vec<Transport>,
}

impl Default for ComparisonForm {
    fn default() -> Self {
        ComparisonForm {
            clients: DEFAULT_CLIENTS.to_string(),
            poll_secs: DEFAULT_POLL_SECS.into(),
            db_poll_secs: (DEFAULT_DB_POLL_INTERVAL_MS / 1000).to_string(),
            duration_secs: DEFAULT_DURATION_SECS.to_string(),
            transports: Transport::ALL.to_vec(),
        }
    }
}

/// Which field a problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Clients,
    PollInterval,
    DbPollInterval,
    Duration,
    Transports,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormError {
    pub field: Field,
    pub message: String,
}

impl ComparisonForm {
    pub fn is_selected(&self, t: Transport) -> bool {
        self.transports.contains(&t)
    }

    /// Ticks or unticks a transport, keeping the model's order.
    pub fn set_transport(&mut self, t: Transport, on: bool) {
        self.transports.retain(|x| *x != t);
        if on {
            self.transports.push(t);
            self.transports.sort();
        }
    }

    pub fn request(&self) -> Result<ComparisonRequest, FormError> {
        let err = |field, message: String| FormError { field, message };
        let clients: u32 = self.clients.trim().parse().map_err(|_| {
            err(
                Field::Clients,
                format!("Clients must be a whole number from 1 to {MAX_COMPARISON_CLIENTS}"),
            )
        })?;
        if clients == 0 || clients > MAX_COMPARISON_CLIENTS {
            return Err(err(
                Field::Clients,
                format!("Clients must be 1 to {MAX_COMPARISON_CLIENTS} per transport"),
            ));
        }
        let poll_ms = interval_ms(&self.poll_secs)
            .ok_or_else(|| err(Field::PollInterval, interval_range("polling interval")))?;
        let db_poll_ms = interval_ms(&self.db_poll_secs).ok_or_else(|| {
            err(
                Field::DbPollInterval,
                interval_range("database polling interval"),
            )
        })?;
        let duration_range =
            format!("The duration must be a whole number of seconds, 1 to {MAX_COMPARISON_SECS}");
        let duration: u64 = self
            .duration_secs
            .trim()
            .parse()
            .map_err(|_| err(Field::Duration, duration_range.clone()))?;
        if duration == 0 || duration > MAX_COMPARISON_SECS {
            return Err(err(Field::Duration, duration_range));
        }
        if self.transports.is_empty() {
            return Err(err(Field::Transports, "Pick at least one transport".into()));
        }
        Ok(ComparisonRequest {
            clients_per_transport: clients,
            poll_interval_ms: poll_ms,
            db_poll_interval_ms: Some(db_poll_ms),
            transports: Some(self.transports.clone()),
            duration_secs: Some(duration),
        })
    }
}

fn interval_range(what: &str) -> String {
    format!(
        "The {what} must be {} to {} seconds",
        MIN_POLL_INTERVAL_MS as f64 / 1000.0,
        MAX_POLL_INTERVAL_MS / 1000
    )
}

/// Seconds as typed (decimals with `.` or `,`) as milliseconds within the
/// polling limits.
fn interval_ms(typed: &str) -> Option<u64> {
    let secs: f64 = typed.trim().replace(',', ".").parse().ok()?;
    let ms = (secs * 1000.0).round();
    (secs.is_finite() && ms >= MIN_POLL_INTERVAL_MS as f64 && ms <= MAX_POLL_INTERVAL_MS as f64)
        .then_some(ms as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_make_the_workshop_request() {
        let r = ComparisonForm::default().request().unwrap();
        assert_eq!(
            r,
            ComparisonRequest {
                clients_per_transport: 100,
                poll_interval_ms: 5_000,
                db_poll_interval_ms: Some(3_000),
                transports: Some(Transport::ALL.to_vec()),
                duration_secs: Some(60),
            }
        );
    }

    #[test]
    fn transports_keep_the_model_order() {
        let mut f = ComparisonForm::default();
        f.set_transport(Transport::Poll, false);
        f.set_transport(Transport::Sse, false);
        f.set_transport(Transport::Poll, true);
        f.set_transport(Transport::Poll, true);
        assert_eq!(
            f.transports,
            vec![
                Transport::Poll,
                Transport::Longpoll,
                Transport::Ws,
                Transport::SseDbPoll
            ]
        );
        assert!(!f.is_selected(Transport::Sse));
        for t in Transport::ALL {
            f.set_transport(t, false);
        }
        assert_eq!(f.request().unwrap_err().field, Field::Transports);
    }

    #[test]
    fn each_limit_points_at_its_field() {
        let with = |edit: fn(&mut ComparisonForm)| {
            let mut f = ComparisonForm::default();
            edit(&mut f);
            f.request()
        };
        assert_eq!(
            with(|f| f.clients = "0".into()).unwrap_err().field,
            Field::Clients
        );
        assert_eq!(
            with(|f| f.clients = "2001".into()).unwrap_err().field,
            Field::Clients
        );
        assert_eq!(
            with(|f| f.clients = "ten".into()).unwrap_err().field,
            Field::Clients
        );
        assert_eq!(
            with(|f| f.clients = " 2000 ".into())
                .unwrap()
                .clients_per_transport,
            2_000
        );
        assert_eq!(
            with(|f| f.poll_secs = "0.4".into()).unwrap_err().field,
            Field::PollInterval
        );
        assert_eq!(
            with(|f| f.poll_secs = "61".into()).unwrap_err().field,
            Field::PollInterval
        );
        assert_eq!(
            with(|f| f.poll_secs = "NaN".into()).unwrap_err().field,
            Field::PollInterval
        );
        assert_eq!(
            with(|f| f.poll_secs = "0,5".into())
                .unwrap()
                .poll_interval_ms,
            500
        );
        assert_eq!(
            with(|f| f.poll_secs = "1.25".into())
                .unwrap()
                .poll_interval_ms,
            1_250
        );
        assert_eq!(
            with(|f| f.duration_secs = "0".into()).unwrap_err().field,
            Field::Duration
        );
        assert_eq!(
            with(|f| f.duration_secs = "601".into()).unwrap_err().field,
            Field::Duration
        );
        assert_eq!(
            with(|f| f.duration_secs = "8".into())
                .unwrap()
                .duration_secs,
            Some(8)
        );
        let e = with(|f| f.poll_secs = "x".into()).unwrap_err();
        assert_eq!(e.message, "The polling interval must be 0.5 to 60 seconds");
        let e = with(|f| f.db_poll_secs = "0.1".into()).unwrap_err();
        assert_eq!(e.field, Field::DbPollInterval);
        assert_eq!(
            e.message,
            "The database polling interval must be 0.5 to 60 seconds"
        );
        assert_eq!(
            with(|f| f.db_poll_secs = "1,5".into())
                .unwrap()
                .db_poll_interval_ms,
            Some(1_500)
        );
    }
}
