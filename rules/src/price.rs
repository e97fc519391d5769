//! Price amounts as sellers write them: `350`, `1.200`, `1,200`, `1 200`, `350,00`, `0.05`.

mod short;

use short::{PRINTED_MAX, Short};

/// A parsed amount: its value and, for an amount of at most 15 significant digits (see
/// [`short`]), its digits, so that the price's `normalized` form is printed without float
/// formatting (~850 instructions for a fractional amount).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Amount {
    pub(crate) value: f64,
    short: Option<Short>,
}

impl Amount {
    fn general(value: f64) -> Self {
        Self { value, short: None }
    }

    fn short(short: Short) -> Self {
        Self {
            value: short.value(),
            short: Some(short),
        }
    }
}

/// [`parse_price`]'s value alone (the tests' view of it).
#[cfg(test)]
pub(crate) fn parse_amount(s: &str, decimals_likely: bool) -> Option<f64> {
    parse_price(s, decimals_likely).map(|a| a.value)
}

/// Parses an amount. With both `.` and `,` the last one is the decimal mark; with one of them,
/// a single mark followed by exactly three digits is a thousands separator unless `decimals_likely`
/// (crypto amounts), and several marks are thousands separators. The digits of a short amount
/// are kept, for [`format_price`] to print them without formatting a float.
pub(crate) fn parse_price(s: &str, decimals_likely: bool) -> Option<Amount> {
    // Most amounts are plain digits, or digits with one mark (`1.200`, `0.012`, `350,00`):
    // nothing to copy, the mark read as the general rules below read a single one; the digits
    // become the amount's (exact, see [`short`]). Any other byte leaves it to the general steps.
    let b = s.as_bytes();
    let short = match b.iter().position(|&c| c == b'.' || c == b',') {
        None => Short::from_parts(b, &[], false),
        Some(p) => {
            let frac = &b[p + 1..];
            let thousands = frac.len() == 3 && !decimals_likely;
            Short::from_parts(&b[..p], frac, !thousands)
        }
    };
    if let Some(short) = short {
        return Some(Amount::short(short));
    }
    if s.len() <= ASCII_MAX && s.is_ascii() {
        return parse_ascii(s, decimals_likely);
    }
    parse_general(s, decimals_likely).map(Amount::general)
}

/// Longest amount [`parse_ascii`] takes (a price group is a few bytes).
const ASCII_MAX: usize = 64;

/// [`parse_general`] for a short ASCII amount, with the same steps on a stack buffer instead of
/// three strings: drop whitespace and `'`, interpret the marks, parse the canonical digits.
fn parse_ascii(s: &str, decimals_likely: bool) -> Option<Amount> {
    let mut buf = [0u8; ASCII_MAX];
    let mut n = 0;
    for &b in s.as_bytes() {
        // `char::is_whitespace` on ASCII: space, \t, \n, \x0b, \x0c, \r.
        if b == b' ' || (b'\t'..=b'\r').contains(&b) || b == b'\'' {
            continue;
        }
        buf[n] = b;
        n += 1;
    }
    let compact = &buf[..n];
    if !compact.iter().any(u8::is_ascii_digit) {
        return None;
    }
    let dots = compact.iter().filter(|&&b| b == b'.').count();
    let commas = compact.iter().filter(|&&b| b == b',').count();
    let mut out = [0u8; ASCII_MAX];
    let mut m = 0;
    let mut put = |b: u8| {
        out[m] = b;
        m += 1;
    };
    match (dots, commas) {
        (0, 0) => compact.iter().for_each(|&b| put(b)),
        (_, 0) | (0, _) => {
            let mark = if dots > 0 { b'.' } else { b',' };
            let after = compact.iter().rev().take_while(|&&b| b != mark).count();
            let drop_marks = dots + commas > 1 || (after == 3 && !decimals_likely);
            for &b in compact {
                if b != mark {
                    put(b);
                } else if !drop_marks {
                    put(b'.');
                }
            }
        }
        _ => {
            let last_dot = compact.iter().rposition(|&b| b == b'.').unwrap_or(0);
            let last_comma = compact.iter().rposition(|&b| b == b',').unwrap_or(0);
            for &b in compact {
                match b {
                    b',' if last_dot > last_comma => {}
                    b'.' if last_dot <= last_comma => {}
                    b',' => put(b'.'),
                    _ => put(b),
                }
            }
        }
    }
    // The canonical text of a short amount is read without the float parser (same value).
    if let Some(short) = Short::read(&out[..m]) {
        return Some(Amount::short(short));
    }
    std::str::from_utf8(&out[..m])
        .ok()?
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(Amount::general)
}

/// The general parse: any text, any whitespace.
fn parse_general(s: &str, decimals_likely: bool) -> Option<f64> {
    let compact: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\'')
        .collect();
    if compact.is_empty() || !compact.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let dots = compact.matches('.').count();
    let commas = compact.matches(',').count();
    let canonical = match (dots, commas) {
        (0, 0) => compact,
        (_, 0) | (0, _) => {
            let mark = if dots > 0 { '.' } else { ',' };
            let n = dots + commas;
            let after = compact.rsplit(mark).next().map_or(0, str::len);
            if n > 1 || (after == 3 && !decimals_likely) {
                compact.replace(mark, "")
            } else {
                compact.replace(mark, ".")
            }
        }
        _ => {
            let last_dot = compact.rfind('.').unwrap_or(0);
            let last_comma = compact.rfind(',').unwrap_or(0);
            if last_dot > last_comma {
                compact.replace(',', "")
            } else {
                compact.replace('.', "").replace(',', ".")
            }
        }
    };
    canonical.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// `350` for whole amounts, `0.05` otherwise.
