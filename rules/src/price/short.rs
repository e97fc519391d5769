//! An amount read straight off its canonical digits (`1200.5`, `0.05`, `350`): its `f64` value
//! and its printed form without float parsing or float formatting, when it has at most 15
//! significant digits (every amount a seller writes).
//!
//! Why this is exact:
//! - the value: the digits form an integer `m < 10^15 < 2^53` and a scale `k <= 22`; both `m`
//!   and `10^k` are exact `f64`s, and IEEE division rounds correctly, so `m / 10^k` is the `f64`
//!   nearest to the decimal: what a correct parser (`str::parse::<f64>`) returns (Clinger's fast
//!   path);
//! - the printed form: `{}` on an `f64` writes the shortest digits that parse back to it, in
//!   plain (not scientific) notation. Two different decimals of at most 15 significant digits
//!   never round to the same `f64` (`f64` carries 15 decimal digits, `DBL_DIG`), so no shorter
//!   or other digit string of that length parses back to the value: the shortest digits are the
//!   amount's own, without leading and trailing zeros.

/// `mantissa / 10^scale`, with no trailing zero in the fraction (`mantissa` is not a multiple of
/// ten when `scale > 0`), at most 15 significant digits and `scale <= 22`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Short {
    mantissa: u64,
    scale: u8,
}

/// Most digits a [`Short`] holds: below `DBL_DIG` + 1, see the module documentation.
const MAX_DIGITS: usize = 15;

/// Most fraction digits: `10^22` is the largest power of ten exact as an `f64`.
const MAX_SCALE: usize = 22;

/// Longest text [`Short::print`] writes: `0.` and 22 fraction digits (with an integer part, the
/// 15 digits fit in fewer).
pub(crate) const PRINTED_MAX: usize = MAX_SCALE + 2;

/// `10^k` for `k <= 22`, each exact as an `f64`.
const POW10: [f64; MAX_SCALE + 1] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

impl Short {
    /// Reads `canonical`, ASCII digits with at most one `.` and at least one digit (the text
    /// the amount parser hands to `str::parse::<f64>`); `None` for any other shape.
    pub(crate) fn read(canonical: &[u8]) -> Option<Self> {
        match canonical.iter().position(|&b| b == b'.') {
            Some(p) => Self::from_parts(&canonical[..p], &canonical[p + 1..], true),
            None => Self::from_parts(canonical, &[], false),
        }
    }

    /// The amount whose digits are `int` then `frac` (ASCII digits only, not both empty), with
    /// a decimal point between them when `point` (`1.200` as a thousands separator is
    /// `from_parts(b"1", b"200", false)`). `None` for any other byte, for more than 15
    /// significant digits (counted from the first non-zero digit, up to the fraction's last
    /// non-zero one) or a fraction of more than 22 digits (beyond, `10^k` is not exact).
    pub(crate) fn from_parts(int: &[u8], frac: &[u8], point: bool) -> Option<Self> {
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        let frac = if point {
            &frac[..frac.iter().rposition(|&b| b != b'0').map_or(0, |p| p + 1)]
        } else {
            frac
        };
        if point && frac.len() > MAX_SCALE {
            return None;
        }
        let mut mantissa = 0u64;
        let mut digits = 0;
        for part in [int, frac] {
            for &b in part {
                let d = b.wrapping_sub(b'0');
                if d > 9 {
                    return None;
                }
                if mantissa != 0 || d != 0 {
                    digits += 1;
                    if digits > MAX_DIGITS {
                        return None;
                    }
                }
                mantissa = mantissa * 10 + u64::from(d);
            }
        }
        Some(Self {
            mantissa,
            scale: if point { frac.len() as u8 } else { 0 },
        })
    }

    /// A whole amount (below 10^15, so at most [`MAX_DIGITS`] digits).
    pub(crate) fn whole(n: u64) -> Self {
        debug_assert!(n < 1_000_000_000_000_000);
        Short {
            mantissa: n,
            scale: 0,
        }
    }

    /// The amount as `str::parse::<f64>` reads its digits.
    pub(crate) fn value(self) -> f64 {
        let m = self.mantissa as f64;
        if self.scale == 0 {
            m
        } else {
            m / POW10[usize::from(self.scale)]
        }
    }

    /// `format!("{}", self.value())`, written into `buf` (a whole amount: its integer digits;
    /// otherwise at least one integer digit, the point and the fraction's digits).
    /// ASCII digits and `.` only: each byte is its `char` (no UTF-8 check needed).
    pub(crate) fn print(self, buf: &mut [u8; PRINTED_MAX]) -> &[u8] {
        let mut i = buf.len();
        let mut n = self.mantissa;
        for _ in 0..self.scale {
            i -= 1;
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
        }
        if self.scale > 0 {
            i -= 1;
            buf[i] = b'.';
        }
        loop {
            i -= 1;
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        &buf[i..]
    }
}
