//! The normalizer's fast path: whitespace-separated tokens that no word-level pass can change
//! are folded straight into the output, character by character, from a table; everything else
//! goes through the unit passes of `Folder` (the reference), region by region.
//!
//! Why this is exact. The unit passes only reach across whitespace in two places: a chain of
//! single letters (`G l o c k`) and the collapse of a whitespace run. A token is *inert* when
//! it holds no `@`/`$` and no character outside the table, and either every word in it (a
//! maximal run of letters and digits) has at least two characters of output and does not mix
//! Latin with Cyrillic nor digits with three letters or more (an ASCII word may: when one of
//! its digits is not `0`, `1`, `3`, `4` or lacks a letter on either side, the leetspeak step
//! leaves the whole word alone, see `leet_leaves`), or it has no word at all but a
//! punctuation mark that is not a letter separator. In such a token no unit is a single
//! letter, so no chain starts, ends or passes there (a chain needs a single letter after every
//! run of separators), no look-alike or leetspeak rule applies, Latin words are left as they
//! are and Cyrillic letters are transliterated one by one. A non-inert token is folded by the
//! unit passes together with the whitespace on both sides of it (and with the non-inert tokens
//! next to it), so every whitespace run is collapsed whole by one side, and a region's first
//! and last units see whitespace or the text's edge beyond them, exactly as in the whole text.
//! After inert tokens only, a token may also begin with a word of one character (`и`, `e`, the
//! `1` of `1.200`) or hold separators alone (`/`, `·`): see `Token` for why no chain can reach
//! them there. In a stretch of tokens after single spaces, a token of one word character is
//! inert when a line break or a word of two characters follows it (`no_chain_after`).
//! A stretch of inert ASCII tokens, each after a single space or newline, folds to itself
//! lower-cased, byte for byte: it is written at once, and the other inert tokens between such
//! single whitespace bytes are written on the way (`fold_stretch`).
//! `tests::fast_path_equals_the_unit_passes` checks the claim on generated ad-like text.

use std::sync::OnceLock;

use super::Folder;
use super::chars::{Class, cyrillic_translit};

/// The folded text being built and, per byte, the original range it came from.
pub(super) struct Out {
    pub text: String,
    pub starts: Vec<u32>,
    pub ends: Vec<u32>,
}

impl Out {
    pub const fn new() -> Self {
        Self {
            text: String::new(),
            starts: Vec::new(),
            ends: Vec::new(),
        }
    }

    pub fn with_capacity(n: usize) -> Self {
        Self {
            text: String::with_capacity(n),
            starts: Vec::with_capacity(n),
            ends: Vec::with_capacity(n),
        }
    }

    /// The current length, for `reset`.
    fn mark(&self) -> (usize, usize) {
        (self.text.len(), self.starts.len())
    }

    /// Back to a length taken by `mark`.
    fn reset(&mut self, (text, map): (usize, usize)) {
        self.text.truncate(text);
        self.starts.truncate(map);
        self.ends.truncate(map);
    }

    fn append(&mut self, other: &Out) {
        self.text.push_str(&other.text);
        self.starts.extend_from_slice(&other.starts);
        self.ends.extend_from_slice(&other.ends);
    }

    fn reserve(&mut self, n: usize) {
        self.text.reserve(n);
        self.starts.reserve(n);
        self.ends.reserve(n);
    }

    /// ASCII `s`, lower-cased, each byte mapping onto its own byte of the original from `base`
    /// on (which fits in a `u32` with `s`).
    fn push_lowercase(&mut self, s: &str, base: usize) {
        let (at, n) = (super::off(base), super::off(s.len()));
        if let &[b] = s.as_bytes() {
            // Often the one space between two tokens of other characters: no copy call.
            self.text.push(char::from(b.to_ascii_lowercase() & 0x7F));
            self.starts.push(at);
            self.ends.push(at + 1);
            return;
        }
        let len = self.text.len();
        self.text.push_str(s);
        self.text[len..].make_ascii_lowercase();
        self.starts.extend(at..at + n);
        self.ends.extend(at + 1..=at + n);
    }

