//! Hardening tests against the real `orderboard-server` binary on 127.0.0.1:
//! a client that stops reading, SIGKILL during a burst, connection churn,
//! and a campaign of generated bad requests. Each prints its figures (run
//! with `--nocapture` to see them) and is bounded in count and time.

mod support;

mod churn;
mod crash;
mod hostile;
mod slow_consumer;
