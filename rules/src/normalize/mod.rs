//! Multilingual normalizer with an offset map back to the original bytes.
//!
//! Folding, in order: NFKD compatibility decomposition, lower-casing, removal of combining marks
//! (diacritics), Latin letters without decomposition (`đ` → `dj`, `ß` → `ss`), invisible
//! characters dropped, separator obfuscation joined (`g.l.o.c.k`, `G l o c k`), emoji inside
//! words dropped, Cyrillic transliterated (Serbian/Macedonian rules, so that `пиштољ` and
//! `pištolj` fold alike) or, inside a word that also holds Latin letters, read as the Latin
//! letter it looks like (`Glосk` with Cyrillic `о`,`с` → `glock`), Greek look-alikes folded,
//! leetspeak inside words (`gl0ck` → `glock`, `pi$tol` → `pistol`), and whitespace runs
//! collapsed to one space (or one newline when the run holds a line break).
//!
//! Tokens that none of the word passes can change take a table-driven fast path (`fast`).
//!
//! Every byte of the folded text records the byte range of the original character(s) it came
//! from, so a match in folded text maps back onto the original on char boundaries.

mod chars;
mod fast;
pub(crate) mod tokenize;

use std::ops::Range;

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

use chars::Class;
use fast::Out;
pub use tokenize::{Token, tokenize, vocabulary_canonical};

/// Folded text plus, for every byte of it, the byte range in the original it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalized {
    /// The folded text.
    pub text: String,
    /// Original start offset of the character each folded byte came from.
    starts: Vec<u32>,
    /// Original end offset of the character(s) each folded byte came from.
    ends: Vec<u32>,
    /// Length of the original text in bytes.
    original_len: usize,
}

impl Normalized {
    /// Maps a byte range of the folded text back onto the original text. The result always
    /// lies inside the original and starts and ends on its char boundaries; an empty or
    /// out-of-range input maps to an empty range.
    pub fn original_range(&self, range: Range<usize>) -> Range<usize> {
        let len = self.text.len();
        if range.start >= len {
            return self.original_len..self.original_len;
        }
        let start = self.starts[range.start] as usize;
        if range.end <= range.start {
            return start..start;
        }
        let end = self.ends[range.end.min(len) - 1] as usize;
        start..end.max(start)
    }

    /// Length in bytes of the original text.
    pub fn original_len(&self) -> usize {
        self.original_len
    }
}

/// One original character (plus any combining marks after it) and what it folds to.
#[derive(Debug, Clone, Copy)]
struct Unit {
    start: u32,
    end: u32,
    class: Class,
    out_start: u32,
    out_len: u32,
    /// First character of the output (a space when there is none): read by every word-level
    /// pass, so kept here rather than decoded from the arena each time.
    first: char,
    /// A run of two or more ASCII letters folded as one unit (see `fold_chars`).
    run: bool,
}

/// Working state: units and the arena holding their folded output.
struct Folder {
    units: Vec<Unit>,
    arena: String,
    /// Working lists of the word and separator passes, kept with the buffers above so that a
    /// region does not allocate them anew.
    word: Vec<usize>,
    singles: Vec<usize>,
}

