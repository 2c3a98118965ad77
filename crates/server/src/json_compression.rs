//! Large JSON answers (the orders list, a workshop report, a long order
//! history) are compressed for a client that accepts brotli or gzip, by
//! tower-http's compression layer; small ones are not worth the work.
//!
//! Nothing else is compressed here: the UI's files come precompressed
//! (`ui_assets`), and an event stream never is. A stream's frames are written
//! straight to its socket as they happen (`serving::stream_handoff`): a
//! compressor would hold them back until it had enough to compress, and a
//! screen would see a change late.

use axum::http::{header, Response};
use tower_http::compression::predicate::{Predicate, SizeAbove};
use tower_http::compression::CompressionLayer;

/// JSON answers smaller than this go out as they are.
pub const MIN_COMPRESSED_BYTES: u16 = 2048;

/// Compresses a JSON answer of at least [`MIN_COMPRESSED_BYTES`] (or of a
/// length not known in advance), and nothing else.
#[derive(Clone, Copy, Debug)]
pub struct LargeJson;

impl Predicate for LargeJson {
    fn should_compress<B>(&self, response: &Response<B>) -> bool
    where
        B: http_body::Body,
    {
        let is_json = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(';')
                    .next()
                    .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
            });
        is_json && SizeAbove::new(MIN_COMPRESSED_BYTES).should_compress(response)
    }
}

/// The layer on every route.
pub fn layer() -> CompressionLayer<LargeJson> {
    CompressionLayer::new().compress_when(LargeJson)
}