    /// The output of a packed two-byte letter (see [`Letters`]) at original offset `at`.
    fn push_letter(&mut self, packed: u32, at: usize) {
        let at = super::off(at);
        for k in 0..(packed >> 16) & 0xFF {
            self.text.push(char::from((packed >> (8 * k)) as u8 & 0x7F));
            self.starts.push(at);
            self.ends.push(at + 2);
        }
    }

    /// `s`, every byte of it coming from the original bytes `start..end`.
    fn push(&mut self, s: &str, start: u32, end: u32) {
        self.text.push_str(s);
        for _ in 0..s.len() {
            self.starts.push(start);
            self.ends.push(end);
        }
    }
}

/// What a character is inside an inert token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Latin,
    Cyrillic,
    Punct,
}

/// How one non-ASCII character folds when it stands inside an inert token.
#[derive(Debug, Clone, Copy)]
struct Fold {
    kind: Kind,
    /// The output; empty for the soft and hard signs. The table lives as long as the process,
    /// built once, so its strings are leaked into it.
    out: &'static str,
}

/// Non-ASCII characters the table covers: Latin-1 to Cyrillic Supplement, and the general
/// punctuation and currency blocks (`–`, `€`).
const LOW: std::ops::Range<u32> = 0x80..0x530;
const PUNCT: std::ops::Range<u32> = 0x2000..0x20D0;

/// Folds of the characters of `LOW` and of `PUNCT`, by code point, and the letters among them
/// packed for the token loop (see [`Letters`]).
struct Table {
    low: Vec<Option<Fold>>,
    punct: Vec<Option<Fold>>,
    letters: Letters,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let low: Vec<Option<Fold>> = LOW.map(fold_of).collect();
        let punct = PUNCT.map(fold_of).collect();
        let letters = Letters::new(&low);
        Table {
            low,
            punct,
            letters,
        }
    })
}

/// The two-byte letters of the table (Latin with diacritics, Cyrillic: most non-ASCII
/// characters of the ads), indexed by code point below U+0800 and packed in a `u32`, so the
/// token loop folds one from its two bytes with one load, without going through a `&str`:
/// the output's bytes in bits 0–7 and 8–15 (ASCII lowercase letters), their count (0 for the
/// soft and hard signs, at most 2) in bits 16–23, and the kind in bits 24–31
/// (`LETTER_LATIN` or `LETTER_CYRILLIC`); 0 for every other character (punctuation, folds
/// longer than two bytes, characters outside the table), which takes the general lookup.
struct Letters(Box<[u32]>);

const LETTER_LATIN: u32 = 1;
const LETTER_CYRILLIC: u32 = 2;

impl Letters {
    fn new(low: &[Option<Fold>]) -> Self {
        let mut packed = vec![0u32; 0x800];
        for (cp, fold) in (LOW.start..).zip(low) {
            let Some(f) = fold else { continue };
            let kind = match f.kind {
                Kind::Latin => LETTER_LATIN,
                Kind::Cyrillic => LETTER_CYRILLIC,
                Kind::Punct => continue,
            };
            let out = f.out.as_bytes();
            if cp >= 0x800 || out.len() > 2 || !out.iter().all(u8::is_ascii_lowercase) {
                continue;
            }
            let byte = |k: usize| u32::from(out.get(k).copied().unwrap_or(0));
            packed[cp as usize] = byte(0) | byte(1) << 8 | (out.len() as u32) << 16 | kind << 24;
        }
        Self(packed.into_boxed_slice())
    }

    /// The packed fold of the two-byte character `b0 b1` (0 when it is not such a letter).
    #[inline(always)]
    fn get(&self, b0: u8, b1: u8) -> u32 {
        let cp = (usize::from(b0 & 0x1F) << 6) | usize::from(b1 & 0x3F);
        self.0.get(cp).copied().unwrap_or(0)
    }
}

/// The fold of the (non-ASCII) character `s` starts with and its length in bytes, if the
/// table has it. Two-byte characters (Latin, Cyrillic) are decoded here, without `chars()`.
fn lookup(table: &Table, s: &str) -> Option<(Fold, usize)> {
    let (cp, len) = match *s.as_bytes() {
        [b0 @ 0xC2..=0xDF, b1, ..] => ((u32::from(b0 & 0x1F) << 6) | u32::from(b1 & 0x3F), 2),
        _ => {
            let c = s.chars().next()?;
            (c as u32, c.len_utf8())
        }
    };
    let fold = if LOW.contains(&cp) {
        table.low[(cp - LOW.start) as usize]
    } else if PUNCT.contains(&cp) {
        table.punct[(cp - PUNCT.start) as usize]
    } else {
        None
    };
    fold.map(|f| (f, len))
}