fn off(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Folder {
    const fn new() -> Self {
        Self {
            units: Vec::new(),
            arena: String::new(),
            word: Vec::new(),
            singles: Vec::new(),
        }
    }

    fn out(&self, u: &Unit) -> &str {
        &self.arena[u.out_start as usize..(u.out_start + u.out_len) as usize]
    }

    fn first(&self, i: usize) -> char {
        self.units[i].first
    }

    fn set_out(&mut self, i: usize, s: &str) {
        let start = off(self.arena.len());
        self.arena.push_str(s);
        let u = &mut self.units[i];
        u.out_start = start;
        u.out_len = off(s.len());
        u.first = s.chars().next().unwrap_or(' ');
    }

    fn push_unit(&mut self, start: usize, end: usize, class: Class, out: &str) {
        let out_start = off(self.arena.len());
        self.arena.push_str(out);
        self.units.push(Unit {
            start: off(start),
            end: off(end),
            class,
            out_start,
            out_len: off(out.len()),
            first: out.chars().next().unwrap_or(' '),
            run: false,
        });
    }

    /// A character folding to one character (`out`), without going through a `&str`.
    fn push_char(&mut self, start: usize, end: usize, class: Class, out: char) {
        let out_start = off(self.arena.len());
        self.arena.push(out);
        self.units.push(Unit {
            start: off(start),
            end: off(end),
            class,
            out_start,
            out_len: off(out.len_utf8()),
            first: out,
            run: false,
        });
    }

    /// Step 1: fold every character on its own.
    ///
    /// Two or more ASCII letters in a row become one `run` unit: every word-level pass treats
    /// such a unit exactly as it treated its letters one by one (a letter with letter
    /// neighbours: never a single, never leetspeak or Cyrillic), and `emit` gives each of its
    /// bytes its own original offset. Most text is such runs, so most units are too.
    fn fold_chars(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i].is_ascii_alphabetic() {
                let len = bytes[i..]
                    .iter()
                    .position(|b| !b.is_ascii_alphabetic())
                    .unwrap_or(bytes.len() - i);
                if len >= 2 {
                    self.push_run(i, &text[i..i + len]);
                    i += len;
                    continue;
                }
            }
            let c = text[i..].chars().next().unwrap_or('\0');
            let end = i + c.len_utf8();
            self.fold_char(i, c, end);
            i = end;
        }
    }

    /// A run of ASCII letters (`run` unit, lower-cased).
    fn push_run(&mut self, start: usize, letters: &str) {
        let out_start = off(self.arena.len());
        self.arena
            .extend(letters.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        self.units.push(Unit {
            start: off(start),
            end: off(start + letters.len()),
            class: Class::Letter,
            out_start,
            out_len: off(letters.len()),
            first: char::from(letters.as_bytes()[0].to_ascii_lowercase()),
            run: true,
        });
    }

    /// One character on its own (`i..end` in the original).
    fn fold_char(&mut self, i: usize, c: char, end: usize) {
        if c.is_ascii() {
            let (class, out) = match c {
                'A'..='Z' | 'a'..='z' => (Class::Letter, c.to_ascii_lowercase()),
                '0'..='9' => (Class::Digit, c),
                '@' | '$' => (Class::LeetSym, c),
                '\n' => (Class::Space, '\n'),
                _ if c.is_ascii_whitespace() || c.is_ascii_control() => (Class::Space, ' '),
                _ => (Class::Punct, c),
            };
            self.push_char(i, i + 1, class, out);
            return;
        }
        if matches!(c, '\u{0410}'..='\u{044F}') && !matches!(c, 'Й' | 'й') {
            // Basic Cyrillic letters (but Й/й, which decompose): no decomposition, simple
            // lower case; the general path below gives the same unit, slower.
            let lower = if c <= 'Я' {
                char::from_u32(c as u32 + 0x20).unwrap_or(c)
            } else {
                c
            };
            if matches!(lower, 'ь' | 'ъ') {
                // The soft and hard signs fold to nothing in every word: dropped before the
                // separator pass, as they are absent from the folded text.
                self.push_unit(i, end, Class::Drop, "");
            } else {
                self.push_char(i, end, Class::Cyrillic, lower);
            }
            return;
        }
        if chars::is_invisible(c) {
            return;
        }
        if is_combining_mark(c) {
            if let Some(last) = self.units.last_mut() {
                last.end = off(end);
            }
            return;
        }
        if c.is_whitespace() || c.is_control() {
            let out = if matches!(c, '\u{2028}' | '\u{2029}' | '\u{85}') {
                "\n"
            } else {
                " "
            };
            self.push_unit(i, end, Class::Space, out);
            return;
        }
        if matches!(c, 'ѓ' | 'Ѓ' | 'ќ' | 'Ќ') {
            // Macedonian letters whose decomposition (г/к + acute) would lose them.
            let lower = if matches!(c, 'ѓ' | 'Ѓ') { "ѓ" } else { "ќ" };
            self.push_unit(i, end, Class::Cyrillic, lower);
            return;
        }
        let out_start = self.arena.len();
        let arena = &mut self.arena;
        decompose_compatible(c, |d| {
            for l in d.to_lowercase() {
                decompose_compatible(l, |e| fold_one(e, arena));
            }
        });
        if self.arena.len() == out_start {
            self.push_unit(i, end, Class::Drop, "");
            return;
        }
        // One unit per folded character (`ß` → `s`,`s`; `ŀ` → `l`,`·`), each mapping onto the
        // whole original character: the word passes then see what they will see when the
        // folded text is folded again, so folding twice changes nothing.
        let mut at = out_start;
        while at < self.arena.len() {
            let ch = self.arena[at..].chars().next().unwrap_or(' ');
            self.units.push(Unit {
                start: off(i),
                end: off(end),
                class: classify(ch),
                out_start: off(at),
                out_len: off(ch.len_utf8()),
                first: ch,
                run: false,
            });
            at += ch.len_utf8();
        }
    }

    fn wordish(&self, i: usize) -> bool {
        matches!(
            self.units[i].class,
            Class::Letter | Class::Cyrillic | Class::Digit | Class::LeetSym
        )
    }

    /// A lone word character: its nearest neighbours that produce output are not word
    /// characters (units that produce nothing are looked through, as they are absent from the
    /// folded text).
    fn single(&self, i: usize) -> bool {
        let live = |k: &usize| self.units[*k].class != Class::Drop;
        !self.units[i].run
            && self.wordish(i)
            && (0..i).rev().find(live).is_none_or(|k| !self.wordish(k))
            && (i + 1..self.units.len())
                .find(live)
                .is_none_or(|k| !self.wordish(k))
    }

    /// Step 2: join single letters split by separators (`g.l.o.c.k`, `G l o c k`, `g🔫l🔫o🔫c🔫k`).
    fn join_separated(&mut self) {
        let n = self.units.len();
        let mut singles = std::mem::take(&mut self.singles);
        let mut i = 0;
        while i < n {
            if !self.single(i) {
                i += 1;
                continue;
            }
            singles.clear();
            singles.push(i);
            let mut j = i + 1;
            loop {
                let mut k = j;
                let mut puncts = 0;
                let mut ok = true;
                while k < n {
                    let u = self.units[k];
                    let f = self.first(k);
                    match u.class {
                        Class::Drop => {
                            k += 1;
                            continue;
                        }
                        Class::Space if f != '\n' => {}
                        Class::Symbol => {}
                        Class::Punct if chars::is_letter_separator(f) => puncts += 1,
                        _ => break,
                    }
                    if f == '\n' {
                        ok = false;
                    }
                    k += 1;
                }
                if ok && k > j && k < n && puncts <= 3 && self.single(k) {
                    singles.push(k);
                    j = k + 1;
                } else {
                    break;
                }
            }
            let letters = singles
                .iter()
                .filter(|&&s| matches!(self.units[s].class, Class::Letter | Class::Cyrillic))
                .count();
            let last = *singles.last().unwrap_or(&i);
            if singles.len() >= 4 && letters >= 3 {
                for k in i..=last {
                    if !self.wordish(k) {
                        self.units[k].class = Class::Drop;
                    }
                }
            }
            i = last + 1;
        }
        self.singles = singles;
    }

    /// Step 3: emoji between two letters vanish, elsewhere they read as a space.
    fn resolve_symbols(&mut self) {
        let n = self.units.len();
        if !self.units.iter().any(|u| u.class == Class::Symbol) {
            return; // Only symbol units change here.
        }
        let is_letter = |c: Class| matches!(c, Class::Letter | Class::Cyrillic);
        // For each unit: is the nearest live non-symbol unit after it a letter?
        let mut letter_after = vec![false; n];
        let mut seen = false;
        for k in (0..n).rev() {
            letter_after[k] = seen;
            match self.units[k].class {
                Class::Drop | Class::Symbol => {}
                c => seen = is_letter(c),
            }
        }
        let mut letter_before = false;
        for (k, &after) in letter_after.iter().enumerate() {
            match self.units[k].class {
                Class::Drop => {}
                Class::Symbol => {
                    if letter_before && after {
                        self.units[k].class = Class::Drop;
                    } else {
                        self.units[k].class = Class::Space;
                        self.set_out(k, " ");
                        letter_before = false;
                    }
                }
                c => letter_before = is_letter(c),
            }
        }
    }

    /// Step 4: per word, Cyrillic transliteration or look-alikes, then leetspeak.
    fn fold_words(&mut self) {
        let n = self.units.len();
        let mut word = std::mem::take(&mut self.word);
        let mut i = 0;
        while i < n {
            word.clear();
            // A word of Latin letters only is left as it is by `fold_word` (no edge symbols, no
            // Cyrillic, no leetspeak): most words, so they skip it.
            let mut plain = true;
            while i < n {
                match self.units[i].class {
                    Class::Drop => {}
                    Class::Letter => word.push(i),
                    Class::Cyrillic | Class::Digit | Class::LeetSym => {
                        plain = false;
                        word.push(i);
                    }
                    _ => break,
                }
                i += 1;
            }
            if word.is_empty() {
                i += 1;
                continue;
            }
            if !plain {
                self.fold_word(&mut word);
            }
        }
        self.word = word;
    }

    fn fold_word(&mut self, word: &mut Vec<usize>) {
        // `@`/`$` at a word's edge are punctuation (handles, prices), not letters.
        while let Some(&k) = word.first() {
            if self.units[k].class != Class::LeetSym {
                break;
            }
            self.units[k].class = Class::Punct;
            word.remove(0);
        }
        while let Some(&k) = word.last() {
            if self.units[k].class != Class::LeetSym {
                break;
            }
            self.units[k].class = Class::Punct;
            word.pop();
        }
        let has_latin = word
            .iter()
            .any(|&k| self.units[k].class == Class::Letter && self.first(k).is_alphabetic());
        for &k in word.iter() {
            if self.units[k].class != Class::Cyrillic {
                continue;
            }
            let c = self.first(k);
            let mapped = if has_latin {
                chars::cyrillic_lookalike(c).or_else(|| chars::cyrillic_translit(c))
            } else {
                chars::cyrillic_translit(c)
            };
            if let Some(m) = mapped {
                self.set_out(k, m);
                self.units[k].class = if m.is_empty() {
                    Class::Drop
                } else {
                    Class::Letter
                };
            }
        }
        if !has_latin {
            // `ԀЂ` → `ԁdj`: see `lookalikes_if_latin`.
            self.lookalikes_if_latin(word);
        }
        word.retain(|&k| self.units[k].class != Class::Drop);
        let letters: usize = word
            .iter()
            .filter(|&&k| matches!(self.units[k].class, Class::Letter | Class::Cyrillic))
            .map(|&k| self.out(&self.units[k]).chars().count())
            .sum();
        if letters < 3 {
            return;
        }
        let is_letter =
            |f: &Self, k: usize| matches!(f.units[k].class, Class::Letter | Class::Cyrillic);
        let mut any = false;
        for (p, &k) in word.iter().enumerate() {
            if !matches!(self.units[k].class, Class::Digit | Class::LeetSym) {
                continue;
            }
            let single = self.units[k].out_len == 1;
            let leetable = single && chars::leet(self.first(k), false).is_some();
            let inside = p > 0
                && p + 1 < word.len()
                && is_letter(self, word[p - 1])
                && is_letter(self, word[p + 1]);
            if !(leetable && inside) {
                return;
            }
            any = true;
        }
        if !any {
            return;
        }
        for p in 0..word.len() {
            let k = word[p];
            if !matches!(self.units[k].class, Class::Digit | Class::LeetSym) {
                continue;
            }
            let next_vowel = word
                .get(p + 1)
                .is_some_and(|&nk| matches!(self.first(nk), 'a' | 'e' | 'i' | 'o' | 'u'));
            if let Some(l) = chars::leet(self.first(k), next_vowel) {
                let mut buf = [0u8; 4];
                let s: &str = l.encode_utf8(&mut buf);
                let s = s.to_owned();
                self.set_out(k, &s);
                self.units[k].class = Class::Letter;
            }
        }
        // Leetspeak can make a word Latin too (`ԁԁ@ԁ` → `ԁԁaԁ`).
        self.lookalikes_if_latin(word);
    }

    /// A Cyrillic letter without a transliteration (`ԁ`) left in a word that is Latin now reads
    /// as its look-alike, as it would when the folded text is folded again: folding twice must
    /// change nothing.
    fn lookalikes_if_latin(&mut self, word: &[usize]) {
        let latin = word
            .iter()
            .any(|&k| self.units[k].class == Class::Letter && self.first(k).is_alphabetic());
        if !latin {
            return;
        }
        for &k in word {
            if self.units[k].class == Class::Cyrillic
                && let Some(m) = chars::cyrillic_lookalike(self.first(k))
            {
                self.set_out(k, m);
                self.units[k].class = Class::Letter;
            }
        }
    }

    /// Step 5: the folded text and its offset map (shifted by `base`, where this region starts
    /// in the whole text) appended to `out`; whitespace runs collapse to one.
    fn emit_into(&self, base: usize, out: &mut Out) {
        let base = off(base);
        let Out { text, starts, ends } = out;
        let mut i = 0;
        let n = self.units.len();
        while i < n {
            let u = self.units[i];
            let (start, end) = (base + u.start, base + u.end);
            if u.class == Class::Drop {
                i += 1;
                continue;
            }
            if u.class == Class::Space {
                // Collapse the run; a newline anywhere in it wins.
                let mut j = i;
                let mut newline = false;
                let mut last = i;
                while j < n && matches!(self.units[j].class, Class::Space | Class::Drop) {
                    if self.units[j].class == Class::Space {
                        newline |= self.out(&self.units[j]) == "\n";
                        last = j;
                    }
                    j += 1;
                }
                text.push(if newline { '\n' } else { ' ' });
                starts.push(start);
                ends.push(base + self.units[last].end);
                i = j;
                continue;
            }
            if u.run {
                // Each letter of a run maps onto its own byte; the last one also covers any
                // combining marks after it (`u.end`).
                text.push_str(self.out(&u));
                let len = u.out_len;
                starts.extend(start..start + len);
                ends.extend(start + 1..start + len);
                ends.push(end);
            } else if u.out_len == 1 {
                // One ASCII byte (the common case): no slice copy.
                text.push(u.first);
                starts.push(start);
                ends.push(end);
            } else {
                let s = self.out(&u);
                text.push_str(s);
                starts.extend(std::iter::repeat_n(start, s.len()));
                ends.extend(std::iter::repeat_n(end, s.len()));
            }
            i += 1;
        }
    }

    /// All unit passes over `region` (starting at `base` in the whole text), appended to `out`.
    fn fold_region(&mut self, region: &str, base: usize, out: &mut Out) {
        self.units.clear();
        self.arena.clear();
        self.units.reserve(region.len());
        self.arena.reserve(region.len() + 16);
        self.fold_chars(region);
        self.join_separated();
        self.resolve_symbols();
        self.fold_words();
        self.emit_into(base, out);
    }
}

