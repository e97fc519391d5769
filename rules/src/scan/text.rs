//! Character tests on text by byte position: word characters on either side of a position and
//! the nearest character boundaries.

use crate::normalize::tokenize::alphabetic_alphanumeric;

/// `char::is_alphanumeric`: ASCII by its byte test, the rest from the tokenizer's table (the
/// same answers, checked there for every character).
#[inline]
pub(super) fn alnum(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        alphabetic_alphanumeric(c).1
    }
}

/// Whether the character before byte `pos` (a char boundary) is alphanumeric. An ASCII byte
/// before it is that character, decided without decoding (most folded text is ASCII).
#[inline]
pub(super) fn word_before(t: &str, pos: usize) -> bool {
    match pos.checked_sub(1).map(|i| t.as_bytes()[i]) {
        None => false,
        Some(b) if b < 0x80 => b.is_ascii_alphanumeric(),
        Some(_) => t[..pos].chars().next_back().is_some_and(alnum),
    }
}

/// Whether the character at byte `pos` (a char boundary, at most the length) is alphanumeric.
#[inline]
pub(super) fn word_at(t: &str, pos: usize) -> bool {
    match t.as_bytes().get(pos) {
        None => false,
        Some(&b) if b < 0x80 => b.is_ascii_alphanumeric(),
        Some(_) => t[pos..].chars().next().is_some_and(alnum),
    }
}

/// A UTF-8 continuation byte (`10xxxxxx`): not the first byte of a character.
#[inline]
pub(super) fn is_continuation(b: u8) -> bool {
    b & 0xC0 == 0x80
}

#[inline]
pub(super) fn floor(t: &str, mut i: usize) -> usize {
    i = i.min(t.len());
    while !t.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[inline]
pub(super) fn ceil(t: &str, mut i: usize) -> usize {
    i = i.min(t.len());
    while !t.is_char_boundary(i) {
        i += 1;
    }
    i
}
