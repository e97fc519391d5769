//! Whether a phone candidate is a date instead (`2026-10-11`, `12.05.2024`): every listing's
//! date is a phone candidate, so the test is one pass over the bytes.

/// Three groups of digits separated by `.`, `-` or `/` (spaces around them allowed), with a
/// four-digit year first or a two- or four-digit year last. The groups' lengths are kept on
/// the stack: every phone candidate asks (a listing's date, `2026-10-11`, is one).
pub(super) fn looks_like_date(s: &str) -> bool {
    let Some(lens) = (if s.is_ascii() {
        date_groups_ascii(s.as_bytes())
    } else {
        date_groups(s)
    }) else {
        return false;
    };
    let year_first = lens[0] == 4 && lens[1] <= 2 && lens[2] <= 2;
    let year_last = lens[0] <= 2 && lens[1] <= 2 && matches!(lens[2], 2 | 4);
    year_first || year_last
}

/// [`date_groups`] in one pass over ASCII bytes: a group is whitespace, digits, whitespace (what
/// `str::trim` leaves is the digits; on ASCII it trims space, `\t`, `\n`, `\x0b`, `\x0c`, `\r`).
fn date_groups_ascii(s: &[u8]) -> Option<[usize; 3]> {
    let mut lens = [0usize; 3];
    let mut n = 0;
    // Within a group: 0 before its digits, 1 in them, 2 after them.
    let mut state = 0u8;
    for &b in s {
        match b {
            b'.' | b'-' | b'/' => {
                n += 1;
                if n == 3 {
                    return None;
                }
                state = 0;
            }
            b'0'..=b'9' => {
                if state == 2 {
                    return None;
                }
                state = 1;
                lens[n] += 1;
            }
            b' ' | b'\t'..=b'\r' => {
                if state == 1 {
                    state = 2;
                }
            }
            _ => return None,
        }
    }
    (n == 2).then_some(lens)
}

/// The lengths of the three `.`/`-`/`/`-separated groups of `s` once trimmed, when there are
/// three and each is digits only.
fn date_groups(s: &str) -> Option<[usize; 3]> {
    let mut lens = [0usize; 3];
    let mut n = 0;
    for part in s.split(['.', '-', '/']).map(str::trim) {
        if n == 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        lens[n] = part.len();
        n += 1;
    }
    (n == 3).then_some(lens)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The date test as it was, on collected parts.
    fn looks_like_date_reference(s: &str) -> bool {
        let parts: Vec<&str> = s.split(['.', '-', '/']).map(str::trim).collect();
        if parts.len() != 3 || !parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())) {
            return false;
        }
        let year_first = parts[0].len() == 4 && parts[1].len() <= 2 && parts[2].len() <= 2;
        let year_last =
            parts[0].len() <= 2 && parts[1].len() <= 2 && matches!(parts[2].len(), 2 | 4);
        year_first || year_last
    }

    proptest::proptest! {
        /// The date test on the stack answers as the one on collected parts.
        #[test]
        fn looks_like_date_as_reference(s in "[0-9 .\\-/a]{0,14}|[0-9]{1,4}[.\\-/ ]{1,2}[0-9]{1,4}[.\\-/ ]{1,2}[0-9]{1,5}|[ \t\r\x0b\x0c\u{a0}]?[0-9]{1,4}[ \t\u{a0}]?[.\\-/][ \t\u{a0}]?[0-9]{0,4}[ \t\x0b]{0,2}[.\\-/]{1,2} ?[0-9]{0,5}[ \t\n\u{a0}a]?|[0-9]{1,2}[ \t]?[0-9]{0,2}[.\\-/][0-9]{1,2} ?[0-9]?[.\\-/] ?[0-9]{2,4}") {
            proptest::prop_assert_eq!(looks_like_date(&s), looks_like_date_reference(&s), "{:?}", s);
        }
    }
}