/// Folds `c` alone with the unit passes' own character step and keeps it when its result is
/// one of the simple cases the fast path handles (see the module documentation).
fn fold_of(cp: u32) -> Option<Fold> {
    let c = char::from_u32(cp)?;
    let mut f = Folder::new();
    f.fold_char(0, c, c.len_utf8());
    let units = &f.units;
    let ascii_letters = || {
        units
            .iter()
            .all(|u| u.class == Class::Letter && u.out_len == 1 && u.first.is_ascii_lowercase())
    };
    let (kind, out) = match units.as_slice() {
        [] => return None,
        [u] if u.class == Class::Drop && matches!(c, 'ь' | 'ъ' | 'Ь' | 'Ъ') => {
            (Kind::Cyrillic, String::new())
        }
        [u] if u.class == Class::Cyrillic => {
            let t = cyrillic_translit(u.first)?;
            if t.is_empty() || !t.bytes().all(|b| b.is_ascii_lowercase()) {
                return None;
            }
            (Kind::Cyrillic, t.to_owned())
        }
        [u] if u.class == Class::Punct => (Kind::Punct, f.out(u).to_owned()),
        _ if ascii_letters() => (Kind::Latin, f.arena.clone()),
        _ => return None,
    };
    Some(Fold {
        kind,
        out: Box::leak(out.into_boxed_str()),
    })
}

/// Bytes the unit passes read as whitespace (ASCII whitespace and control characters).
fn is_space(b: u8) -> bool {
    b <= b' ' || b == 0x7F
}

