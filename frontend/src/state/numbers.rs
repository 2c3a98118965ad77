//! How the workshop page writes numbers: counts with thousands separators,
//! short axis labels (`1.5k`), byte sizes and durations.
//!
//! The page shows the same kinds of figure in charts, tiles and the summary
//! table; writing them in one place keeps a chart's axis and the table beside
//! it in agreement, and lets the rounding be tested without a browser.

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A number with at most `decimals` decimals and no trailing zeros:
/// `trimmed(2.50, 2)` → `2.5`, `trimmed(3.0, 1)` → `3`.
pub fn trimmed(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" {
        "0".into()
    } else {
        s
    }
}

/// A rate or count for people: whole numbers with separators from 100 up,
/// one decimal below (`2.5`), `0` for nothing.
pub fn rate(v: f64) -> String {
    if !v.is_finite() || v <= 0.0 {
        return "0".into();
    }
    if v >= 100.0 {
        thousands(v.round() as u64)
    } else if v >= 10.0 {
        trimmed(v, 0)
    } else {
        trimmed(v, 1)
    }
}

/// A short label for an axis: `0`, `250`, `1.5k`, `12k`, `3.2M`.
pub fn short(v: f64) -> String {
    let a = v.abs();
    let (scaled, suffix) = if a >= 1e9 {
        (v / 1e9, "G")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e3 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let decimals = if scaled.abs() >= 100.0 {
        0
    } else if scaled.abs() >= 10.0 {
        1
    } else {
        2
    };
    format!("{}{suffix}", trimmed(scaled, decimals))
}

/// Bytes in decimal units: `512 B`, `1.5 KB`, `7.4 MB`.
pub fn bytes(v: f64) -> String {
    if !v.is_finite() || v <= 0.0 {
        return "0 B".into();
    }
    let units = ["B", "KB", "MB", "GB", "TB"];
    let mut scaled = v;
    let mut unit = 0;
    while scaled >= 1000.0 && unit < units.len() - 1 {
        scaled /= 1000.0;
        unit += 1;
    }
    let decimals = if unit == 0 || scaled >= 100.0 { 0 } else { 1 };
    format!("{} {}", trimmed(scaled, decimals), units[unit])
}

/// A duration given in milliseconds: `0.4 ms`, `12 ms`, `1.25 s`, `90 s`.
pub fn millis(ms: f64) -> String {
    if !ms.is_finite() || ms < 0.0 {
        return "—".into();
    }
    if ms < 10.0 {
        format!("{} ms", trimmed(ms, 1))
    } else if ms < 1000.0 {
        format!("{} ms", trimmed(ms, 0))
    } else if ms < 10_000.0 {
        format!("{} s", trimmed(ms / 1000.0, 2))
    } else {
        format!("{} s", trimmed(ms / 1000.0, 0))
    }
}

/// [`millis`] for a figure that may be missing (no updates to measure).
pub fn maybe_millis(ms: Option<f64>) -> String {
    ms.map(millis).unwrap_or_else(|| "—".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(120_000), "120,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn trimmed_drops_trailing_zeros() {
        assert_eq!(trimmed(2.5, 2), "2.5");
        assert_eq!(trimmed(3.0, 1), "3");
        assert_eq!(trimmed(100.0, 0), "100");
        assert_eq!(trimmed(-0.0001, 1), "0");
        assert_eq!(trimmed(0.25, 2), "0.25");
    }

    #[test]
    fn rates_read_naturally() {
        assert_eq!(rate(0.0), "0");
        assert_eq!(rate(f64::NAN), "0");
        assert_eq!(rate(2.46), "2.5");
        assert_eq!(rate(42.4), "42");
        assert_eq!(rate(120_000.4), "120,000");
    }

    #[test]
    fn short_labels_use_suffixes() {
        assert_eq!(short(0.0), "0");
        assert_eq!(short(0.5), "0.5");
        assert_eq!(short(250.0), "250");
        assert_eq!(short(1_500.0), "1.5k");
        assert_eq!(short(12_000.0), "12k");
        assert_eq!(short(3_250_000.0), "3.25M");
        assert_eq!(short(2e9), "2G");
    }

    #[test]
    fn bytes_use_decimal_units() {
        assert_eq!(bytes(0.0), "0 B");
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(bytes(1_500.0), "1.5 KB");
        assert_eq!(bytes(7_400_000.0), "7.4 MB");
        assert_eq!(bytes(250_000.0), "250 KB");
        assert_eq!(bytes(1e15), "1000 TB");
    }

    #[test]
    fn durations_pick_their_unit() {
        assert_eq!(millis(0.42), "0.4 ms");
        assert_eq!(millis(12.3), "12 ms");
        assert_eq!(millis(999.0), "999 ms");
        assert_eq!(millis(1_250.0), "1.25 s");
        assert_eq!(millis(90_000.0), "90 s");
        assert_eq!(maybe_millis(None), "—");
        assert_eq!(maybe_millis(Some(5.0)), "5 ms");
    }
}
