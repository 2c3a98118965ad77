//! The dispatcher's "Demo orders" control: the speed and seed typed, the
//! `DemoRequest` they make, and the driver's status in a line.
//!
//! The demo driver fills the kitchen with realistic orders (for a workshop,
//! or to try the screens); the same seed plays the same orders again.

use crate::state::numbers;
use orderboard_model::workshop::{DEFAULT_DEMO_SPEED, MAX_DEMO_SPEED, MIN_DEMO_SPEED};
use orderboard_model::{DemoRequest, DemoStatus};

#[derive(Debug, Clone, PartialEq)]
pub struct DemoForm {
    /// How much faster than a real kitchen, e.g. `10`.
    pub speed: String,
    /// Empty: the server picks one.
    pub seed: String,
}

impl Default for DemoForm {
    fn default() -> Self {
        DemoForm {
            speed: numbers::trimmed(DEFAULT_DEMO_SPEED, 2),
            seed: String::new(),
        }
    }
}

impl DemoForm {
    /// The form as the driver last ran (its speed and seed).
    pub fn from_status(status: &DemoStatus) -> Self {
        DemoForm {
            speed: numbers::trimmed(status.speed, 2),
            seed: status.seed.to_string(),
        }
    }

    /// The request to start (with the speed and seed) or stop the driver.
    pub fn request(&self, running: bool) -> Result<DemoRequest, String> {
        if !running {
            return Ok(DemoRequest {
                running: false,
                seed: None,
                speed: None,
            });
        }
        let range = format!(
            "Speed must be {} to {} (1 is a real kitchen's pace)",
            numbers::trimmed(MIN_DEMO_SPEED, 2),
            numbers::trimmed(MAX_DEMO_SPEED, 0)
        );
        let speed: f64 = self
            .speed
            .trim()
            .replace(',', ".")
            .parse()
            .map_err(|_| range.clone())?;
        if !speed.is_finite() || !(MIN_DEMO_SPEED..=MAX_DEMO_SPEED).contains(&speed) {
            return Err(range);
        }
        let seed = match self.seed.trim() {
            "" => None,
            s => Some(s.parse::<u64>().map_err(|_| {
                "The seed must be a whole number (or empty for a new one)".to_string()
            })?),
        };
        Ok(DemoRequest {
            running: true,
            seed,
            speed: Some(speed),
        })
    }
}

/// `Running at 10× (seed 42): 12 orders created, 40 changes made.`
pub fn status_line(s: &DemoStatus) -> String {
    let orders = if s.orders_created == 1 {
        "order"
    } else {
        "orders"
    };
    let changes = if s.changes_made == 1 {
        "change"
    } else {
        "changes"
    };
    let counts = format!(
        "{} {orders} created, {} {changes} made",
        numbers::thousands(s.orders_created),
        numbers::thousands(s.changes_made)
    );
    if s.running {
        format!(
            "Running at {}× (seed {}): {counts}.",
            numbers::trimmed(s.speed, 2),
            s.seed
        )
    } else if s.orders_created > 0 || s.changes_made > 0 {
        format!("Stopped. Last run (seed {}): {counts}.", s.seed)
    } else {
        "Stopped.".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(running: bool) -> DemoStatus {
        DemoStatus {
            running,
            seed: 42,
            speed: 10.0,
            orders_created: 12,
            changes_made: 40,
        }
    }

    #[test]
    fn builds_start_and_stop_requests() {
        let f = DemoForm::default();
        assert_eq!(f.speed, "10");
        assert_eq!(
            f.request(true).unwrap(),
            DemoRequest {
                running: true,
                seed: None,
                speed: Some(10.0)
            }
        );
        assert_eq!(
            f.request(false).unwrap(),
            DemoRequest {
                running: false,
                seed: None,
                speed: None
            }
        );
        let f = DemoForm {
            speed: "2,5".into(),
            seed: " 7 ".into(),
        };
        assert_eq!(
            f.request(true).unwrap(),
            DemoRequest {
                running: true,
                seed: Some(7),
                speed: Some(2.5)
            }
        );
    }

    #[test]
    fn refuses_what_the_server_would() {
        for speed in ["0", "0.05", "101", "fast", "inf"] {
            let f = DemoForm {
                speed: speed.into(),
                seed: String::new(),
            };
            assert!(
                f.request(true)
                    .unwrap_err()
                    .starts_with("Speed must be 0.1 to 100"),
                "{speed}"
            );
        }
        let f = DemoForm {
            speed: "10".into(),
            seed: "-1".into(),
        };
        assert!(f.request(true).unwrap_err().contains("seed"));
        // Stopping needs no valid fields.
        assert!(f.request(false).is_ok());
    }

    #[test]
    fn status_reads_as_a_sentence() {
        assert_eq!(
            status_line(&status(true)),
            "Running at 10× (seed 42): 12 orders created, 40 changes made."
        );
        assert_eq!(
            status_line(&status(false)),
            "Stopped. Last run (seed 42): 12 orders created, 40 changes made."
        );
        let idle = DemoStatus {
            orders_created: 0,
            changes_made: 0,
            ..status(false)
        };
        assert_eq!(status_line(&idle), "Stopped.");
        assert_eq!(
            DemoForm::from_status(&status(true)),
            DemoForm {
                speed: "10".into(),
                seed: "42".into()
            }
        );
    }
}