/// The first byte at or after `from` that [`is_space`], or the end: eight bytes at a time.
///
/// In a word of eight bytes, a byte below 0x21 borrows when 0x21 is subtracted from it, setting
/// its high bit (bytes of 0x80 and more are masked out by `!w`: they are not spaces), and a
/// 0x7F byte becomes zero when XORed with 0x7F, then borrows likewise. A borrow can only set
/// bits above the first such byte, so the lowest set bit marks the first space.
fn next_space(bytes: &[u8], from: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = from;
    while let Some(chunk) = bytes.get(i..i + 8)
        && let Ok(chunk) = <[u8; 8]>::try_from(chunk)
    {
        let w = u64::from_le_bytes(chunk);
        let del = w ^ (0x7F * ONES);
        let found = (w.wrapping_sub(0x21 * ONES) & !w | del.wrapping_sub(ONES) & !del) & HIGH;
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    bytes[i..]
        .iter()
        .position(|&b| is_space(b))
        .map_or(bytes.len(), |k| i + k)
}

/// How many of the eight bytes of `chunk`, from the first, are ASCII letters.
///
/// Per byte, with `x` the byte with bit 5 set (upper case to lower): it is a letter when `x`
/// is in `0x61..=0x7A`, that is when adding 0x1F sets its high bit and adding 0x05 does not.
/// An ASCII byte never carries out of itself in these additions (at most 0x7F + 0x1F), so the
/// bytes up to the first non-ASCII one get no carry from below; that one is never counted
/// (with bit 5 set it is 0xA0 or more: adding 0x05 sets its high bit, or from 0xFB on adding
/// 0x1F carries out of it too); the bytes after it may be wrong, but they lie past the first
/// non-letter, the only one that counts.
fn ascii_letters(chunk: [u8; 8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let x = u64::from_le_bytes(chunk) | (0x20 * ONES);
    let letters = x.wrapping_add(0x1F * ONES) & !x.wrapping_add(0x05 * ONES) & HIGH;
    ((!letters & HIGH).trailing_zeros() / 8) as usize
}

/// The word (maximal run of letters and digits) being read in a token.
#[derive(Default)]
struct Word {
    latin: bool,
    cyrillic: bool,
    digits: bool,
    /// Characters with output (the soft and hard signs have none; a multi-letter fold such as
    /// `ß` → `ss` counts once, which only ever makes a token less likely to be inert).
    units: usize,
    /// Letters of output, as the leetspeak step counts them.
    letters: usize,
}

impl Word {
    fn started(&self) -> bool {
        self.latin || self.cyrillic || self.digits
    }

    /// True when the word passes leave this word as it is (Cyrillic transliterated letter by
    /// letter): no single character (a chain could join it), no script mix (look-alikes), no
    /// digits among three letters or more (leetspeak; ASCII tokens look closer, see
    /// [`leet_leaves`]).
    fn plain(&self) -> bool {
        self.units >= 2
            && !(self.latin && self.cyrillic)
            && !(self.digits && (self.latin || self.cyrillic) && self.letters >= 3)
    }
}

/// What the words of a token seen so far allow.
///
/// A word must be plain (see [`Word::plain`]), with one exception when every token before this
/// one was inert (`after_inert`): the token's first word may be a single character (`и`, `e`,
/// the `1` of `1.200`) when a plain word or a stop punctuation mark follows it in the token.
/// Such a character is a lone unit for the separator pass, but no chain of single letters can
/// hold it with another: a chain links lone units across separators only, and the nearest
/// unit before it that is not a separator lies in an inert token before (with no lone unit:
/// every word in it has two characters or more, and its last such unit is a word character of
/// a plain word or a stop mark, never a lone unit, whatever the tokens before it) or does not
/// exist; the nearest one after it is the plain word (not lone) or the stop mark (a chain
/// cannot cross it). A chain of one changes nothing. For the same reason, after inert tokens,
/// a token of separators alone (`/`, `·`, `|`) is inert: no chain can reach it from before, and
/// it holds no word of its own; the tokens after it see the whitespace between as before.
/// The one kind of inert token that is a lone unit and nothing else, a word character alone
/// in a stretch (see [`no_chain_after`]), is followed by a line break (no chain crosses it),
/// by the text's end, or by a token that begins with a word of two characters, so both
/// arguments still hold for the tokens after it.
struct Token {
    after_inert: bool,
    /// Plain words so far.
    words: usize,
    /// A punctuation mark that is not a letter separator was seen: a chain of single letters
    /// cannot cross it, so a token of punctuation alone is inert when it holds one.
    stop: bool,
    /// The first word was a single character ...
    lead_single: bool,
    /// ... not yet followed by a plain word or a stop mark.
    need_follow: bool,
}

impl Token {
    fn new(after_inert: bool) -> Self {
        Self {
            after_inert,
            words: 0,
            stop: false,
            lead_single: false,
            need_follow: false,
        }
    }

    /// A word ends (if `started`): false when it may not stand here.
    #[inline(always)]
    fn end_word(&mut self, started: bool, plain: bool, units: usize) -> bool {
        if !started {
            return true;
        }
        if plain {
            self.words += 1;
            self.need_follow = false;
            return true;
        }
        if self.after_inert && units == 1 && self.words == 0 && !self.lead_single {
            self.lead_single = true;
            self.need_follow = true;
            return true;
        }
        false
    }

    /// A punctuation mark, after the word before it has ended.
    #[inline(always)]
    fn punct(&mut self, is_stop: bool) {
        if is_stop {
            self.stop = true;
            self.need_follow = false;
        }
    }

    /// At the token's end (its last word ended): is the token inert?
    fn inert(&self) -> bool {
        !self.need_follow && (self.words > 0 || self.stop || self.after_inert)
    }
}

/// Folds `token` (at original offset `base`) straight into `out` when no word-level pass can
/// change it (see the module documentation) and returns true; returns false otherwise, with
/// part of the token already written: the caller resets `out`. `after_inert`: every token
/// before this one was inert (see [`Token`]).
fn fold_token(token: &str, base: usize, out: &mut Out, after_inert: bool) -> bool {
    if token.is_ascii() && base + token.len() < u32::MAX as usize {
        return fold_ascii_token(token, base, out, after_inert);
    }
    fold_any_token(token, base, out, after_inert)
}

/// [`fold_token`] for any token, character by character. Inlined: the stretch calls it for
/// most tokens with non-ASCII characters, and the call (saving and restoring registers) was a
/// tenth of its cost there.
#[inline(always)]
fn fold_any_token(token: &str, base: usize, out: &mut Out, after_inert: bool) -> bool {
    let bytes = token.as_bytes();
    let table = table();
    out.reserve(2 * token.len());
    let mut word = Word::default();
    let mut state = Token::new(after_inert);
    // End of a word: may it stand here?
    let end_word = |word: &mut Word, state: &mut Token| {
        let ok = state.end_word(word.started(), word.plain(), word.units);
        *word = Word::default();
        ok
    };
    let Out { text, starts, ends } = out;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii() {
            match b {
                b'a'..=b'z' | b'A'..=b'Z' => {
                    word.latin = true;
                    word.units += 1;
                    word.letters += 1;
                }
                b'0'..=b'9' => {
                    word.digits = true;
                    word.units += 1;
                }
                b'@' | b'$' => return false,
                _ => {
                    if !end_word(&mut word, &mut state) {
                        return false;
                    }
                    state.punct(!super::chars::is_letter_separator(char::from(b)));
                }
            }
            let at = super::off(base + i);
            text.push(char::from(b.to_ascii_lowercase()));
            starts.push(at);
            ends.push(at + 1);
            i += 1;
            continue;
        }
        if let 0xC2..=0xDF = b {
            // A run of two-byte letters (a Cyrillic word, `ë`, `š`): read in a loop of its
            // own, with the word's counts in locals, until a character that is not one.
            // The two bytes read by index (a lead byte C2..DF is followed by one continuation
            // byte in a `str`, so the test on `i + 1` only keeps the compiler's bounds check
            // out of the loop); the character's count of output bytes decides the pushes.
            let (mut kinds, mut units, mut letters) = (0, 0, 0);
            while i + 1 < bytes.len() {
                let (b0, b1) = (bytes[i], bytes[i + 1]);
                if !(0xC2..=0xDF).contains(&b0) {
                    break;
                }
                let packed = table.letters.get(b0, b1);
                if packed == 0 {
                    break;
                }
                // Up to two ASCII bytes of output (masked, so they push as one byte each),
                // each mapping onto the whole character.
                let n = (packed >> 16) & 0xFF;
                if n != 0 {
                    let at = super::off(base + i);
                    text.push(char::from(packed as u8 & 0x7F));
                    starts.push(at);
                    ends.push(at + 2);
                    if n == 2 {
                        text.push(char::from((packed >> 8) as u8 & 0x7F));
                        starts.push(at);
                        ends.push(at + 2);
                    }
                    units += 1;
                    letters += n as usize;
                }
                kinds |= packed >> 24;
                i += 2;
            }
            word.latin |= kinds & LETTER_LATIN != 0;
            word.cyrillic |= kinds & LETTER_CYRILLIC != 0;
            word.units += units;
            word.letters += letters;
            if i == bytes.len() {
                break;
            }
            if bytes[i] < 0x80 || kinds != 0 {
                continue;
            }
        }
        let Some((f, len)) = lookup(table, &token[i..]) else {
            return false;
        };
        let at = super::off(base + i);
        text.push_str(f.out);
        for _ in 0..f.out.len() {
            starts.push(at);
            ends.push(at + super::off(len));
        }
        i += len;
        if f.kind == Kind::Punct {
            if !end_word(&mut word, &mut state) {
                return false;
            }
            // The unit passes test the folded character (`․` folds to a separating `.`).
            state.punct(
                !f.out
                    .chars()
                    .next()
                    .is_some_and(super::chars::is_letter_separator),
            );
        } else {
            word.latin |= f.kind == Kind::Latin;
            word.cyrillic |= f.kind == Kind::Cyrillic;
            word.units += usize::from(!f.out.is_empty());
            word.letters += f.out.len();
        }
    }
    end_word(&mut word, &mut state) && state.inert()
}

/// [`fold_token`] for a token of ASCII bytes at an offset where every offset fits in a `u32`
/// (the common case): decided first by counting in registers, then written in bulk (the
/// lower-cased bytes, each mapping onto its own byte of the original), the same output as the
/// general loop's three pushes per byte. Nothing is written when it returns false.
fn fold_ascii_token(token: &str, base: usize, out: &mut Out, after_inert: bool) -> bool {
    if !ascii_inert(token.as_bytes(), after_inert) {
        return false;
    }
    out.push_lowercase(token, base);
    true
}

/// Is a token of ASCII bytes inert (see [`fold_token`])? Counted in registers.
#[inline(always)]
fn ascii_inert(token: &[u8], after_inert: bool) -> bool {
    // The word being read (as `Word`: for ASCII, a word is Latin when it has letters and has
    // started when it has units), and the token so far. A word of digits among three letters
    // or more is still plain when the leetspeak step leaves it alone, which takes a second
    // look at its bytes (`word_end - units..word_end`: one unit per byte).
    let (mut units, mut letters, mut digits) = (0usize, 0usize, false);
    let mut state = Token::new(after_inert);
    let plain = |units: usize, letters: usize, digits: bool, word_end: usize| {
        units >= 2 && (!(digits && letters >= 3) || leet_leaves(&token[word_end - units..word_end]))
    };
    for (k, &b) in token.iter().enumerate() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' => {
                units += 1;
                letters += 1;
            }
            b'0'..=b'9' => {
                units += 1;
                digits = true;
            }
            b'@' | b'$' => return false,
            _ => {
                if !state.end_word(units > 0, plain(units, letters, digits, k), units) {
                    return false;
                }
                state.punct(!super::chars::is_letter_separator(char::from(b)));
                (units, letters, digits) = (0, 0, false);
            }
        }
    }
    state.end_word(units > 0, plain(units, letters, digits, token.len()), units) && state.inert()
}

