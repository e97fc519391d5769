//! Prices to EUR, from one fixed table of rates.
//!
//! The converted amount is used only to filter (`--min-price/--max-price`) and sort by price: the
//! price as written, its amount and its currency are always kept beside it. The rates are
//! rounded approximations of the market rates around [`RATES_DATE`]; they are deliberately fixed
//! so that a rebuild gives the same results. Change them only here, together with the date.

/// When the rates of [`EUR_PER_UNIT`] were taken (approximate, rounded).
pub const RATES_DATE: &str = "2025-01";

/// How many EUR one unit of each currency is worth (ISO 4217 codes, plus `BTC` and `XMR`).
pub const EUR_PER_UNIT: &[(&str, f64)] = &[
    ("EUR", 1.0),
    // Macedonian denar, managed peg at about 61.5 MKD per EUR.
    ("MKD", 1.0 / 61.5),
    // Albanian lek, about 98 ALL per EUR.
    ("ALL", 1.0 / 98.0),
    // Serbian dinar, about 117 RSD per EUR.
    ("RSD", 1.0 / 117.0),
    // Bosnia and Herzegovina convertible mark, fixed at 1.95583 BAM per EUR.
    ("BAM", 1.0 / 1.955_83),
    // Croatian kuna (replaced by the euro in 2023 at the fixed rate of 7.5345 HRK per EUR).
    ("HRK", 1.0 / 7.5345),
    // US dollar, about 1.04 USD per EUR.
    ("USD", 1.0 / 1.04),
    // Pound sterling, about 0.83 GBP per EUR.
    ("GBP", 1.0 / 0.83),
    // Swiss franc, about 0.94 CHF per EUR.
    ("CHF", 1.0 / 0.94),
    // Bitcoin, about 92,000 EUR.
    ("BTC", 92_000.0),
    // Monero, about 200 EUR.
    ("XMR", 200.0),
];

/// The amount in EUR, or `None` for an unknown currency or an amount that is not a finite,
/// non-negative number.
pub fn to_eur(amount: f64, currency: &str) -> Option<f64> {
    if !amount.is_finite() || amount < 0.0 {
        return None;
    }
    let code = currency.trim().to_ascii_uppercase();
    EUR_PER_UNIT
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, rate)| amount * rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_known_currencies() {
        assert_eq!(to_eur(350.0, "EUR"), Some(350.0));
        let mkd = to_eur(6150.0, "MKD").unwrap();
        assert!((mkd - 100.0).abs() < 1e-9);
        let bam = to_eur(195.583, "bam").unwrap();
        assert!((bam - 100.0).abs() < 1e-9);
        assert_eq!(to_eur(0.5, "BTC"), Some(46_000.0));
    }

    #[test]
    fn rejects_unknown_or_bad_amounts() {
        assert_eq!(to_eur(10.0, "XYZ"), None);
        assert_eq!(to_eur(f64::NAN, "EUR"), None);
        assert_eq!(to_eur(-1.0, "EUR"), None);
    }

    #[test]
    fn table_has_no_duplicates() {
        for (i, (a, _)) in EUR_PER_UNIT.iter().enumerate() {
            assert!(
                EUR_PER_UNIT[i + 1..].iter().all(|(b, _)| a != b),
                "{a} twice"
            );
        }
    }
}
