//! Tracking tokens: the secret in a customer's tracking link.
//!
//! 144 random bits from the operating system, written URL-safe, so the token
//! can be neither guessed nor worked out from an order's number or id.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

pub fn generate() -> String {
    let mut bytes = [0u8; 18];
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_url_safe_and_distinct() {
        let a = super::generate();
        let b = super::generate();
        assert_eq!(a.len(), 24);
        assert_ne!(a, b);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
    }
}