/// Does the leetspeak step leave this ASCII word (letters and digits) as it is? It rewrites a
/// word (of three letters or more) only when every digit in it is `0`, `1`, `3` or `4` with a
/// letter on each side; any other digit leaves the whole word alone (`Gen5`, `9ABC`, an
/// address such as `bc1q…7…`), and so does a word without digits.
fn leet_leaves(word: &[u8]) -> bool {
    let letter = |k: usize| word.get(k).is_some_and(u8::is_ascii_alphabetic);
    word.iter().enumerate().any(|(k, &b)| {
        b.is_ascii_digit()
            && !(matches!(b, b'0' | b'1' | b'3' | b'4') && k > 0 && letter(k - 1) && letter(k + 1))
    }) || !word.iter().any(u8::is_ascii_digit)
}

/// Folds into `out` the longest stretch of `text` from `pos` (0 or the end of an inert token)
/// made of inert tokens, each after exactly one space or newline (a run the whitespace
/// collapse leaves as it is) or, at the text's start, after nothing. Returns its end (`pos`
/// when there is none) and, when it ends at a token found not inert, that token's end: the
/// caller then goes on with the unit passes from the stretch's end, as after any token that
/// is not inert. Every token before the stretch's tokens is inert, so each is decided as
/// such. Runs of ASCII tokens fold to themselves lower-cased, each byte onto its own, and are
/// written at once; a token with other characters goes through the token loop, and when it is
/// not inert the stretch ends before its whitespace. This saves the per-token work of the
/// general loop (whitespace run, mark, call) on most of the text. The caller makes sure every
/// offset of `text` fits in a `u32`.
fn fold_stretch(text: &str, pos: usize, out: &mut Out) -> (usize, Option<usize>) {
    let bytes = text.as_bytes();
    let table = table();
    // The last inert token ends at `end`; `flushed..end` is ASCII not yet written.
    let mut end = pos;
    let mut flushed = pos;
    let mut i = pos;
    let mut not_inert = None;
    loop {
        if let Some(b' ' | b'\n') = bytes.get(i) {
            i += 1;
        }
        // The text's end, or a whitespace run of another kind or length: the general loop's.
        if bytes.get(i).is_none_or(|&b| is_space(b)) {
            break;
        }
        // Most tokens are a word of ASCII letters: told apart eight bytes at a time, over as
        // many eight-byte words as the letters fill (a third of the words of prose have eight
        // bytes or more).
        let mut ascii = None;
        let mut n = 0;
        let mut alone = false;
        while let Some(chunk) = bytes.get(i + n..i + n + 8)
            && let Ok(chunk) = <[u8; 8]>::try_from(chunk)
        {
            let k = ascii_letters(chunk);
            n += k;
            let Some(&b) = chunk.get(k) else {
                continue;
            };
            // A word of two letters or more alone: inert.
            alone = n >= 2 && is_space(b);
            if !b.is_ascii() {
                ascii = Some(false);
            }
            break;
        }
        if alone {
            end = i + n;
            i = end;
            continue;
        }
        let token_end = next_space(bytes, i);
        let token = &bytes[i..token_end];
        if let Some(packed) = lone_word_char(token, &table.letters)
            && no_chain_after(bytes, token_end, &table.letters)
        {
            // One word character alone (`и`, `e`, `2`), followed by nothing a chain could
            // hold: inert (see `no_chain_after`). An ASCII one is written with the ASCII
            // around it.
            if packed != 0 {
                if flushed < i {
                    out.push_lowercase(&text[flushed..i], flushed);
                }
                out.push_letter(packed, i);
                flushed = token_end;
            }
            end = token_end;
            i = token_end;
            continue;
        }
        if ascii.unwrap_or_else(|| token.is_ascii()) {
            if !ascii_inert(token, true) {
                not_inert = Some(token_end);
                break;
            }
        } else {
            // The ASCII before it, with its whitespace byte, written at once; undone back to
            // `end` (one byte per byte of `end..i`) when the token is not inert.
            if flushed < i {
                out.push_lowercase(&text[flushed..i], flushed);
            }
            let (text_len, map_len) = out.mark();
            let mark = (text_len - (i - end), map_len - (i - end));
            if !fold_any_token(&text[i..token_end], i, out, true) {
                out.reset(mark);
                return (end, Some(token_end));
            }
            flushed = token_end;
        }
        end = token_end;
        i = token_end;
    }
    if flushed < end {
        out.push_lowercase(&text[flushed..end], flushed);
    }
    (end, not_inert)
}

