//! The capture group of a match already found, read off its span without a capture engine.
//!
//! To give a match's groups, the regex crate finds the match with its DFAs (forward, then
//! reverse), then runs a capture engine (a bounded backtracker) over the match's span: ~2,900
//! instructions per match for the price patterns (callgrind), a third of what the whole-text
//! rules spent searching. A bounded backtracker of the same patterns with their classes cut down
//! to ASCII was tried first and cost as much (~2,000 a match: the backtracking itself, not the
//! size of the automaton, is the cost).
//!
//! Many rules have one group with a shape that fixes where it is without any search:
//! `P (?P<g>G) S`, where every string `G` matches begins and ends with a character of a set
//! `D`, and neither `P` nor `S` can consume a character of `D`. The price patterns are of that
//! kind (`\b(?P<amount>\d…\d)\s?(?:€|eur…)`: the amount begins and ends with a digit, the
//! currency has none), and so is the Telegram handle (`[^\w@./](?P<h>@…[A-Za-z0-9_])\b`).
//!
//! Exactness. Whatever path through the pattern the regex crate chose for a match, the match is
//! `p g s` with `p` matched by `P`, `g` by `G` (the group's span) and `s` by `S`. The characters
//! of `p` and `s` are not in `D`, and the first and last characters of `g` are: so `g` runs from
//! the first character of the match that is in `D` to the end of the last one. The group is read
//! off the span by scanning its characters; no choice the engine made matters. Sets are
//! over-approximated (every character a sub-pattern could consume), which only makes the
//! disjointness harder to meet, never wrong.

use regex_syntax::hir::{Class, ClassUnicode, ClassUnicodeRange, Hir, HirKind};

/// Where the one group of a pattern of the shape above lies in a match (see the module
/// documentation).
#[derive(Debug)]
pub(crate) struct SpanCaps {
    d: CharSet,
}

/// A set of characters, tested by a bitmap on ASCII and a binary search beyond.
#[derive(Debug)]
pub(crate) struct CharSet {
    /// Bit `b` set when the ASCII character `b` is in the set.
    ascii: u128,
    /// The rest (sorted, disjoint ranges).
    non_ascii: Vec<(char, char)>,
}

impl CharSet {
    pub(crate) fn new(class: &ClassUnicode) -> Self {
        let mut ascii = 0u128;
        let mut non_ascii = Vec::new();
        for r in class.ranges() {
            for c in r.start()..=r.end().min('\x7F') {
                ascii |= 1 << u32::from(c);
            }
            if r.end() >= '\u{80}' {
                non_ascii.push((r.start().max('\u{80}'), r.end()));
            }
        }
        CharSet { ascii, non_ascii }
    }

    /// Whether the ASCII byte `b` is in the set (false for any other byte).
    pub(crate) fn has_byte(&self, b: u8) -> bool {
        b < 0x80 && self.ascii & (1 << b) != 0
    }