/// Folds one decomposed, lower-cased character into the arena.
fn fold_one(e: char, arena: &mut String) {
    if is_combining_mark(e) || chars::is_invisible(e) {
        return;
    }
    if let Some(s) = chars::latin_special(e) {
        arena.push_str(s);
    } else if let Some(g) = chars::greek_lookalike(e) {
        arena.push(g);
    } else if e.is_whitespace() {
        arena.push(' ');
    } else {
        arena.push(e);
    }
}

/// Class of a unit from its first folded character.
fn classify(f: char) -> Class {
    match f {
        '0'..='9' => Class::Digit,
        '@' | '$' => Class::LeetSym,
        _ if chars::is_cyrillic(f) && f.is_alphabetic() => Class::Cyrillic,
        _ if f.is_alphanumeric() => Class::Letter,
        _ if f.is_whitespace() => Class::Space,
        _ if chars::is_punct(f) => Class::Punct,
        _ => Class::Symbol,
    }
}

/// Folds `text` for matching and searching (see the module documentation for the steps).
pub fn normalize(text: &str) -> Normalized {
    let mut out = Out::with_capacity(text.len() + 16);
    with_folder(|folder, aside| {
        fast::fold(text, &mut out, aside, |region, base, out| {
            folder.fold_region(region, base, out);
        });
    });
    finish(out, text.len())
}

