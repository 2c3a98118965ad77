//! The board's address on the restaurant network, and its QR code, so that a
//! TV, tablet or phone can open the board without anyone typing an address.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};
use serde::Serialize;
use std::net::{IpAddr, Ipv4Addr, UdpSocket};

/// What the dispatcher shows about the restaurant network.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct NetworkInfo {
    /// Whether the server listens on the restaurant network.
    pub restaurant_network: bool,
    /// The port the server listens on.
    pub port: u16,
    /// The board's address for other screens, when listening on the network
    /// and this computer has a network address.
    pub board_url: Option<String>,
    /// That address as an SVG QR code.
    pub board_qr_svg: Option<String>,
}

impl NetworkInfo {
    pub fn new(restaurant_network: bool, port: u16) -> NetworkInfo {
        let board_url = restaurant_network
            .then(lan_ipv4)
            .flatten()
            .map(|ip| board_url(IpAddr::V4(ip), port));
        let board_qr_svg = board_url.as_deref().and_then(qr_svg);
        NetworkInfo {
            restaurant_network,
            port,
            board_url,
            board_qr_svg,
        }
    }
}

/// The board page on `ip:port`.
pub fn board_url(ip: IpAddr, port: u16) -> String {
    format!("http://{ip}:{port}/board")
}

/// The IPv4 address other machines reach this one by: the address of the
/// interface the default route leaves from. Connecting a UDP socket sends
/// nothing; it only asks the kernel to choose the route.
pub fn lan_ipv4() -> Option<Ipv4Addr> {
    let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    // A documentation address (TEST-NET-1): never contacted.
    socket.connect((Ipv4Addr::new(192, 0, 2, 1), 9)).ok()?;
    match socket.local_addr().ok()?.ip() {
        IpAddr::V4(ip) if !ip.is_loopback() && !ip.is_unspecified() => Some(ip),
        _ => None,
    }
}

/// `text` as an SVG QR code (dark on white, with its quiet zone).
pub fn qr_svg(text: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let image = code
        .render::<svg::Color>()
        .quiet_zone(true)
        .min_dimensions(240, 240)
        .dark_color(svg::Color("#1f1a17"))
        .light_color(svg::Color("#ffffff"))
        .build();
    Some(match image.find("<svg") {
        Some(start) => image[start..].to_string(),
        None => image,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_advertised_while_the_network_setting_is_off() {
        let info = NetworkInfo::new(false, 7878);
        assert_eq!(info.board_url, None);
        assert_eq!(info.board_qr_svg, None);
    }

    #[test]
    fn the_board_address_and_its_code() {
        let url = board_url(IpAddr::V4(Ipv4Addr::new(192, 168, 1, 20)), 7878);
        assert_eq!(url, "http://192.168.1.20:7878/board");
        let svg = qr_svg(&url).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("#1f1a17"));
    }
}