pub(crate) fn format_amount(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        if v.is_sign_positive() {
            // A whole number below 1e15 is exact as an integer: the same digits as `{v:.0}`,
            // without float formatting.
            (v as u64).to_string()
        } else {
            format!("{v:.0}")
        }
    } else {
        format!("{v}")
    }
}

/// `format_amount(a.value)`, a space and `currency`: a price's `normalized` form. A short
/// amount's digits are printed as read (the same text, see [`short`]), and so is a whole amount
/// below 10^15 (its integer digits, which `format_amount` writes too), in a string of the right
/// size; other values go through the formatting machinery.
pub(crate) fn format_price(a: &Amount, currency: &str) -> String {
    let v = a.value;
    let short = a.short.or_else(|| {
        (v.fract() == 0.0 && v.abs() < 1e15 && v.is_sign_positive()).then(|| Short::whole(v as u64))
    });
    let Some(short) = short else {
        let mut s = format_amount(v);
        s.push(' ');
        s.push_str(currency);
        return s;
    };
    let mut buf = [0u8; PRINTED_MAX];
    let digits = short.print(&mut buf);
    let mut s = String::with_capacity(digits.len() + 1 + currency.len());
    s.extend(digits.iter().map(|&b| char::from(b)));
    s.push(' ');
    s.push_str(currency);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `parse_amount` without its digits-only fast path.
    fn general(s: &str) -> Option<f64> {
        parse_general(s, false)
    }

    proptest::proptest! {
        /// The digits-only fast path gives what the general path gives (which sees the same
        /// digits once the trailing space is dropped).
        #[test]
        fn digits_fast_path(s in "[0-9]{0,17}") {
            proptest::prop_assert_eq!(parse_amount(&s, false), general(&s));
            proptest::prop_assert_eq!(parse_amount(&s, true), general(&s));
        }

        /// The ASCII path gives what the general path gives, marks and whitespace included.
        #[test]
        fn ascii_path(s in "[0-9 .,'\t\r\x0bx]{0,24}", crypto in proptest::bool::ANY) {
            proptest::prop_assert_eq!(parse_amount(&s, crypto), parse_general(&s, crypto));
        }

        /// Amounts read off their digits (`short`) have the value the float parser gives and
        /// print as float formatting prints that value, around the 15-digit limit too.
        #[test]
        fn short_amounts_as_float(
            s in "0{0,3}[0-9]{0,17}(?:[.,][0-9]{0,17}0{0,3})?|[0-9]{1,4}(?:[., ][0-9]{3}){0,6}(?:[.,][0-9]{1,8})?|0?[.,]0{0,24}[1-9]{1,3}",
            crypto in proptest::bool::ANY,
        ) {
            let a = parse_price(&s, crypto);
            let general = parse_general(&s, crypto);
            proptest::prop_assert_eq!(a.map(|a| a.value.to_bits()), general.map(f64::to_bits));
            if let Some(a) = a {
                proptest::prop_assert_eq!(format_price(&a, "X"), format!("{} X", format_amount(a.value)));
            }
        }
    }

    #[test]
    fn amounts() {
        assert_eq!(parse_amount("350", false), Some(350.0));
        assert_eq!(parse_amount("1.200", false), Some(1200.0));
        assert_eq!(parse_amount("1,200", false), Some(1200.0));
        assert_eq!(parse_amount("1 200", false), Some(1200.0));
        assert_eq!(parse_amount("1.200,50", false), Some(1200.5));
        assert_eq!(parse_amount("1,200.50", false), Some(1200.5));
        assert_eq!(parse_amount("350,00", false), Some(350.0));
        assert_eq!(parse_amount("0.005", true), Some(0.005));
        assert_eq!(parse_amount("1.000.000", false), Some(1_000_000.0));
        assert_eq!(parse_amount("", false), None);
        assert_eq!(parse_amount("007", false), Some(7.0));
        let value_only =
            |value: f64, currency: &str| format_price(&Amount::general(value), currency);
        assert_eq!(value_only(350.0, "EUR"), "350 EUR");
        for v in [
            0.0,
            -0.0,
            7.0,
            10.0,
            1200.0,
            999_999_999_999_999.0,
            1e15,
            -5.0,
            0.5,
        ] {
            assert_eq!(value_only(v, "X"), format!("{} X", format_amount(v)), "{v}");
        }
        assert_eq!(
            value_only(0.05, "BTC"),
            format!("{} BTC", format_amount(0.05))
        );
        assert_eq!(format_amount(350.0), "350");
        assert_eq!(format_amount(0.05), "0.05");
        for v in [
            0.0_f64,
            1.0,
            350.0,
            1200.0,
            999_999_999_999_999.0,
            -0.0,
            -5.0,
            1e15,
            0.5,
        ] {
            let reference = if v.fract() == 0.0 && f64::abs(v) < 1e15 {
                format!("{v:.0}")
            } else {
                format!("{v}")
            };
            assert_eq!(format_amount(v), reference, "{v}");
        }
    }
}
