//! Contact identifiers: phones (E.164 via libphonenumber metadata), e-mails, messenger handles.

use std::cell::RefCell;

use phonenumber::{Mode, country::Id};

use super::date::looks_like_date;
use super::memo::Bounded;

/// A phone number as written → E.164, using `region` for national numbers. Tries the whole
/// candidate, then drops leading digit groups (a model number or price glued in front).
pub(crate) fn phone(s: &str, region: Option<Id>) -> Option<String> {
    let digits = s.bytes().filter(u8::is_ascii_digit).count();
    if !(8..=15).contains(&digits) || looks_like_date(s) {
        return None;
    }
    // Where each digit group starts (after something other than a digit or `+`), walked as
    // needed rather than collected: the first candidate usually parses.
    let bytes = s.as_bytes();
    let starts = std::iter::once(0).chain((1..bytes.len()).filter(|&i| {
        !bytes[i - 1].is_ascii_digit() && bytes[i].is_ascii_digit() && bytes[i - 1] != b'+'
    }));
    for st in starts {
        let cand = &s[st..];
        if cand.bytes().filter(u8::is_ascii_digit).count() < 8 {
            break;
        }
        if let Some(e164) = parse_one(cand, region) {
            return Some(e164);
        }
    }
    None
}

/// Parsed candidates kept per thread (bounded; cleared when full): `phonenumber` compiles
/// regexes while it parses, and a seller's number recurs across listings.
const PARSE_CACHE_MAX: usize = 4096;

thread_local! {
    /// Default region → candidate → E.164 (or none).
    static PARSE_CACHE: RefCell<Bounded<Option<Id>>> = RefCell::new(Bounded::new(PARSE_CACHE_MAX));
}

/// [`parse_uncached`] through the per-thread cache (same result, computed once).
fn parse_one(cand: &str, region: Option<Id>) -> Option<String> {
    if let Some(hit) = PARSE_CACHE.with(|c| c.borrow().get(&region, cand)) {
        return hit;
    }
    let out = parse_uncached(cand, region);
    PARSE_CACHE.with(|c| c.borrow_mut().insert(region, cand, out.clone()));
    out
}

fn parse_uncached(cand: &str, region: Option<Id>) -> Option<String> {
    let trimmed = cand.trim();
    let intl = if let Some(rest) = trimmed.strip_prefix("00") {
        Some(format!("+{rest}"))
    } else {
        trimmed.starts_with('+').then(|| trimmed.to_owned())
    };
    let parsed = match &intl {
        Some(i) => phonenumber::parse(None, i).ok()?,
        None => phonenumber::parse(Some(region?), trimmed).ok()?,
    };
    phonenumber::is_valid(&parsed).then(|| parsed.format().mode(Mode::E164).to_string())
}

/// An e-mail address, lower-cased, with a dotted domain and an alphabetic TLD.
pub(crate) fn email(s: &str) -> Option<String> {
    let (local, domain) = s.rsplit_once('@')?;
    let tld = domain.rsplit_once('.')?.1;
    (!local.is_empty() && tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()))
        .then(|| s.to_lowercase())
}

/// A Telegram handle from `@name`, `t.me/name` or `telegram.me/name`: `@` + lower-case name
/// (5–32 characters of letters, digits, `_`, starting with a letter).
pub(crate) fn telegram(s: &str) -> Option<String> {
    let name = s
        .rsplit(['/', '@'])
        .next()?
        .trim_end_matches(|c: char| !c.is_ascii_alphanumeric() && c != '_');
    let ok = (5..=32).contains(&name.len())
        && name.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !name.ends_with('_');
    ok.then(|| format!("@{}", name.to_ascii_lowercase()))
}

/// A Session id: 66 hex characters starting with `05`, lower-cased.
pub(crate) fn session(s: &str) -> Option<String> {
    let lower = s.to_ascii_lowercase();
    (lower.len() == 66 && lower.starts_with("05") && lower.bytes().all(|b| b.is_ascii_hexdigit()))
        .then_some(lower)
}

/// A WhatsApp `wa.me/<number>` link → the number in E.164.
pub(crate) fn whatsapp(s: &str) -> Option<String> {
    let num = s.rsplit('/').next()?;
    let digits: String = num.chars().filter(char::is_ascii_digit).collect();
    phone(&format!("+{digits}"), None)
}

/// A Threema id: 8 characters of upper-case letters, digits or `*`.
pub(crate) fn threema(s: &str) -> Option<String> {
    let up = s.to_ascii_uppercase();
    (up.len() == 8 && up.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'*')).then_some(up)
}

/// An absolute URL as written, without trailing sentence punctuation.
pub(crate) fn url(s: &str) -> Option<String> {
    let t = s.trim_end_matches(['.', ',', ';', ':', ')', ']', '!', '?', '\'', '"']);
    (t.len() > 10).then(|| t.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_parse_keys_on_the_region() {
        for _ in 0..2 {
            assert_eq!(
                phone("070 123 456", Some(Id::MK)).as_deref(),
                Some("+38970123456")
            );
            assert_eq!(phone("070 123 456", None), None);
            assert_eq!(
                parse_one("070 123 456", Some(Id::MK)),
                parse_uncached("070 123 456", Some(Id::MK))
            );
        }
    }

    #[test]
    fn phones_to_e164() {
        assert_eq!(
            phone("070 123 456", Some(Id::MK)).as_deref(),
            Some("+38970123456")
        );
        assert_eq!(
            phone("+389 70 123 456", None).as_deref(),
            Some("+38970123456")
        );
        assert_eq!(
            phone("00389 70 123 456", Some(Id::RS)).as_deref(),
            Some("+38970123456")
        );
        assert_eq!(
            phone("069 123 4567", Some(Id::AL)).as_deref(),
            Some("+355691234567")
        );
        assert_eq!(
            phone("064 123 4567", Some(Id::RS)).as_deref(),
            Some("+381641234567")
        );
        assert_eq!(phone("070 123 456", None), None);
        assert_eq!(phone("12.05.2024", Some(Id::MK)), None);
    }

    #[test]
    fn handles() {
        assert_eq!(telegram("@Glock_Seller").as_deref(), Some("@glock_seller"));
        assert_eq!(
            telegram("https://t.me/Balkan_Arms").as_deref(),
            Some("@balkan_arms")
        );
        assert_eq!(telegram("@abc"), None);
        assert_eq!(telegram("@1abcdef"), None);
        assert_eq!(
            email("Seller.MK@Example.invalid").as_deref(),
            Some("seller.mk@example.invalid")
        );
        assert_eq!(email("a@b"), None);
        assert_eq!(threema("abcd1234").as_deref(), Some("ABCD1234"));
        assert_eq!(
            whatsapp("wa.me/38970123456").as_deref(),
            Some("+38970123456")
        );
    }
}