    pub fn contains(&self, c: char) -> bool {
        if c.is_ascii() {
            return self.ascii & (1 << u32::from(c)) != 0;
        }
        self.non_ascii
            .binary_search_by(|&(lo, hi)| {
                if hi < c {
                    std::cmp::Ordering::Less
                } else if lo > c {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .is_ok()
    }

    /// The start of the run of characters of the set that ends at `end` in `hay`: `end` itself
    /// when the character before it is not in the set (0 when `end` is not a character
    /// boundary, which a match end of a pattern over characters always is).
    pub fn run_back(&self, hay: &str, end: usize) -> usize {
        let bytes = hay.as_bytes();
        let mut i = end.min(hay.len());
        if !hay.is_char_boundary(i) {
            return 0;
        }
        while i > 0 {
            let b = bytes[i - 1];
            if b < 0x80 {
                if !self.has_byte(b) {
                    break;
                }
                i -= 1;
            } else {
                match hay[..i].chars().next_back() {
                    Some(c) if self.contains(c) => i -= c.len_utf8(),
                    _ => break,
                }
            }
        }
        i
    }
}

/// The characters `pattern` (as the regex crate parses it by default) can consume, a superset;
/// None for a pattern with byte classes (`(?-u)`).
pub(crate) fn consumed(hir: &Hir) -> Option<CharSet> {
    Some(CharSet::new(&sets(hir)?.all))
}

/// The characters a sub-pattern may consume (a superset), and for its first and last character
/// the candidates and whether it can match the empty string.
pub(crate) struct Sets {
    pub(crate) all: ClassUnicode,
    pub(crate) first: ClassUnicode,
    pub(crate) last: ClassUnicode,
    pub(crate) nullable: bool,
}

impl SpanCaps {
    /// The reader of `pattern`'s group (as the regex crate parses the pattern by default); None
    /// unless the pattern has exactly one group, of the shape above.
    #[cfg(test)]
    pub fn new(pattern: &str) -> Option<Self> {
        Self::of(&regex_syntax::Parser::new().parse(pattern).ok()?)
    }

    /// `SpanCaps::new` (which tests use) of a pattern already parsed (as the regex crate parses
    /// it by default).
    pub fn of(hir: &Hir) -> Option<Self> {
        let items: &[Hir] = match hir.kind() {
            HirKind::Concat(items) => items,
            _ => std::slice::from_ref(hir),
        };
        // The group: an item of the top-level concatenation (not repeated, not an alternative),
        // and the pattern's only one.
        let at = items
            .iter()
            .position(|h| matches!(h.kind(), HirKind::Capture(_)))?;
        let HirKind::Capture(group) = items[at].kind() else {
            return None;
        };
        if hir.properties().explicit_captures_len() != 1 {
            return None;
        }
        let g = sets(&group.sub)?;
        if g.nullable {
            return None;
        }
        let mut d = g.first;
        d.union(&g.last);
        for outside in items[..at].iter().chain(&items[at + 1..]) {
            let mut common = sets(outside)?.all;
            common.intersect(&d);
            if !common.ranges().is_empty() {
                return None;
            }
        }
        Some(SpanCaps {
            d: CharSet::new(&d),
        })
    }

    /// The group's span in the match `start..end` of `hay`: from the first character in `D` to
    /// the end of the last one (None if there is none, which the shape rules out).
    pub fn group(&self, hay: &str, start: usize, end: usize) -> Option<(usize, usize)> {
        let span = hay.get(start..end)?;
        if span.is_ascii() {
            let bytes = span.as_bytes();
            let first = bytes.iter().position(|&b| self.d.has_byte(b))?;
            let last = bytes.iter().rposition(|&b| self.d.has_byte(b))?;
            return Some((start + first, start + last + 1));
        }
        let (first, _) = span.char_indices().find(|&(_, c)| self.d.contains(c))?;
        let (last, c) = span
            .char_indices()
            .rev()
            .find(|&(_, c)| self.d.contains(c))?;
        Some((start + first, start + last + c.len_utf8()))
    }
}

/// The [`Sets`] of `hir`; None for a byte class (only in `(?-u)` patterns: it can consume part
/// of a character, which the argument does not cover).
pub(crate) fn sets(hir: &Hir) -> Option<Sets> {
    let empty = || Sets {
        all: ClassUnicode::empty(),
        first: ClassUnicode::empty(),
        last: ClassUnicode::empty(),
        nullable: true,
    };
    Some(match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => empty(),
        HirKind::Literal(lit) => {
            let text = std::str::from_utf8(&lit.0).ok()?;
            let one = |c: Option<char>| ClassUnicode::new(c.map(|c| ClassUnicodeRange::new(c, c)));
            Sets {
                all: ClassUnicode::new(text.chars().map(|c| ClassUnicodeRange::new(c, c))),
                first: one(text.chars().next()),
                last: one(text.chars().next_back()),
                nullable: text.is_empty(),
            }
        }
        HirKind::Class(Class::Unicode(c)) => Sets {
            all: c.clone(),
            first: c.clone(),
            last: c.clone(),
            nullable: false,
        },
        HirKind::Class(Class::Bytes(_)) => return None,
        HirKind::Repetition(r) => {
            let mut s = sets(&r.sub)?;
            s.nullable |= r.min == 0;
            s
        }
        HirKind::Capture(c) => sets(&c.sub)?,
        HirKind::Alternation(subs) => {
            let mut out = empty();
            out.nullable = false;
            for sub in subs {
                let s = sets(sub)?;
                out.all.union(&s.all);
                out.first.union(&s.first);
                out.last.union(&s.last);
                out.nullable |= s.nullable;
            }
            out
        }
        HirKind::Concat(subs) => {
            let subs = subs.iter().map(sets).collect::<Option<Vec<_>>>()?;
            let mut out = empty();
            // The first character comes from the first item that cannot be empty, or any nullable
            // item before it; the last likewise from the end.
            for s in &subs {
                out.all.union(&s.all);
            }
            for s in &subs {
                out.first.union(&s.first);
                if !s.nullable {
                    out.nullable = false;
                    break;
                }
            }
            for s in subs.iter().rev() {
                out.last.union(&s.last);
                if !s.nullable {
                    break;
                }
            }
            out
        }
    })
}