/// A token of one word character: `Some(0)` for an ASCII letter or digit, `Some(packed)` for a
/// two-byte letter with output (see [`Letters`]), `None` for anything else.
fn lone_word_char(token: &[u8], letters: &Letters) -> Option<u32> {
    match *token {
        [b] if b.is_ascii_alphanumeric() => Some(0),
        [b0 @ 0xC2..=0xDF, b1] => {
            let packed = letters.get(b0, b1);
            (packed >> 16 & 0xFF != 0).then_some(packed)
        }
        _ => None,
    }
}

/// After a token of one word character at `token_end` (in a stretch: every token before it
/// inert), can no chain of single letters hold that character? It is a lone unit; the nearest
/// unit before it that is not a separator lies in an inert token and is not lone (see
/// [`Token`]), so a chain would have to go on after it: across the whitespace to the next
/// token's first unit. It cannot when the whitespace holds a line break (a chain stops
/// there), when the text ends, or when the next token begins with two word characters (ASCII
/// letters or digits, two-byte letters with output): its first unit is then part of a word,
/// not lone. The token after begins with a word of two units, so nothing in it relies on the
/// tokens before it.
fn no_chain_after(bytes: &[u8], token_end: usize, letters: &Letters) -> bool {
    let mut k = token_end;
    while let Some(&b) = bytes.get(k)
        && is_space(b)
    {
        if b == b'\n' {
            return true;
        }
        k += 1;
    }
    let mut chars = 0;
    while chars < 2 {
        match bytes.get(k..) {
            None | Some([]) => return chars == 0,
            Some([b, ..]) if b.is_ascii_alphanumeric() => k += 1,
            Some(&[b0 @ 0xC2..=0xDF, b1, ..]) if letters.get(b0, b1) >> 16 & 0xFF != 0 => k += 2,
            Some(_) => return false,
        }
        chars += 1;
    }
    true
}

