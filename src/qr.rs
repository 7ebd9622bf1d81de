//! Terminal rendering of pairing QR codes.

use qrcode::render::unicode::Dense1x2;
use qrcode::{EcLevel, QrCode};

/// Why a QR code could not be rendered.
#[derive(Debug, thiserror::Error)]
#[error("cannot encode QR code: {0}")]
pub struct QrRenderError(String);

/// Renders `data` (the `PairingQrCode` string) as a QR code for a terminal, two
/// modules per character cell, dark modules drawn as spaces on a light background
/// so it scans on dark-themed terminals too. Includes the quiet zone.
pub fn render_qr_terminal(data: &str) -> Result<String, QrRenderError> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::L)
        .map_err(|e| QrRenderError(e.to_string()))?;
    Ok(code
        .render::<Dense1x2>()
        .dark_color(Dense1x2::Light)
        .light_color(Dense1x2::Dark)
        .quiet_zone(true)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_a_square_block_of_half_blocks() {
        let data = "https://wa.me/settings/linked_devices#2@abc,AAAA,BBBB,CCCC,1";
        let out = render_qr_terminal(data).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        let width = lines[0].chars().count();
        assert!(width >= 21 + 8, "version-1 QR plus quiet zone at least");
        assert!(lines.iter().all(|l| l.chars().count() == width));
        // Two modules per row of text.
        assert_eq!(lines.len(), width.div_ceil(2));
        assert!(out.chars().any(|c| c == '▀' || c == '▄' || c == '█'));
    }

    #[test]
    fn too_much_data_is_an_error() {
        let data = "x".repeat(3000);
        assert!(render_qr_terminal(&data).is_err());
    }
}
