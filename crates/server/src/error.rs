//! The API's one error type, and how every failure becomes a JSON answer.
//!
//! Handlers return `Result<_, ApiError>`; extractor rejections (bad JSON, bad
//! query strings, oversized bodies) are turned into the same shape, so no
//! client ever sees axum's plain-text errors or a 500 for bad input.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use orderboard_model::{ApiErrorBody, ApiErrorDetail, ErrorCode, Order, Stage, ValidationError};

/// The largest request body accepted, in bytes; a larger one gets `413`.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    InvalidBody(String),
    #[error("{0}")]
    Validation(ValidationError),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    NotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    /// A refused stage change, a stale `expected_version`, or a recall whose
    /// number is taken: the client gets the order's real state.
    #[error("{message}")]
    Conflict {
        code: ErrorCode,
        message: String,
        order: Box<Order>,
        allowed: Vec<Stage>,
    },
    #[error("all display numbers are in use by active orders")]
    NoFreeNumber,
    /// Something is already running that only one may run at a time.
    #[error("{0}")]
    AlreadyRunning(String),
    /// The same `Idempotency-Key` with a different request: 422.
    #[error("{0}")]
    IdempotencyKeyReused(String),
    /// A request with the same `Idempotency-Key` is still being answered on
    /// another node: 409 with `Retry-After`.
    #[error("a request with this Idempotency-Key is still being answered; try again shortly")]
    IdempotencyInProgress,
    /// Something only the demo may do, asked while the demo driver is stopped.
    #[error("{0}")]
    DemoNotRunning(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    /// Failed sign-ins: 429 with `Retry-After`.
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after: std::time::Duration,
    },
    /// A limit on open streams was reached: 503 with `Retry-After`.
    #[error("{message}")]
    Overloaded {
        message: String,
        retry_after: std::time::Duration,
    },
    /// The database cannot be reached: 503 with `Retry-After`.
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(#[from] anyhow::Error),
}

/// How long a client is asked to wait when the database cannot be reached.
pub const UNAVAILABLE_RETRY: std::time::Duration = std::time::Duration::from_secs(2);

/// The store's errors at the HTTP edge.
impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        use crate::store::StoreError;
        match e {
            StoreError::Invalid(e) => ApiError::Validation(e),
            StoreError::NotFound => ApiError::order_not_found(),
            StoreError::ItemNotFound => ApiError::NotFound("no such item in this order".into()),
            StoreError::Refused {
                code,
                message,
                order,
                allowed,
            } => ApiError::Conflict {
                code,
                message,
                order,
                allowed,
            },
            StoreError::NoFreeNumber => ApiError::NoFreeNumber,
            StoreError::AlreadyAnswered => ApiError::IdempotencyInProgress,
            StoreError::Database(e) => ApiError::Internal(e.into()),
            StoreError::Unavailable(message) => ApiError::Unavailable(format!(
                "{message}; nothing was changed: try again in a moment"
            )),
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        crate::store::StoreError::from(e).into()
    }
}