/// A whitespace run (`range` of the original) collapsed to one space, or one newline when it
/// holds a line break.
fn emit_space(text: &str, range: std::ops::Range<usize>, out: &mut Out) {
    if range.is_empty() {
        return;
    }
    let newline = text.as_bytes()[range.clone()].contains(&b'\n');
    out.push(
        if newline { "\n" } else { " " },
        super::off(range.start),
        super::off(range.end),
    );
}

/// Folds `text` into `out`: inert tokens here, every other region by `slow(region, base, out)`.
/// `aside` is a working buffer (its contents are discarded).
pub(super) fn fold(
    text: &str,
    out: &mut Out,
    aside: &mut Out,
    mut slow: impl FnMut(&str, usize, &mut Out),
) {
    let bytes = text.as_bytes();
    let stretches = text.len() < u32::MAX as usize;
    let mut pos = 0;
    // Start of the region waiting for the unit passes (it begins with the whitespace before
    // its first token).
    let mut slow_from: Option<usize> = None;
    loop {
        if slow_from.is_none() && stretches {
            let (end, not_inert) = fold_stretch(text, pos, out);
            pos = end;
            if let Some(token_end) = not_inert {
                // As below for a token found not inert after inert ones.
                slow_from = Some(pos);
                pos = token_end;
                continue;
            }
        }
        let token_start = bytes[pos..]
            .iter()
            .position(|&b| !is_space(b))
            .map_or(bytes.len(), |k| pos + k);
        if token_start == bytes.len() {
            match slow_from {
                Some(s) => slow(&text[s..], s, out),
                None => emit_space(text, pos..token_start, out),
            }
            return;
        }
        let token_end = next_space(bytes, token_start);
        let token = &text[token_start..token_end];
        match slow_from {
            None => {
                // Most tokens follow an inert one: fold it straight away, undone if not inert.
                let mark = out.mark();
                emit_space(text, pos..token_start, out);
                if !fold_token(token, token_start, out, true) {
                    out.reset(mark);
                    slow_from = Some(pos);
                }
            }
            Some(s) => {
                // The region before it must be folded first: the token is tried aside.
                aside.reset((0, 0));
                if fold_token(token, token_start, aside, false) {
                    slow(&text[s..token_start], s, out);
                    out.append(aside);
                    slow_from = None;
                }
            }
        }
        pos = token_end;
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{Kind, ascii_letters, is_space, lookup, next_space, table};

    /// The packed two-byte letters say what the general lookup says, for every two-byte
    /// character.
    #[test]
    fn packed_letters_as_the_lookup() {
        let table = table();
        for c in ('\u{80}'..'\u{800}').filter(|c| c.len_utf8() == 2) {
            let mut buf = [0u8; 4];
            let s: &str = c.encode_utf8(&mut buf);
            let packed = table.letters.get(s.as_bytes()[0], s.as_bytes()[1]);
            if packed == 0 {
                continue;
            }
            let (f, len) = lookup(table, s).expect("a packed letter is in the table");
            let n = ((packed >> 16) & 0xFF) as usize;
            let out = [packed as u8, (packed >> 8) as u8];
            assert_eq!(len, 2);
            assert_eq!(f.out.as_bytes(), &out[..n], "{c:?}");
            let kind = match packed >> 24 {
                1 => Kind::Latin,
                2 => Kind::Cyrillic,
                k => panic!("kind {k} for {c:?}"),
            };
            assert_eq!(f.kind, kind, "{c:?}");
        }
    }

    proptest! {
        /// The eight-byte count of leading ASCII letters equals a byte-by-byte one.
        #[test]
        fn ascii_letters_as_a_byte_count(
            bytes in proptest::array::uniform8(prop_oneof![
                Just(b'a'), Just(b'z'), Just(b'A'), Just(b'Z'), Just(b'@'), Just(b'['),
                Just(b'`'), Just(b'{'), Just(0x7F), Just(0xC1), Just(0xE1), Just(0xFA),
                Just(0xDA), Just(b' '), any::<u8>(),
            ]),
        ) {
            let reference = bytes.iter().take_while(|b| b.is_ascii_alphabetic()).count();
            prop_assert_eq!(ascii_letters(bytes), reference);
        }

        /// The eight-byte scan finds the same first space as a byte-by-byte one, from any start
        /// (spaces, DEL and control bytes among ASCII and UTF-8 bytes).
        #[test]
        fn next_space_as_a_byte_scan(
            bytes in proptest::collection::vec(
                prop_oneof![Just(b' '), Just(0x7F), Just(0), Just(0x20), Just(0x21), Just(0x7E),
                    Just(0x80), Just(0xA0), Just(0xA1), Just(0xFF), any::<u8>()],
                0..40,
            ),
            from in 0usize..40,
        ) {
            let from = from.min(bytes.len());
            let reference = bytes[from..]
                .iter()
                .position(|&b| is_space(b))
                .map_or(bytes.len(), |k| from + k);
            prop_assert_eq!(next_space(&bytes, from), reference);
        }
    }
}
