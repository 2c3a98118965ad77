//! The tracking link as a QR code, drawn as SVG text.
//!
//! Staff show the code to a customer at the counter so the phone opens the
//! tracking page; it is generated here, in the browser, with no network.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// An SVG image (dark modules on white, with the standard quiet zone) that
/// encodes `url`, or `None` if the text is too long for a QR code.
pub fn qr_svg(url: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).ok()?;
    let svg = code
        .render::<svg::Color>()
        .quiet_zone(true)
        .module_dimensions(6, 6)
        .dark_color(svg::Color("#0b0d10"))
        .light_color(svg::Color("#ffffff"))
        .build();
    // Drop the XML declaration: the text is placed inside an HTML document.
    Some(match svg.find("<svg") {
        Some(start) => svg[start..].to_string(),
        None => svg,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_an_svg_for_a_tracking_link() {
        let svg = qr_svg("http://127.0.0.1:8080/track/AbC123xyz_-").unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains("viewBox"));
    }

    #[test]
    fn refuses_text_too_long_for_a_code() {
        assert!(qr_svg(&"x".repeat(5000)).is_none());
    }
}
