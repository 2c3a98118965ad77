//! `/api/track/events?tokens=…`: one stream for several orders, so that one
//! browser's tracking pages share one connection (browsers allow six per
//! host). It reads through the same cursor as every stream, for an audience
//! of a few orders; each `order` event names its order's tracking token.

use crate::error::{ApiError, ApiQuery};
use crate::sse::live_stream;
use crate::sse::Streams;
use crate::stream::resume::{resume_from, StreamQuery};
use crate::stream::Audience;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use orderboard_model::{ApiErrorBody, ValidationError, MAX_TRACKED_ORDERS};
use serde::Deserialize;
use std::collections::HashSet;
use std::sync::Arc;

/// The query of `GET /api/track/events`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TracksQuery {
    /// The orders' tracking tokens, comma-separated: 1 to 32, distinct.
    pub tokens: Option<String>,
    /// Resume after this sequence number, for clients that cannot set
    /// `Last-Event-ID`.
    pub last_event_id: Option<String>,
}

/// Whether `token` could be a tracking token: URL-safe characters, not too long.
fn well_formed(token: &str) -> bool {
    (1..=64).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The tokens asked for: 1 to [`MAX_TRACKED_ORDERS`], distinct, well formed.
pub fn parse_tokens(raw: Option<&str>) -> Result<Vec<&str>, ApiError> {
    let raw = raw.unwrap_or("").trim();
    if raw.is_empty() {
        return Err(ApiError::BadRequest(format!(
            "tokens: give 1 to {MAX_TRACKED_ORDERS} tracking tokens, comma-separated"
        )));
    }
    let tokens: Vec<&str> = raw.split(',').map(str::trim).collect();
    if tokens.len() > MAX_TRACKED_ORDERS {
        return Err(ApiError::Validation(ValidationError {
            field: "tokens".into(),
            message: format!(
                "at most {MAX_TRACKED_ORDERS} orders on one stream, got {}",
                tokens.len()
            ),
        }));
    }
    if let Some(bad) = tokens.iter().find(|t| !well_formed(t)) {
        return Err(ApiError::BadRequest(if bad.is_empty() {
            "tokens: an empty token (two commas in a row, or one at an end)".into()
        } else {
            format!("tokens: `{bad}` is not a tracking token")
        }));
    }
    let mut seen = HashSet::with_capacity(tokens.len());
    if let Some(twice) = tokens.iter().find(|t| !seen.insert(**t)) {
        return Err(ApiError::BadRequest(format!(
            "tokens: `{twice}` is given twice"
        )));
    }
    Ok(tokens)
}

/// `GET /api/track/events?tokens=t1,t2,…`: several orders on one SSE stream.
/// It starts with a `snapshot` of every order as of one sequence number, then
/// sends each change to any of them as an `order` event naming its token; an
/// order that finishes leaves the others' stream open, and the stream ends
/// once every order is final. `Last-Event-ID` resumes exactly after that id
/// for these orders. An unknown token is a 404 that names it.
#[utoipa::path(get, path = "/api/track/events", tag = "streams",
    params(TracksQuery,
           ("Last-Event-ID" = Option<String>, Header, description = "Resume after this event id; one that cannot be replayed earns a reset")),
    responses((status = 200, description = "An SSE stream: a TracksSnapshot (snapshot or reset) first, then TracksEvent order events, and TracksQueue queue events (without an id) when a waiting order's place moves", content_type = "text/event-stream", body = String),
              (status = 204, description = "The client already saw every order's final state: stop"),
              (status = 400, description = "No tokens, an empty, malformed or repeated one", body = ApiErrorBody),
              (status = 404, description = "Unknown tokens (the message names them)", body = ApiErrorBody),
              (status = 422, description = "More tokens than one stream follows", body = ApiErrorBody),
              (status = 503, description = "Too many open streams; see Retry-After", body = ApiErrorBody)))]
pub async fn stream(
    State(streams): State<Streams>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<TracksQuery>,
) -> Result<Response, ApiError> {
    let tokens = parse_tokens(query.tokens.as_deref())?;
    let store = &streams.source.store;
    let (mut ids, mut unknown) = (Vec::with_capacity(tokens.len()), Vec::new());
    for token in tokens {
        match store.by_tracking_token(token).await? {
            Some(order) => ids.push(order.id),
            None => unknown.push(token),
        }
    }
    if !unknown.is_empty() {
        return Err(ApiError::NotFound(format!(
            "no such order for tokens: {}; check the tracking links",
            unknown.join(", ")
        )));
    }
    let from = resume_from(
        &headers,
        &StreamQuery {
            last_event_id: query.last_event_id,
        },
    );
    live_stream::open(streams, Audience::Tracks(Arc::from(ids)), from).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_bounded_distinct_and_well_formed() {
        assert_eq!(parse_tokens(Some("a,b")).unwrap(), vec!["a", "b"]);
        assert_eq!(parse_tokens(Some(" a , b ")).unwrap(), vec!["a", "b"]);
        for bad in [
            None,
            Some(""),
            Some(" "),
            Some("a,,b"),
            Some("a,"),
            Some("a,a"),
            Some("a b"),
            Some("ä"),
        ] {
            assert!(
                matches!(parse_tokens(bad), Err(ApiError::BadRequest(_))),
                "{bad:?}"
            );
        }
        let many = vec!["t"; MAX_TRACKED_ORDERS + 1].join(",");
        assert!(matches!(
            parse_tokens(Some(&many)),
            Err(ApiError::Validation(_))
        ));
        let most: Vec<String> = (0..MAX_TRACKED_ORDERS).map(|i| format!("t{i}")).collect();
        assert_eq!(
            parse_tokens(Some(&most.join(","))).unwrap().len(),
            MAX_TRACKED_ORDERS
        );
    }
}
