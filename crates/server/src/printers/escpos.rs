//! The few ESC/POS commands a kitchen ticket needs, as bytes: initialise
//! (`ESC @`), text lines, double size on and off (`GS ! n`), and a partial
//! cut after feeding past the cutter (`GS V 66 n`). Text is sent as ASCII:
//! anything else becomes `?`, since printers' code pages differ.

/// `ESC @`: resets the printer's modes.
pub const INIT: [u8; 2] = [0x1b, b'@'];
/// `GS ! 0x11`: double width and height.
pub const DOUBLE: [u8; 3] = [0x1d, b'!', 0x11];
/// `GS ! 0`: normal size.
pub const NORMAL: [u8; 3] = [0x1d, b'!', 0x00];
/// `GS V 66 3`: feed 3 lines, then cut (partially).
pub const CUT: [u8; 4] = [0x1d, b'V', 66, 3];

/// A line of a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Normal(String),
    /// Double width and height: the order's number.
    Large(String),
}

/// A whole ticket: initialise, its lines, cut.
pub fn encode(lines: &[Line]) -> Vec<u8> {
    let mut out = INIT.to_vec();
    for line in lines {
        match line {
            Line::Normal(text) => push_text(&mut out, text),
            Line::Large(text) => {
                out.extend_from_slice(&DOUBLE);
                push_text(&mut out, text);
                out.extend_from_slice(&NORMAL);
            }
        }
    }
    out.extend_from_slice(&CUT);
    out
}

fn push_text(out: &mut Vec<u8>, text: &str) {
    out.extend(text.chars().map(|c| {
        if c.is_ascii() && !c.is_ascii_control() {
            c as u8
        } else {
            b'?'
        }
    }));
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_is_initialised_written_and_cut() {
        let bytes = encode(&[Line::Large("#12".into()), Line::Normal("2 x Tea é".into())]);
        let mut expected = INIT.to_vec();
        expected.extend_from_slice(&DOUBLE);
        expected.extend_from_slice(b"#12\n");
        expected.extend_from_slice(&NORMAL);
        expected.extend_from_slice(b"2 x Tea ?\n");
        expected.extend_from_slice(&CUT);
        assert_eq!(bytes, expected);
    }
}
