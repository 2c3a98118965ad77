//! How the board's tiles fit its screen, which cannot scroll: at full size
//! when they fit; else shrunk, down to a size still readable from about
//! three metres; past that, in pages the board turns every few seconds. The
//! page measures the room a column has; this decides.

/// The smallest tile scale a column may use: the number stays readable from
/// about 3 m on a TV (a preparing number stays above 40 px at 1080p).
pub const MIN_SCALE: f64 = 0.45;
/// The Ready column shrinks further before it pages: it must show every
/// ready number at once if it can.
pub const MIN_SCALE_READY: f64 = 0.3;
const STEP: f64 = 0.05;

/// A tile's size at full scale, in CSS pixels, as the stylesheet sets it for
/// this viewport (`.tile` and `.tile-ready` in style.css).
pub fn base_tile(viewport_w: f64, viewport_h: f64, ready: bool) -> (f64, f64) {
    if ready {
        (
            (viewport_w * 0.15).clamp(180.0, 320.0),
            (viewport_h * 0.18).clamp(120.0, 220.0),
        )
    } else {
        (
            (viewport_w * 0.11).clamp(130.0, 230.0),
            (viewport_h * 0.13).clamp(90.0, 160.0),
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    /// The tiles' scale, 1.0 at full size.
    pub scale: f64,
    pub columns: usize,
    /// Tiles on one page (all of them when `pages` is 1).
    pub per_page: usize,
    pub pages: usize,
}

/// How many tiles of `tile` size (times `scale`) fit in `area`, with `gap`
/// between them: (columns, rows).
fn grid(area: (f64, f64), tile: (f64, f64), gap: f64, scale: f64) -> (usize, usize) {
    let fits =
        |room: f64, size: f64| (((room + gap) / (size * scale + gap)).floor().max(1.0)) as usize;
    (fits(area.0, tile.0), fits(area.1, tile.1))
}

/// The largest scale at which `count` tiles fit `area`; past `min_scale`,
/// pages of as many tiles as fit at `min_scale`.
pub fn fit(count: usize, area: (f64, f64), tile: (f64, f64), gap: f64, min_scale: f64) -> Fit {
    let mut scale = 1.0;
    loop {
        let (columns, rows) = grid(area, tile, gap, scale);
        let capacity = columns * rows;
        if capacity >= count {
            return Fit {
                scale,
                columns,
                per_page: count.max(1),
                pages: 1,
            };
        }
        let next = ((scale - STEP) * 100.0).round() / 100.0;
        if next < min_scale - 1e-9 {
            return Fit {
                scale,
                columns,
                per_page: capacity,
                pages: count.div_ceil(capacity),
            };
        }
        scale = next;
    }
}

/// The tiles on `page` (wrapping): a range of indices into the column's tiles.
pub fn page_range(count: usize, fit: &Fit, page: usize) -> std::ops::Range<usize> {
    let page = page % fit.pages.max(1);
    let start = (page * fit.per_page).min(count);
    start..(start + fit.per_page).min(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    const AREA: (f64, f64) = (700.0, 800.0);
    const TILE: (f64, f64) = (200.0, 140.0);

    #[test]
    fn a_few_tiles_keep_their_full_size() {
        let f = fit(10, AREA, TILE, 10.0, MIN_SCALE);
        assert_eq!((f.scale, f.pages), (1.0, 1));
        assert_eq!(page_range(10, &f, 0), 0..10);
    }

    #[test]
    fn more_tiles_shrink_until_they_fit() {
        let f = fit(40, AREA, TILE, 10.0, MIN_SCALE);
        assert!(f.scale < 1.0 && f.scale >= MIN_SCALE, "{f:?}");
        assert_eq!(f.pages, 1);
        let (c, r) = grid(AREA, TILE, 10.0, f.scale);
        assert!(c * r >= 40);
        // One step larger would not fit.
        let (c, r) = grid(AREA, TILE, 10.0, f.scale + STEP);
        assert!(c * r < 40);
    }

    #[test]
    fn past_the_smallest_readable_size_they_page() {
        let f = fit(400, AREA, TILE, 10.0, MIN_SCALE);
        assert!((f.scale - MIN_SCALE).abs() < 1e-9);
        assert!(f.pages > 1);
        // Every tile is on exactly one page, and the pages wrap around.
        let mut seen = Vec::new();
        for p in 0..f.pages {
            seen.extend(page_range(400, &f, p));
        }
        assert_eq!(seen, (0..400).collect::<Vec<_>>());
        assert_eq!(page_range(400, &f, f.pages), page_range(400, &f, 0));
    }

    #[test]
    fn the_ready_column_shrinks_further_before_paging() {
        let at_min = fit(100, AREA, TILE, 10.0, MIN_SCALE);
        let ready = fit(100, AREA, TILE, 10.0, MIN_SCALE_READY);
        assert!(at_min.pages > 1);
        assert_eq!(ready.pages, 1);
    }

    #[test]
    fn base_tiles_follow_the_stylesheet() {
        assert_eq!(base_tile(1920.0, 1080.0, false), (211.2, 140.4));
        assert_eq!(base_tile(1280.0, 720.0, true), (192.0, 129.6));
    }
}