/// The unit passes alone over the whole text, without the fast path: the reference
/// [`normalize`] must equal (the property tests and the `extract` fuzz target compare them).
#[cfg(any(test, feature = "fuzzing"))]
pub fn normalize_units(text: &str) -> Normalized {
    let mut out = Out::with_capacity(text.len());
    with_folder(|folder, _| folder.fold_region(text, 0, &mut out));
    finish(out, text.len())
}

fn finish(out: Out, original_len: usize) -> Normalized {
    Normalized {
        text: out.text,
        starts: out.starts,
        ends: out.ends,
        original_len,
    }
}

/// Runs `f` with this thread's working buffers: the unit passes' and the fast path's side
/// buffer. Borrowed in place (moving them out and back cost two copies of the struct per
/// call); a nested call, which finds them borrowed, gets fresh ones.
fn with_folder(f: impl FnOnce(&mut Folder, &mut Out)) {
    SCRATCH.with(|s| match s.try_borrow_mut() {
        Ok(mut scratch) => {
            let Scratch { folder, aside } = &mut *scratch;
            f(folder, aside);
            if aside.text.capacity() > SCRATCH_KEEP {
                // One long token (a dumped page) must not keep its buffers for the thread's
                // lifetime.
                *aside = Out::new();
            }
            if folder.units.capacity() > SCRATCH_KEEP {
                *folder = Folder::new();
            }
        }
        Err(_) => f(&mut Folder::new(), &mut Out::new()),
    });
}

/// Largest unit buffer (units) and token buffer (bytes) kept between calls; bigger ones are
/// freed after use. The word and separator lists never hold more entries than the units.
const SCRATCH_KEEP: usize = 1 << 16;

/// A thread's working buffers (see [`with_folder`]).
struct Scratch {
    folder: Folder,
    /// The fast path's buffer for a token tried while a region waits for the unit passes.
    aside: Out,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = const {
        std::cell::RefCell::new(Scratch { folder: Folder::new(), aside: Out::new() })
    };
}

#[cfg(test)]
mod tests;