impl ApiError {
    pub fn order_not_found() -> Self {
        ApiError::NotFound("no such order".into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::InvalidBody(_)
            | ApiError::Validation(_)
            | ApiError::IdempotencyKeyReused(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::IdempotencyInProgress => StatusCode::CONFLICT,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict { .. }
            | ApiError::NoFreeNumber
            | ApiError::AlreadyRunning(_)
            | ApiError::DemoNotRunning(_) => StatusCode::CONFLICT,
            ApiError::Overloaded { .. } | ApiError::Unavailable(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn body(&self) -> ApiErrorBody {
        let code = match self {
            ApiError::BadRequest(_) => ErrorCode::BadRequest,
            ApiError::InvalidBody(_) => ErrorCode::InvalidBody,
            ApiError::Validation(_) => ErrorCode::ValidationFailed,
            ApiError::UnsupportedMediaType(_) => ErrorCode::UnsupportedMediaType,
            ApiError::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            ApiError::NotFound(_) => ErrorCode::NotFound,
            ApiError::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            ApiError::Conflict { code, .. } => *code,
            ApiError::NoFreeNumber => ErrorCode::NoFreeNumber,
            ApiError::AlreadyRunning(_) => ErrorCode::AlreadyRunning,
            ApiError::DemoNotRunning(_) => ErrorCode::DemoNotRunning,
            ApiError::Overloaded { .. } => ErrorCode::Overloaded,
            ApiError::Unavailable(_) => ErrorCode::Unavailable,
            ApiError::IdempotencyKeyReused(_) => ErrorCode::IdempotencyKeyReused,
            ApiError::IdempotencyInProgress => ErrorCode::IdempotencyInProgress,
            ApiError::Unauthorized(_) => ErrorCode::Unauthorized,
            ApiError::Forbidden(_) => ErrorCode::Forbidden,
            ApiError::TooManyRequests { .. } => ErrorCode::TooManyRequests,
            ApiError::Internal(_) => ErrorCode::Internal,
        };
        let message = match self {
            ApiError::Internal(_) => "the server failed to handle this request".to_string(),
            other => other.to_string(),
        };
        let mut detail = ApiErrorDetail {
            code,
            message,
            field: None,
            order: None,
            allowed: None,
        };
        match self {
            ApiError::Validation(v) => detail.field = Some(v.field.clone()),
            ApiError::Conflict { order, allowed, .. } => {
                detail.order = Some(order.clone());
                detail.allowed = Some(allowed.clone());
            }
            _ => {}
        }
        ApiErrorBody { error: detail }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(e) = &self {
            tracing::error!(error = ?e, "request failed");
        }
        let mut response = (self.status(), axum::Json(self.body())).into_response();
        if let ApiError::PayloadTooLarge(_) = &self {
            // The rest of the body is not read: the connection cannot be
            // reused, and the client must know it before it tries.
            response.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
        }
        if let ApiError::Overloaded { retry_after, .. }
        | ApiError::TooManyRequests { retry_after, .. } = &self
        {
            retry_after_header(&mut response, *retry_after);
        }
        if let ApiError::Unavailable(_) | ApiError::IdempotencyInProgress = &self {
            retry_after_header(&mut response, UNAVAILABLE_RETRY);
        }
        if let ApiError::IdempotencyInProgress = &self {
            response.extensions_mut().insert(AnsweredElsewhere);
        }
        response
    }
}

/// Marks the answer to a change whose `Idempotency-Key` another node
/// answered first, so that the idempotency layer can replay that answer.
#[derive(Debug, Clone, Copy)]
pub struct AnsweredElsewhere;

fn retry_after_header(response: &mut Response, after: std::time::Duration) {
    let secs = after.as_secs_f64().ceil().max(1.0) as u64;
    response.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        axum::http::HeaderValue::from(secs),
    );
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::JsonDataError(e) => ApiError::InvalidBody(e.body_text()),
            JsonRejection::JsonSyntaxError(e) => ApiError::BadRequest(e.body_text()),
            JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType(
                "send the body as JSON, with Content-Type: application/json".into(),
            ),
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(
                format!("the body is larger than {} bytes", MAX_BODY_BYTES),
            ),
            other => ApiError::BadRequest(other.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::BadRequest(r.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        ApiError::BadRequest(r.body_text())
    }
}

/// `axum::extract::Path`, with its rejections (such as a segment that is not
/// UTF-8 once decoded) in the API's error shape.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// `axum::Json`, with its rejections in the API's error shape.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// `axum::extract::Query`, with its rejections in the API's error shape.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// The answer for `/api` paths that do not exist.
pub async fn api_not_found() -> ApiError {
    ApiError::NotFound("no such API endpoint".into())
}

/// The answer for a known path asked with the wrong method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
