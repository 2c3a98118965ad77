//! Request bodies, the health report and the one error shape of the HTTP API.
//!
//! Every error answer is `{"error": {"code": "...", "message": "..."}}`; the
//! optional fields say more where a client can act on it (the field that broke
//! a limit, or the order's real state after a conflict).

use crate::order::Order;
use crate::stage::Stage;
use serde::{Deserialize, Serialize};

/// The body of `POST /api/orders/{id}/stage`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StageChangeRequest {
    pub to: Stage,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u64>,
}

/// Machine-readable error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body is not valid JSON, or a query or header is malformed.
    BadRequest,
    /// The JSON is well formed but its fields have the wrong shape or type.
    InvalidBody,
    /// A field breaks a limit (length, count, range).
    ValidationFailed,
    /// The body is not sent as `application/json`.
    UnsupportedMediaType,
    /// The body is larger than the server accepts.
    PayloadTooLarge,
    NotFound,
    MethodNotAllowed,
    /// The requested stage change is not allowed from the current stage.
    StageConflict,
    /// `expected_version` did not match: someone else changed the order first.
    VersionConflict,
    /// A recalled order's number is in use by another active order.
    NumberInUse,
    /// Every display number is in use by an active order.
    NoFreeNumber,
    /// The order has taken as many changes as one order may
    /// ([`crate::order::MAX_CHANGES`]).
    TooManyChanges,
    /// A workshop comparison is already running: stop it first.
    AlreadyRunning,
    /// The workshop's drill needs the demo driver running (`--demo`, or `PUT /api/demo`).
    DemoNotRunning,
    /// Too many open streams.
    Overloaded,
    /// The database cannot be reached just now (it is restarting, or the
    /// network to it is down): nothing was changed; try again after
    /// `Retry-After`.
    Unavailable,
    /// A staff request without a live staff session: sign in.
    Unauthorized,
    /// A staff request from another machine while no staff passphrase is
    /// set, or an API key without the scope the endpoint needs (or at an
    /// endpoint for signed-in staff only).
    Forbidden,
    /// Too many failed sign-ins from this address: wait (`Retry-After`).
    TooManyRequests,
    /// The same `Idempotency-Key` came with a different request.
    IdempotencyKeyReused,
    /// A request with this `Idempotency-Key` is still being answered
    /// (another node has it); try again after `Retry-After`.
    IdempotencyInProgress,
    /// Another order already carries this `external_ref`; the error holds it.
    ExternalRefInUse,
    /// The server failed; the message says no more than that.
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiErrorDetail {
    pub code: ErrorCode,
    pub message: String,
    /// The field at fault, for validation errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The order's real state, for conflicts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<Box<Order>>,
    /// The stages the order may move to now, for conflicts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<Stage>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiErrorBody {
    pub error: ApiErrorDetail,
}

/// Open SSE streams, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpenStreams {
    pub staff: u64,
    pub board: u64,
    pub track: u64,
    pub total: u64,
}

/// The body of `GET /api/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    pub status: String,
    pub version: String,
    /// The newest sequence number in the event log.
    pub head_seq: u64,
    pub open_streams: OpenStreams,
    /// How many times, since the server started, a stream read events it
    /// lacked from the event log (a resume, or a stream that fell behind
    /// the feed). Screens that keep up never do.
    pub log_catch_ups: u64,
}
