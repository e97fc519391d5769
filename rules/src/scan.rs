//! Finding hits in one chunk of text: the term automaton over the folded text, patterns near
//! term hits, whole-text patterns, validators, exclusions.

use std::borrow::Cow;
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;

use regex::{Captures, Match, Regex};

use crate::boundary::ascii_boundaries_exact;
use crate::compile::{Compiled, CompiledRule, TermTable};
use crate::extraction::Entity;
use crate::ident::Region;
use crate::normalize::Normalized;
use crate::normalize::tokenize::alphabetic_alphanumeric;
use crate::pack::Source;
use crate::prefilter::{Matched, RelaxedSet};
use crate::price::{format_price, parse_amount};
use crate::spancaps::SpanCaps;
use crate::template::Template;

/// One rule hit: the rule, where (original and folded), and the entity it makes (none for cues).
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub rule: usize,
    pub span: Range<usize>,
    pub folded: Option<Range<usize>>,
    pub entity: Option<Entity>,
}

/// One match of a rule's pattern: with its capture groups when the rule reads them, else the
/// whole match alone (found by the DFA, without running a capture engine).
enum Found<'h> {
    Groups(Captures<'h>),
    Whole(Match<'h>),
    /// The whole match alone, found by an anchored search.
    Span(Piece<'h>),
    /// The whole match and its one group, read off the match by the rule's [`SpanCaps`].
    One(Match<'h>, Piece<'h>),
}

/// A matched piece of a haystack (a group or the whole match): its text and where it starts.
#[derive(Debug, Clone, Copy)]
struct Piece<'h> {
    text: &'h str,
    start: usize,
}

impl<'h> Piece<'h> {
    fn start(&self) -> usize {
        self.start
    }

    fn end(&self) -> usize {
        self.start + self.text.len()
    }

    fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    fn range(&self) -> Range<usize> {
        self.start..self.end()
    }

    fn as_str(&self) -> &'h str {
        self.text
    }
}

impl<'h> From<Match<'h>> for Piece<'h> {
    fn from(m: Match<'h>) -> Self {
        Piece {
            text: m.as_str(),
            start: m.start(),
        }
    }
}

impl<'h> Found<'h> {
    /// The next match of `re` at or after `start` in `hay`, with groups only if `groups`.
    fn at(re: &Regex, hay: &'h str, start: usize, groups: bool) -> Option<Self> {
        if groups {
            re.captures_at(hay, start).map(Self::Groups)
        } else {
            re.find_at(hay, start).map(Self::Whole)
        }
    }

    /// [`Found::at`] for a whole-text rule: when it reads groups and has a [`SpanCaps`], the
    /// match is found without groups (the DFAs alone) and its group read off it.
    fn of_rule(
        rule: &CompiledRule,
        re: &Regex,
        hay: &'h str,
        start: usize,
        groups: bool,
    ) -> Option<Self> {
        match &rule.span_caps {
            Some(sc) if groups => re
                .find_at(hay, start)
                .map(|m| Self::with_groups(sc, re, hay, m)),
            _ => Self::at(re, hay, start, groups),
        }
    }

    /// The match `m` of `re` in `hay` (found by a leftmost-first search) with its group: read
    /// off by `sc`, else (never, by `sc`'s argument) from the regex crate's captures search at
    /// the match's start, which finds the same match (the leftmost-first match from `m.start()`
    /// starts there, and which one of those is preferred does not depend on where the search
    /// began).
    fn with_groups(sc: &SpanCaps, re: &Regex, hay: &'h str, m: Match<'h>) -> Self {
        match sc.group(hay, m.start(), m.end()) {
            Some((start, end)) => Self::One(
                m,
                Piece {
                    text: &hay[start..end],
                    start,
                },
            ),
            None => re
                .captures_at(hay, m.start())
                .map_or(Self::Whole(m), Self::Groups),
        }
    }

    fn whole(&self) -> Option<Piece<'h>> {
        self.get(0)
    }

    fn get(&self, group: usize) -> Option<Piece<'h>> {
        match self {
            Self::Groups(c) => c.get(group).map(Piece::from),
            Self::Whole(m) => (group == 0).then(|| Piece::from(*m)),
            Self::Span(p) => (group == 0).then_some(*p),
            Self::One(m, g) => match group {
                0 => Some(Piece::from(*m)),
                1 => Some(*g),
                _ => None,
            },
        }
    }
}

/// Hits already made, by (rule, start, end): only inserted into, never iterated. A document
/// makes a dozen hits or so: they are kept in a list searched linearly (cheaper than hashing
/// for so few), moved to a hash set once the list is long, so that a hostile page with
/// thousands of hits stays linear.
struct Seen {
    list: Vec<(usize, usize, usize)>,
    set: Option<HashSet<(usize, usize, usize), BuildHasherDefault<FastHash>>>,
}

impl Seen {
    /// Longest list searched linearly.
    const LIST_MAX: usize = 48;

    fn new() -> Self {
        Self {
            list: Vec::with_capacity(32),
            set: None,
        }
    }

    /// Adds `key`; false if it was already there.
    fn insert(&mut self, key: (usize, usize, usize)) -> bool {
        if let Some(set) = &mut self.set {
            return set.insert(key);
        }
        if self.list.contains(&key) {
            return false;
        }
        if self.list.len() < Self::LIST_MAX {
            self.list.push(key);
        } else {
            let mut set: HashSet<_, BuildHasherDefault<FastHash>> = self.list.drain(..).collect();
            set.insert(key);
            self.set = Some(set);
        }
        true
    }
}

/// The last match that each of a few rules' near searches passed to `push_caps`: (rule, the
/// position searched from, match start, match end, haystack end). A later term hit of the same
/// rule whose search would start between that position and the match start finds that same
/// match first: no match starts in between (it was the leftmost one), and which match starts
/// at a position does not depend on where the search began. When its haystack is the same, or
/// both haystacks reach past everything a match starting there can look at (its longest
/// length and one character), the match and its groups are the same; if it covers the rest of
/// the new hit (or starts after it), `near_hit` would push it again (already seen: nothing) and
/// stop. So that search is skipped: "zastava m70" hits one rule twice, and many hits repeat.
struct NearMemo {
    last: [(usize, usize, usize, usize, usize); Self::LEN],
    len: usize,
}

impl NearMemo {
    /// Rules remembered (the oldest is replaced): bounded, so that a page of hits stays linear.
    const LEN: usize = 4;

    fn new() -> Self {
        Self {
            last: [(0, 0, 0, 0, 0); Self::LEN],
            len: 0,
        }
    }

    fn remember(&mut self, entry: (usize, usize, usize, usize, usize)) {
        let live = &mut self.last[..self.len];
        if let Some(slot) = live.iter_mut().find(|e| e.0 == entry.0) {
            *slot = entry;
        } else if self.len < Self::LEN {
            self.last[self.len] = entry;
            self.len += 1;
        } else {
            self.last.rotate_left(1);
            self.last[Self::LEN - 1] = entry;
        }
    }

    /// Whether the near search of rule `ri` for `hit` over `ws..we` would only find a match
    /// already pushed, as above (`max_bytes`: the rule's longest match).
    fn covers(
        &self,
        ri: usize,
        max_bytes: Option<usize>,
        hit: &Range<usize>,
        ws: usize,
        we: usize,
    ) -> bool {
        self.last[..self.len].iter().any(|&(r, from, ms, me, mwe)| {
            r == ri
                && from <= ws
                && ws <= ms
                && me > ms
                && (me >= hit.end || ms >= hit.end)
                && (mwe == we || max_bytes.is_some_and(|n| ms + n + 4 <= mwe.min(we)))
        })
    }
}

/// A small multiplicative hasher for the `Seen` keys (a few integers from our own spans; no
/// untrusted key choice), much cheaper than SipHash.
#[derive(Default)]
struct FastHash(u64);

impl Hasher for FastHash {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

/// Calls `f(pattern, start, end)` for every occurrence of every pattern of the term automaton
/// in `hay`, in the order of `AhoCorasick::find_overlapping_iter` (by end, then as the match
/// state lists them): the same overlapping search, walked over the automaton's plain table
/// ([`TermTable`]) by [`walk_to_match`].
#[inline(always)]
fn for_each_term(t: &TermTable, hay: &[u8], mut f: impl FnMut(usize, usize, usize)) {
    let mut row = t.start;
    let mut pos = 0;
    while let Some(end) = walk_to_match(t, hay, pos, &mut row) {
        let (from, to) = t.match_ranges[(row / t.stride) as usize];
        for &(pid, len) in &t.matches[from as usize..to as usize] {
            f(pid as usize, end - len as usize, end);
        }
        pos = end;
    }
}

/// Walks the term table from state `row` over `hay[from..]` up to the first match state: the
/// end of the matches there, `row` left on it (None at the text's end). A loop of its own, so
/// that the state and the table stay in registers (inlined into the caller's large loop body,
/// they were spilled to the stack at every byte), four bytes a round: a class lookup, a table
/// lookup and a sign test a byte (the table's length is a power of two, so a mask keeps the
/// index in bounds without changing it).
#[inline(never)]
fn walk_to_match(t: &TermTable, hay: &[u8], from: usize, row: &mut u32) -> Option<usize> {
    let (classes, trans) = (&t.classes, t.trans.as_slice());
    let mask = trans.len() - 1;
    let step = |r: u32, b: u8| trans[(r as usize + usize::from(classes[usize::from(b)])) & mask];
    let mut r = *row;
    let mut i = from;
    let rest = hay.get(from..)?;
    let mut quads = rest.chunks_exact(4);
    for q in &mut quads {
        for &b in q {
            let next = step(r, b);
            i += 1;
            if next & TermTable::MATCH != 0 {
                *row = next & !TermTable::MATCH;
                return Some(i);
            }
            r = next;
        }
    }
    for &b in quads.remainder() {
        let next = step(r, b);
        i += 1;
        if next & TermTable::MATCH != 0 {
            *row = next & !TermTable::MATCH;
            return Some(i);
        }
        r = next;
    }
    *row = r;
    None
}

/// `char::is_alphanumeric`: ASCII by its byte test, the rest from the tokenizer's table (the
/// same answers, checked there for every character).
fn alnum(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        alphabetic_alphanumeric(c).1
    }
}

/// Whether the character before byte `pos` (a char boundary) is alphanumeric. An ASCII byte
/// before it is that character, decided without decoding (most folded text is ASCII).
fn word_before(t: &str, pos: usize) -> bool {
    match pos.checked_sub(1).map(|i| t.as_bytes()[i]) {
        None => false,
        Some(b) if b < 0x80 => b.is_ascii_alphanumeric(),
        Some(_) => t[..pos].chars().next_back().is_some_and(alnum),
    }
}

/// Whether the character at byte `pos` (a char boundary, at most the length) is alphanumeric.
fn word_at(t: &str, pos: usize) -> bool {
    match t.as_bytes().get(pos) {
        None => false,
        Some(&b) if b < 0x80 => b.is_ascii_alphanumeric(),
        Some(_) => t[pos..].chars().next().is_some_and(alnum),
    }
}

/// A UTF-8 continuation byte (`10xxxxxx`): not the first byte of a character.
fn is_continuation(b: u8) -> bool {
    b & 0xC0 == 0x80
}

fn floor(t: &str, mut i: usize) -> usize {
    i = i.min(t.len());
    while !t.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil(t: &str, mut i: usize) -> usize {
    i = i.min(t.len());
    while !t.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Scans one chunk. `original` is the chunk's original text, `norm` its normalization;
/// spans in the hits are relative to the chunk.
pub(crate) fn scan(
    c: &Compiled,
    original: &str,
    norm: &Normalized,
    region: Option<Region>,
) -> Vec<Hit> {
    let (mut hits, excludable) = find_hits(c, original, norm, region);
    drop_excluded(c, &norm.text, &mut hits, &excludable);
    hits
}

/// Every hit of a chunk before exclusions, and the (rule, start, end) of each exclude literal
/// the term pass met in the folded text (`CompiledRule::exclude_gated`), sorted when there are
/// more than `EXCLUDABLE_LIST_MAX`.
#[allow(clippy::type_complexity)]
fn find_hits(
    c: &Compiled,
    original: &str,
    norm: &Normalized,
    region: Option<Region>,
) -> (Vec<Hit>, Vec<(usize, usize, usize)>) {
    let folded = norm.text.as_str();
    let mut hits = Vec::with_capacity(32);
    let mut seen = Seen::new();
    let mut memo = NearMemo::new();
    // (rule, start, end) of each exclude literal the term pass met (`CompiledRule::exclude_gated`).
    let mut excludable: Vec<(usize, usize, usize)> = Vec::new();
    if let Some(dfa) = &c.automaton {
        for_each_term(dfa, folded.as_bytes(), |pid, s, e| {
            for &r in &c.exclude_marks[pid] {
                excludable.push((r, s, e));
            }
            let (starts_word, ends_word) = c.term_edges[pid];
            if starts_word && word_before(folded, s) {
                return;
            }
            for tr in &c.terms[pid] {
                let mut end = e;
                if tr.prefix {
                    while word_at(folded, end) {
                        end = ceil(folded, end + 1);
                    }
                } else if ends_word && word_at(folded, end) {
                    continue;
                }
                let rule = &c.rules[tr.rule];
                match &rule.regex {
                    None => {
                        if seen.insert((tr.rule, s, end)) {
                            push_literal_hit(tr.rule, rule, original, norm, s..end, &mut hits);
                        }
                    }
                    Some(_) => {
                        near_hit(
                            tr.rule,
                            rule,
                            original,
                            norm,
                            s..end,
                            region,
                            &mut seen,
                            &mut hits,
                            Some(&mut memo),
                        );
                    }
                }
            }
        });
    }
    whole_text_rules(
        c,
        &c.whole_folded,
        c.folded_set.as_ref(),
        folded,
        Some(norm),
        original,
        region,
        &mut seen,
        &mut hits,
    );
    whole_text_rules(
        c,
        &c.whole_original,
        c.original_set.as_ref(),
        original,
        None,
        original,
        region,
        &mut seen,
        &mut hits,
    );
    if excludable.len() > EXCLUDABLE_LIST_MAX {
        excludable.sort_unstable();
    }
    (hits, excludable)
}

/// Most exclude literals met in a chunk that `drop_excluded` searches linearly (a listing meets
/// none or a few); past it they are sorted, and searched by bisection.
const EXCLUDABLE_LIST_MAX: usize = 8;

/// Drops the hits that an exclude pattern of their rule overlaps (`excluded`), asking only
/// where the term pass met one of the rule's exclude literals (`excludable`) near the hit.
/// Past a few literals (then sorted), each hit finds its rule's literals from the window's
/// start by a binary search, and looks at most at those that start in the window's last few
/// bytes before it has its answer: a page with thousands of hits and literals stays
/// near-linear.
fn drop_excluded(
    c: &Compiled,
    folded: &str,
    hits: &mut Vec<Hit>,
    excludable: &[(usize, usize, usize)],
) {
    hits.retain(|h| {
        let rule = &c.rules[h.rule];
        let Some(span) = &h.folded else { return true };
        if rule.excludes.is_empty() {
            return true;
        }
        // An exclude match overlapping the hit lies in `excluded`'s window and contains one of
        // the rule's exclude literals: none there, no exclusion.
        if rule.exclude_gated {
            let (ws, we) = exclude_window(folded, span);
            let near = if excludable.len() > EXCLUDABLE_LIST_MAX {
                let from = excludable.partition_point(|&(r, s, _)| (r, s) < (h.rule, ws));
                excludable[from..]
                    .iter()
                    .take_while(|&&(r, s, _)| r == h.rule && s < we)
                    .any(|&(_, _, e)| e <= we)
            } else {
                excludable
                    .iter()
                    .any(|&(r, s, e)| r == h.rule && s >= ws && e <= we)
            };
            if !near {
                return true;
            }
        }
        !excluded(rule, folded, Some(span))
    });
}

/// Runs the rules without terms over `hay` (the folded text when `norm` is given, else the
/// original), skipping those whose relaxed pattern the prefilter `set` did not find.
#[allow(clippy::too_many_arguments)]
fn whole_text_rules(
    c: &Compiled,
    which: &[usize],
    set: Option<&RelaxedSet>,
    hay: &str,
    norm: Option<&Normalized>,
    original: &str,
    region: Option<Region>,
    seen: &mut Seen,
    hits: &mut Vec<Hit>,
) {
    let exact = ascii_boundaries_exact(hay);
    let mut maybe = Matched::all();
    if let Some(set) = set {
        set.matches_into(hay, &mut maybe);
    }
    for (k, &ri) in which.iter().enumerate() {
        if !maybe.matched(k) {
            continue;
        }
        let rule = &c.rules[ri];
        let ends = maybe
            .first_end(k)
            .zip(maybe.last_end(k))
            .filter(|_| rule.nonempty);
        for_each_match(rule, hay, exact, ends, |caps| {
            push_caps(ri, rule, caps, original, norm, region, seen, hits);
        });
    }
}

/// Calls `f` with every match of the rule's pattern over `hay`, exactly as `captures_iter`
/// would yield them, but fast:
/// - a haystack where ASCII and Unicode word boundaries agree runs the ASCII-boundary variant
///   (same matches there, DFA speed);
/// - otherwise the boundary-free variant finds each next candidate start (a real match starting
///   at `s` is also a relaxed match starting at `s`, so none starts before the candidate), and
///   the real pattern runs from there, over the whole haystack so its boundaries see the same
///   context. Text without candidates costs one fast pass.
/// - in that second case, when the pattern's matches have a bounded length, each candidate is
///   decided alone, by a search over the few characters a match starting there can look at,
///   with the ASCII-boundary variant where they allow it ([`candidate_window`]): one non-ASCII
///   word character elsewhere in the text (a Cyrillic word beside a phone number) no longer
///   sends the search to the Unicode-boundary pattern over the rest of the text (its DFA gives
///   up at the first non-ASCII byte and a backtracking engine takes over).
///
/// `ends`, when given, are where the first and the last match of the rule's relaxed pattern end
/// (the prefilter walk recorded them) and the rule's matches are not empty. Every match of the
/// rule is a relaxed match, so it ends between the two:
/// - once a match ends at the last end, or the candidates' search has reached it, nothing is left
///   to find, and the search over the rest of the text that would find nothing is not run;
/// - a match that ends at or after the first end covers the characters before that end down to
///   its start, all of them characters the pattern can consume (`consumed`): it starts in or
///   after the run of such characters that ends at the first end. The search starts there (its
///   assertions still see the text before), and finds the same leftmost-first matches, none
///   starting earlier. The matches being non-empty, each search after a match starts at its end,
///   as the iterator's does.
fn for_each_match(
    rule: &CompiledRule,
    hay: &str,
    ascii_exact: bool,
    ends: Option<(usize, usize)>,
    mut f: impl FnMut(&Found<'_>),
) {
    let stop = ends.map(|(_, last)| last);
    let done = |end: usize| stop.is_some_and(|s| end >= s);
    let start = match (ends, &rule.consumed) {
        (Some((first, _)), Some(consumed)) => consumed.run_back(hay, first),
        _ => 0,
    };
    let Some(re) = rule.pick(ascii_exact) else {
        return;
    };
    let groups = rule.needs_groups;
    let relaxed = match &rule.relaxed {
        Some(r) if !ascii_exact => r,
        _ => {
            if start > 0 {
                // Non-empty matches (`ends` is given only then): each search from the last end.
                let mut pos = start;
                while let Some(found) = Found::of_rule(rule, re, hay, pos, groups) {
                    let Some(end) = found.whole().map(|m| m.end()) else {
                        return;
                    };
                    f(&found);
                    if done(end) || end <= pos {
                        return;
                    }
                    pos = end;
                }
            } else if let (true, Some(sc)) = (groups, &rule.span_caps) {
                for m in re.find_iter(hay) {
                    f(&Found::with_groups(sc, re, hay, m));
                    if done(m.end()) {
                        break;
                    }
                }
            } else if groups {
                for caps in re.captures_iter(hay) {
                    let end = caps.get(0).map_or(0, |m| m.end());
                    f(&Found::Groups(caps));
                    if done(end) {
                        break;
                    }
                }
            } else {
                for m in re.find_iter(hay) {
                    f(&Found::Whole(m));
                    if done(m.end()) {
                        break;
                    }
                }
            }
            return;
        }
    };
    // From here on the haystack is ASCII (and so is the byte before): the pattern's DFA does not
    // give up there, and a candidate needs no window.
    let ascii_tail = hay
        .bytes()
        .rposition(|b| !b.is_ascii())
        .map_or(0, |i| i + 2);
    let mut pos = start;
    let mut last_end: Option<usize> = None;
    while pos <= hay.len() && !done(pos) {
        let Some(cand) = relaxed.find_at(hay, pos) else {
            return;
        };
        let window = if cand.start() < ascii_tail {
            candidate_window(rule, re, hay, cand.start())
        } else {
            None
        };
        let found = match window {
            Some((_, window, ascii)) if !groups && rule.anchored.is_some() => {
                let Some(found) = anchored_at(rule, ascii, window, cand.start()) else {
                    // No match starts at the candidate: the next one starts later.
                    if cand.start() >= hay.len() {
                        return;
                    }
                    pos = ceil(hay, cand.start() + 1);
                    continue;
                };
                found
            }
            Some((re, window, _)) => {
                match Found::of_rule(rule, re, window, cand.start(), groups) {
                    Some(found) if found.whole().is_some_and(|m| m.start() == cand.start()) => {
                        found
                    }
                    _ => {
                        // No match starts at the candidate: the next one starts later.
                        if cand.start() >= hay.len() {
                            return;
                        }
                        pos = ceil(hay, cand.start() + 1);
                        continue;
                    }
                }
            }
            None => {
                let Some(found) = Found::of_rule(rule, re, hay, cand.start(), groups) else {
                    return;
                };
                found
            }
        };
        let Some(m) = found.whole() else { return };
        if m.is_empty() {
            // As the iterator does: an empty match at the previous match's end is skipped,
            // and the search moves on by one character.
            let next = ceil(hay, m.end() + 1);
            if last_end != Some(m.end()) {
                f(&found);
            }
            if next <= m.end() {
                return;
            }
            pos = next;
        } else {
            f(&found);
            pos = m.end();
        }
        last_end = Some(m.end());
    }
}

/// A regex for the rule and a prefix of `hay` in which it finds exactly the match of the real
/// pattern `re` starting at `at` (or finds none starting there when there is none), when the
/// pattern's matches have a bounded length: the prefix ends a few characters after `at`, and the
/// regex is the ASCII-boundary variant if the neighbourhood of `at` allows it, else `re`.
///
/// A match starting at `at` is at most `max_chars` characters long, so every path of the pattern
/// from `at` consumes only those characters and evaluates its word boundaries at the positions
/// between them, each looking at one character on either side. Cutting the haystack after the
/// character that follows them changes none of these paths. If moreover every non-ASCII
/// character from the one before `at` to that last one is a non-word character, ASCII and
/// Unicode boundaries agree at all those positions (the argument of `ascii_boundaries_exact`, on
/// this window), so the ASCII variant has the same matches starting at `at`. A search from `at`
/// in the prefix then returns the match starting at `at` if there is one (leftmost-first: a match
/// starting at `at` is preferred to any later one), and otherwise none or a later match, which
/// the caller discards: it may not exist in the whole text.
///
/// Both halves save work on text with non-ASCII words: the ASCII variant runs on the DFA, and
/// where the Unicode pattern must run, its DFA gives up at the first non-ASCII byte and a
/// backtracking engine takes over, whose cost grows with the length of the haystack after `at`.
///
/// Also returned: whether the regex is the ASCII-boundary variant.
fn candidate_window<'r, 'h>(
    rule: &'r CompiledRule,
    re: &'r Regex,
    hay: &'h str,
    at: usize,
) -> Option<(&'r Regex, &'h str, bool)> {
    let n = rule.max_chars?;
    // The end of character `n` after `at` (counting from 0): the start of the next one.
    let hi = window_end(hay, at, n);
    let lo = floor(hay, at.saturating_sub(1));
    let (re, ascii) = match &rule.ascii {
        Some(ascii) if ascii_boundaries_exact(&hay[lo..hi]) => (ascii, true),
        _ => (re, false),
    };
    Some((re, &hay[..hi], ascii))
}

/// The end of character `n` after `at` (counting from 0; `at` a character boundary): the start
/// of the next one, or the text's end. Where the next n + 1 bytes are ASCII (most windows of
/// identifiers and phone numbers), they are those characters: the end is found without counting
/// byte by byte (a property test compares it with the count).
fn window_end(hay: &str, at: usize, n: usize) -> usize {
    let bytes = hay.as_bytes();
    let cap = at.saturating_add(n + 1).min(bytes.len());
    if bytes[at..cap].is_ascii() {
        return cap;
    }
    let mut hi = at;
    let mut chars = 0usize;
    while hi < bytes.len() {
        if !is_continuation(bytes[hi]) {
            if chars > n {
                break;
            }
            chars += 1;
        }
        hi += 1;
    }
    hi
}

/// The match of the rule's pattern starting at `at` in `window`, found by a search anchored
/// there (the ASCII-boundary variant if `ascii`, as [`candidate_window`] chose). The caller used
/// to search unanchored from `at` and keep a match only if it started at `at`: a leftmost-first
/// search that finds a match starting at `at` finds the one an anchored search finds (the same
/// preference among the matches starting there), and finds none there exactly when the anchored
/// one finds none. The anchored search needs no reverse scan for the start, and gives up at the
/// first byte no match from `at` can take instead of looking further for a later match.
fn anchored_at<'h>(
    rule: &CompiledRule,
    ascii: bool,
    window: &'h str,
    at: usize,
) -> Option<Found<'h>> {
    let a = rule.anchored.as_ref()?;
    let re = if ascii { &a.ascii } else { &a.regex };
    let input = regex_automata::Input::new(window)
        .range(at..)
        .anchored(regex_automata::Anchored::Yes);
    let m = re.search(&input)?;
    Some(Found::Span(Piece {
        text: &window[m.range()],
        start: m.start(),
    }))
}

/// Pushes the hit of a rule without a pattern at its term's folded range `f`, its entity made
/// straight into the pushed hit (no copy through a local).
fn push_literal_hit(
    ri: usize,
    rule: &CompiledRule,
    original: &str,
    norm: &Normalized,
    f: Range<usize>,
    hits: &mut Vec<Hit>,
) {
    let span = norm.original_range(f.clone());
    let matched = &norm.text[f.clone()];
    let get = |n: &str, _: Option<usize>| (n == "0").then_some(matched);
    hits.push(Hit {
        rule: ri,
        span: span.clone(),
        folded: Some(f),
        entity: (!rule.is_cue()).then(|| {
            make_entity(
                rule,
                &original[span.clone()],
                span,
                &get,
                Cow::Borrowed(matched),
            )
        }),
    });
}

/// The window a rule's pattern is searched in around a term hit: the rule's `window` bytes on
/// each side, widened (by at most 32 bytes) so that it does not cut a word.
fn near_window(text: &str, rule: &CompiledRule, hit: &Range<usize>) -> (usize, usize) {
    let mut ws = floor(text, hit.start.saturating_sub(rule.window[0]));
    let limit = ws.saturating_sub(32);
    while ws > limit && word_before(text, ws) {
        ws = floor(text, ws - 1);
    }
    let mut we = ceil(text, hit.end + rule.window[1]);
    let limit = we + 32;
    while we < limit && word_at(text, we) {
        we = ceil(text, we + 1);
    }
    (ws, we)
}

#[allow(clippy::too_many_arguments)]
fn near_hit(
    ri: usize,
    rule: &CompiledRule,
    original: &str,
    norm: &Normalized,
    hit: Range<usize>,
    region: Option<Region>,
    seen: &mut Seen,
    hits: &mut Vec<Hit>,
    mut memo: Option<&mut NearMemo>,
) {
    let text = norm.text.as_str();
    let (ws, we) = near_window(text, rule, &hit);
    if memo
        .as_ref()
        .is_some_and(|m| m.covers(ri, rule.max_bytes, &hit, ws, we))
    {
        return;
    }
    let hay = &text[..we];
    // A boundary at `ws` looks at the character before it; one at `we` is the haystack's end.
    let ascii = ascii_boundaries_exact(&text[floor(text, ws.saturating_sub(1))..we]);
    let Some(re) = rule.pick(ascii) else { return };
    let mut pos = ws;
    while pos <= we {
        let Some(found) = Found::at(re, hay, pos, rule.needs_groups) else {
            break;
        };
        let Some(m) = found.whole() else { break };
        if m.start() >= hit.end {
            break;
        }
        if m.end() > hit.start {
            push_caps(ri, rule, &found, original, Some(norm), region, seen, hits);
            if let Some(memo) = memo.as_deref_mut() {
                memo.remember((ri, pos, m.start(), m.end(), we));
            }
        }
        pos = if m.end() > m.start() {
            m.end()
        } else {
            ceil(text, m.end() + 1)
        };
        // The next match starts at `pos` or later: from the hit's end on, it would be
        // discarded above, so it is not searched for (most matches end past their term).
        if m.end() == we || pos >= hit.end {
            break;
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn push_caps(
    ri: usize,
    rule: &CompiledRule,
    caps: &Found<'_>,
    original: &str,
    norm: Option<&Normalized>,
    region: Option<Region>,
    seen: &mut Seen,
    hits: &mut Vec<Hit>,
) {
    // A group that took no part in the match gives the whole match, as it always did.
    let m = match rule.group {
        Some(g) => caps.get(g).or_else(|| caps.whole()),
        None => caps.whole(),
    };
    let Some(m) = m else { return };
    if !seen.insert((ri, m.start(), m.end())) {
        return;
    }
    let (span, folded) = match (rule.spec.source, norm) {
        (Source::Folded, Some(n)) => (n.original_range(m.range()), Some(m.range())),
        _ => (m.range(), None),
    };
    let value = &original[span.clone()];
    let get = |n: &str, group: Option<usize>| {
        if n == "0" {
            Some(m.as_str())
        } else {
            group.and_then(|g| caps.get(g)).map(|g| g.as_str())
        }
    };
    if rule.is_cue() {
        hits.push(Hit {
            rule: ri,
            span,
            folded,
            entity: None,
        });
        return;
    }
    let mut base = Cow::Borrowed(m.as_str());
    if let Some(v) = rule.validator {
        let input = if rule.spec.source == Source::Original {
            value
        } else {
            m.as_str()
        };
        match v.check(input, region) {
            Some(n) => base = Cow::Owned(n),
            None => return,
        }
    }
    // The entity is made straight into the hit being pushed (an entity is a few hundred bytes:
    // each move through a local is a copy), and a price without an amount taken back out.
    hits.push(Hit {
        rule: ri,
        span: span.clone(),
        folded,
        entity: Some(make_entity(rule, value, span, &get, base)),
    });
    if rule.price
        && hits
            .last()
            .and_then(|h| h.entity.as_ref())
            .is_some_and(|e| e.amount.is_none())
    {
        hits.pop();
    }
}

fn make_entity<'a>(
    rule: &CompiledRule,
    value: &str,
    span: Range<usize>,
    get: &dyn Fn(&str, Option<usize>) -> Option<&'a str>,
    base: Cow<'_, str>,
) -> Entity {
    let field = |t: &Option<Template>| t.as_ref().map(|t| t.fill(get)).filter(|s| !s.is_empty());
    let f = &rule.fields;
    let mut amount = None;
    let mut currency = None;
    // A price with an amount and a currency is normalized to both; only other entities fill
    // the `normalized` template (filling it and dropping it cost a string).
    let mut price = None;
    if rule.price {
        currency = field(&f.currency);
        let crypto = matches!(currency.as_deref(), Some("BTC" | "XMR" | "ETH" | "LTC"));
        // The amount is parsed, not kept: read in place where the template allows.
        amount = f
            .amount
            .as_ref()
            .map(|t| t.fill_str(get))
            .filter(|a| !a.is_empty())
            .and_then(|a| parse_amount(&a, crypto));
        if let (Some(a), Some(cur)) = (amount, &currency) {
            price = Some(format_price(a, cur));
        }
    }
    let normalized =
        price.unwrap_or_else(|| field(&f.normalized).unwrap_or_else(|| base.into_owned()));
    Entity {
        kind: rule.spec.kind.clone(),
        value: value.to_owned(),
        normalized,
        span: [span.start, span.end],
        rule: rule.spec.id.clone(),
        make: field(&f.make),
        model: field(&f.model),
        amount,
        currency,
    }
}

/// The part of the folded text in which `excluded` looks for exclude matches over `span`:
/// each one it finds starts at or after the first bound and ends at or before the second.
fn exclude_window(folded: &str, span: &Range<usize>) -> (usize, usize) {
    (
        floor(folded, span.start.saturating_sub(64)),
        ceil(folded, span.end + 64),
    )
}

fn excluded(rule: &CompiledRule, folded: &str, span: Option<&Range<usize>>) -> bool {
    let Some(span) = span else { return false };
    if rule.excludes.is_empty() {
        return false;
    }
    let (ws, we) = exclude_window(folded, span);
    let hay = &folded[..we];
    rule.excludes.iter().any(|re| {
        let mut pos = ws;
        while let Some(m) = re.find_at(hay, pos) {
            if m.start() >= span.end {
                return false;
            }
            if m.end() > span.start {
                return true;
            }
            pos = if m.end() > m.start() {
                m.end()
            } else {
                ceil(folded, m.end() + 1)
            };
            if pos > we {
                break;
            }
        }
        false
    })
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use proptest::prelude::*;

    use super::*;
    use crate::compile::max_chars;
    use crate::pack::embedded_packs;

    fn compiled() -> &'static Compiled {
        static C: OnceLock<Compiled> = OnceLock::new();
        C.get_or_init(|| Compiled::new(&embedded_packs().expect("packs")).expect("compiles"))
    }

    type Spans = Vec<Vec<Option<(usize, usize)>>>;

    /// Every match of the pattern as written, as `captures_iter` yields it: the whole match and
    /// each group (only the whole match when the rule does not read groups).
    fn reference(rule: &CompiledRule, hay: &str) -> Spans {
        let re = rule.regex.as_ref().expect("pattern");
        re.captures_iter(hay)
            .map(|c| {
                let n = if rule.needs_groups { c.len() } else { 1 };
                (0..n)
                    .map(|g| c.get(g).map(|m| (m.start(), m.end())))
                    .collect()
            })
            .collect()
    }

    fn fast(rule: &CompiledRule, hay: &str, ends: Option<(usize, usize)>) -> Spans {
        let n = if rule.needs_groups {
            rule.regex.as_ref().expect("pattern").captures_len()
        } else {
            1
        };
        let mut out = Vec::new();
        for_each_match(rule, hay, ascii_boundaries_exact(hay), ends, |f| {
            out.push(
                (0..n)
                    .map(|g| f.get(g).map(|m| (m.start(), m.end())))
                    .collect(),
            );
        });
        out
    }

    /// Every whole-text rule finds what `captures_iter` finds: searched over the whole text, and
    /// searched between where its prefilter says its first and last possible matches end.
    fn check(hay: &str) -> Result<(), TestCaseError> {
        let c = compiled();
        for (which, set) in [
            (&c.whole_folded, c.folded_set.as_ref()),
            (&c.whole_original, c.original_set.as_ref()),
        ] {
            let maybe = set.expect("prefilter built").matches(hay);
            for (k, &ri) in which.iter().enumerate() {
                let rule = &c.rules[ri];
                let expected = reference(rule, hay);
                prop_assert_eq!(
                    fast(rule, hay, None),
                    expected.clone(),
                    "rule {}",
                    rule.spec.id
                );
                if maybe.matched(k) {
                    let ends = maybe
                        .first_end(k)
                        .zip(maybe.last_end(k))
                        .filter(|_| rule.nonempty);
                    prop_assert_eq!(
                        fast(rule, hay, ends),
                        expected,
                        "rule {} searched within {:?}",
                        rule.spec.id,
                        ends
                    );
                }
            }
        }
        Ok(())
    }

    proptest! {
        /// The word tests at every character boundary answer as `char::is_alphanumeric` of the
        /// character before / at the position.
        #[test]
        fn word_tests_as_chars(t in "[a-z0-9 .,€é\u{301}ёђЀ-ӿ·–🔫ß\u{a0}²½٣]{0,24}") {
            for pos in (0..=t.len()).filter(|&i| t.is_char_boundary(i)) {
                prop_assert_eq!(
                    word_before(&t, pos),
                    t[..pos].chars().next_back().is_some_and(char::is_alphanumeric)
                );
                prop_assert_eq!(
                    word_at(&t, pos),
                    t[pos..].chars().next().is_some_and(char::is_alphanumeric)
                );
            }
        }
    }

    proptest! {
        /// `Seen` answers as a set does, across the switch from its list to its hash set.
        #[test]
        fn seen_is_a_set(keys in proptest::collection::vec((0usize..4, 0usize..30, 0usize..3), 0..200)) {
            let mut seen = Seen::new();
            let mut reference = std::collections::HashSet::new();
            for k in keys {
                prop_assert_eq!(seen.insert(k), reference.insert(k));
            }
        }
    }

    /// `near_hit` as first written: every match of the rule's real pattern (Unicode boundaries,
    /// with its groups) from the window's start, until one starts at or after the hit's end.
    fn near_hit_reference(
        ri: usize,
        rule: &CompiledRule,
        original: &str,
        norm: &Normalized,
        hit: Range<usize>,
        seen: &mut Seen,
        hits: &mut Vec<Hit>,
    ) {
        let text = norm.text.as_str();
        let (ws, we) = near_window(text, rule, &hit);
        let hay = &text[..we];
        let re = rule.regex.as_ref().expect("pattern");
        let mut pos = ws;
        while pos <= we {
            let Some(caps) = re.captures_at(hay, pos) else {
                break;
            };
            let m = caps.get(0).expect("group 0");
            if m.start() >= hit.end {
                break;
            }
            let found = Found::Groups(caps);
            if m.end() > hit.start {
                push_caps(ri, rule, &found, original, Some(norm), None, seen, hits);
            }
            pos = if m.end() > m.start() {
                m.end()
            } else {
                ceil(text, m.end() + 1)
            };
            if m.end() == we {
                break;
            }
        }
    }

    /// Every term hit of a rule with a pattern in `text` (without the word tests of `scan`,
    /// which only make fewer), each run through `near_hit` and through the reference: the same
    /// hits with the same entities.
    fn check_near(text: &str) -> Result<(), TestCaseError> {
        let norm = crate::normalize::normalize(text);
        let folded = norm.text.as_str();
        each_patterned_term_hit(folded, |ri, rule, range| {
            let key = |h: &Hit| (h.rule, h.span.clone(), h.folded.clone(), h.entity.clone());
            let (mut seen, mut hits) = (Seen::new(), Vec::new());
            near_hit(
                ri,
                rule,
                text,
                &norm,
                range.clone(),
                None,
                &mut seen,
                &mut hits,
                None,
            );
            let (mut seen_r, mut hits_r) = (Seen::new(), Vec::new());
            near_hit_reference(
                ri,
                rule,
                text,
                &norm,
                range.clone(),
                &mut seen_r,
                &mut hits_r,
            );
            prop_assert_eq!(
                hits.iter().map(key).collect::<Vec<_>>(),
                hits_r.iter().map(key).collect::<Vec<_>>(),
                "rule {} at {:?} in {:?}",
                &rule.spec.id,
                range,
                folded
            );
            Ok(())
        })
    }

    /// Calls `f` with every term hit, in the order of the overlapping term pass (without the
    /// word tests of `scan`, which only make fewer), of a rule that has a pattern.
    fn each_patterned_term_hit(
        folded: &str,
        mut f: impl FnMut(usize, &CompiledRule, Range<usize>) -> Result<(), TestCaseError>,
    ) -> Result<(), TestCaseError> {
        let c = compiled();
        let ac = aho_corasick::AhoCorasick::new(&c.term_strings).expect("builds");
        for m in ac.find_overlapping_iter(folded) {
            for tr in &c.terms[m.pattern().as_usize()] {
                let rule = &c.rules[tr.rule];
                if rule.regex.is_some() {
                    f(tr.rule, rule, m.range())?;
                }
            }
        }
        Ok(())
    }

    /// Every term hit of a rule with a pattern in `text`, in the order of the term pass, run
    /// through `near_hit` with one `Seen` for all, with and without the memo of matches already
    /// pushed: the same hits.
    fn check_memo(text: &str) -> Result<(), TestCaseError> {
        let norm = crate::normalize::normalize(text);
        let folded = norm.text.as_str();
        let (mut seen, mut hits, mut memo) = (Seen::new(), Vec::new(), NearMemo::new());
        let (mut seen_r, mut hits_r) = (Seen::new(), Vec::new());
        each_patterned_term_hit(folded, |ri, rule, range| {
            near_hit(
                ri,
                rule,
                text,
                &norm,
                range.clone(),
                None,
                &mut seen,
                &mut hits,
                Some(&mut memo),
            );
            near_hit(
                ri,
                rule,
                text,
                &norm,
                range,
                None,
                &mut seen_r,
                &mut hits_r,
                None,
            );
            Ok(())
        })?;
        let key = |h: &Hit| (h.rule, h.span.clone(), h.folded.clone(), h.entity.clone());
        prop_assert_eq!(
            hits.iter().map(key).collect::<Vec<_>>(),
            hits_r.iter().map(key).collect::<Vec<_>>(),
            "in {:?}",
            folded
        );
        Ok(())
    }

    #[test]
    fn near_hits_on_examples() {
        for text in [
            "Prodajem Glock 19 gen5 i Zastava M70 AB2, cz 99, tt-33, ak 47 bomba m75",
            "пиштол Глок 17 ш zastava m57 m88 ekol firat blow f92 beretta 92fs",
            "bomba bomba m 52 granata m-75 automatik ak jurisna puska pistolj za silikon",
        ] {
            check_near(text).expect("same near hits");
            check_memo(text).expect("same near hits with the memo");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        /// The patterns near term hits find what the plain search loop finds, on ad-like text
        /// dense in the terms of pattern rules (several hits of one rule in one window, models
        /// beside and away from their make, Cyrillic and accented words around them).
        #[test]
        fn near_hits_as_plain_loop(
            text in "(?:glock|glok|gl0ck|Глок|zastava|m70|m 70|m-84|m57|m88|m|cz|cz 99|99|75|ak|ak47|ak-74|47|74|tt|tt33|tokarev|tetejac|zoraki|ekol|retay|blow|f 92|beretta|92fs|walther|ppk|p 99|skorpion|vz61|hk|mp5|usp|bomba|bombe|granata|m75|m52|rucna|kasikara|automatik|jurisna puska|assault rifle|pistol|pistolj|silikon|za|cena|[0-9]{1,3}|[a-z]{1,4}|[ \\-/.,]|\n|ш|пиштол|é|€){0,30}",
        ) {
            check_near(&text)?;
            check_memo(&text)?;
        }
    }

    /// The hits of `text` after `drop_excluded` and after every hit's exclusion check.
    fn check_excluded(text: &str) -> Result<(), TestCaseError> {
        let c = compiled();
        let norm = crate::normalize::normalize(text);
        let (hits, excludable) = find_hits(c, text, &norm, None);
        let mut fast = hits.clone();
        drop_excluded(c, &norm.text, &mut fast, &excludable);
        let mut plain = hits;
        plain.retain(|h| !excluded(&c.rules[h.rule], &norm.text, h.folded.as_ref()));
        let key = |h: &Hit| (h.rule, h.span.clone());
        prop_assert_eq!(
            fast.iter().map(key).collect::<Vec<_>>(),
            plain.iter().map(key).collect::<Vec<_>>(),
            "in {:?}",
            &norm.text
        );
        Ok(())
    }

    #[test]
    fn exclusions_on_examples() {
        for text in [
            "Prodajem pištolj za silikon, nov, 800 din",
            "glue pistol, airsoft municija, bomba cena 5e, okvir za sliku, vazdusna puska",
            "pistol pistol pistol pistol pistol pistol pistol pistol pistol pistol za silikon",
        ] {
            check_excluded(text).expect("same exclusions");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        /// The exclusions skipped for want of an exclude literal near a hit are those that
        /// would not have matched: the same hits survive, on text dense in the excluded
        /// rules' terms and in their exclude patterns' words, near and far from each other.
        #[test]
        fn exclusions_as_every_check(
            text in "(?:pistol|pistolj|pištolj|pishtol|Пиштол|silikon|silicon|glue|hot air|za|na|me|vodeni|water|uji|boja|bomba|bombe|granata|cena|cijena|ponuda|jabuka|okvir|okviri|slika|sliku|foto|magazine|subscription|puska|rifle|vazdusna|air|pcp|co2|luft|municija|ammo|metak|airsoft|bb|gel|paintball|[0-9]{1,3}|[a-z]{1,6}|[ .,\n]|ш|é){0,40}",
        ) {
            check_excluded(&text)?;
        }
    }

    /// Every occurrence `for_each_term` reports, against the library's overlapping search
    /// over the same patterns.
    fn check_terms(text: &str) -> Result<(), TestCaseError> {
        let c = compiled();
        let ac = aho_corasick::AhoCorasick::new(&c.term_strings).expect("builds");
        let reference: Vec<(usize, usize, usize)> = ac
            .find_overlapping_iter(text)
            .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
            .collect();
        let mut got = Vec::new();
        for_each_term(
            c.automaton.as_ref().expect("terms"),
            text.as_bytes(),
            |p, s, e| got.push((p, s, e)),
        );
        prop_assert_eq!(got, reference, "in {:?}", text);
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        /// The hand walk of the term automaton finds the occurrences the library's overlapping
        /// iterator finds, in the same order, on text made of terms and exclude literals (many
        /// overlapping: `pistol`/`pistolj`, a term inside another) glued by a few characters.
        #[test]
        fn term_walk_as_overlapping_iter(
            parts in proptest::collection::vec((0usize..100_000, "[a-z .,0-9\\-]{0,3}|ш|é|€"), 0..24),
        ) {
            let terms = &compiled().term_strings;
            let text: String = parts
                .iter()
                .map(|(i, glue)| format!("{}{glue}", terms[i % terms.len()]))
                .collect();
            check_terms(&text)?;
        }
    }

    #[test]
    fn required_literals_of_patterns() {
        let lits = |p: &str, terms: &[&str]| {
            let terms: Vec<String> = terms.iter().map(|t| (*t).to_owned()).collect();
            let hir = regex_syntax::Parser::new().parse(p).expect("parses");
            crate::compile::required_literals(&hir, &terms).map(|set| {
                set.into_iter()
                    .map(|l| String::from_utf8(l).expect("utf-8"))
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(lits("ab|cd", &[]), Some(vec!["ab".into(), "cd".into()]));
        assert_eq!(lits("a*", &[]), None);
        assert_eq!(lits("(?:ab)?c+", &[]), Some(vec!["c".into()]));
        assert_eq!(lits(r"\b[a-z]+\b", &[]), None);
        // The term's own literal is passed over for the other part.
        assert_eq!(
            lits(r"(?:pistol|pishtol)[a-z]*\s+(?:glue|uji)", &["pistol"]),
            Some(vec!["glue".into(), "uji".into()])
        );
        assert_eq!(
            lits(r"(?:pistol|pishtol)[a-z]*\s+(?:glue|uji)", &[]),
            Some(vec!["pistol".into(), "pishtol".into()])
        );
    }

    #[test]
    fn max_chars_counts_characters() {
        let m = |p: &str| max_chars(&regex_syntax::Parser::new().parse(p).expect("parses"));
        assert_eq!(m(r"\b\d{2,3}\s?eur\b"), Some(7));
        assert_eq!(m(r"€|ab"), Some(2));
        assert_eq!(m(r"(?:\+\s?)?\b\d[\d \t\-./()]{6,20}\d\b"), Some(24));
        assert_eq!(m(r"a+"), None);
        // Text-end assertions hold at a window's end: no window for them.
        assert_eq!(m(r"\d{3}$"), None);
        assert_eq!(m(r"(?m)\d{3}$"), None);
        assert_eq!(m(r"\d{3}\z"), None);
        assert_eq!(m(r"^\d{3}"), Some(3));
    }

    #[test]
    fn whole_text_matches_near_cyrillic() {
        for hay in [
            "Објавено: 24.11.2026 · Куманово\nCena: 280€ тел 070 123 456",
            "тел:070123456ш 071-222-333 +389 70 123 456 Цена 3.500 ден",
            "ш1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa 9x19 кал.12 .22lr",
        ] {
            check(hay).expect("same matches");
        }
    }

    /// The prefilter sets answer as a `RegexSet` of the same boundary-free patterns (which they
    /// replaced), or report every pattern when their lazy DFA gave up; and they report every
    /// rule whose real pattern matches `hay`.
    fn check_prefilter(hay: &str) -> Result<(), TestCaseError> {
        let c = compiled();
        for (which, set) in [
            (&c.whole_folded, c.folded_set.as_ref()),
            (&c.whole_original, c.original_set.as_ref()),
        ] {
            let set = set.expect("prefilter built");
            let got = set.matches(hay);
            let relaxed: Vec<String> = which
                .iter()
                .map(|&ri| {
                    crate::boundary::without_boundaries(
                        c.rules[ri].spec.pattern.as_deref().expect("pattern"),
                    )
                })
                .collect();
            let reference = regex::RegexSet::new(&relaxed).expect("set").matches(hay);
            // The lazy DFA may give up on a cache that many diverse texts have filled (as the
            // thousands of texts of these tests do): it then reports every pattern.
            let gave_up = (0..which.len()).all(|k| got.matched(k));
            for (k, &ri) in which.iter().enumerate() {
                let rule = &c.rules[ri];
                if !gave_up {
                    prop_assert_eq!(
                        got.matched(k),
                        reference.matched(k),
                        "rule {}",
                        rule.spec.id
                    );
                }
                if rule.regex.as_ref().expect("pattern").is_match(hay) {
                    prop_assert!(
                        got.matched(k),
                        "rule {} matches but not reported",
                        rule.spec.id
                    );
                }
            }
        }
        Ok(())
    }

    #[test]
    fn prefilter_reports_matching_rules() {
        for hay in [
            "",
            "Cena: 280€ тел 070 123 456",
            "9mm para, 7.62x39 cal.12 .22lr 350 eur",
            "btc 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa https://t.me/prodavac_1 mail@example.com",
            "0x52908400098527886E0F7030069857D2E4169EE7 signal: ab_cd.1234 wickr: x_y",
            "-----BEGIN PGP PUBLIC KEY BLOCK-----\nabc\n-----END PGP PUBLIC KEY BLOCK-----",
        ] {
            check_prefilter(hay).expect("prefilter is a superset");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        /// The prefilters on ad-like text, with identifiers (base58 and hex runs, links, e-mail
        /// addresses, handles) beside prices and calibres.
        #[test]
        fn prefilter_reports_what_patterns_match(
            hay in "(?:[0-9]{1,4}|[ .,:/()+\\-]|\n|€|·|eur|den|lek|din|usd|\\$|btc|xmr|monero|mm|x|9x19|7[.,]62|\\.22|lr|acp|kal\\.?|ga|тел|Цена|ш|@[a-z_]{1,8}|[a-zA-Z]{1,4}|[1-9A-HJ-NP-Za-km-z]{4,12}|0x[0-9a-f]{4,8}|[0-9a-f]{4,16}|https?://|t\\.me/|wa\\.me/|\\.onion|signal|wickr|threema|pgp|fpr|é){0,60}",
        ) {
            check_prefilter(&hay)?;
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        /// The whole-text rules find the same matches and groups as `captures_iter` of their
        /// patterns, on ad-like text that mixes digits, separators, currency words and Cyrillic
        /// (so that both the ASCII-exact path and the per-candidate windows run).
        #[test]
        fn whole_text_matches_as_captures_iter(
            hay in "(?:[0-9]{1,4}|[ .,:/()+\\-]|\\n|€|·|eur|euro|den|lek|din|usd|\\$|btc|xmr|mm|x|9x19|7[.,]62|\\.22|lr|acp|kal\\.?|ga|тел|Цена|ш|Куманово|@[a-z_]{1,6}|[a-zA-Z]{1,4}|0x[0-9a-f]{3}|1[1-9A-Za-z]{3}|T[a-z]{2}|é|[٣０\u{a0}₿]|threema id: |wickr: |signal: ){0,40}",
        ) {
            check(&hay)?;
        }
    }

    proptest! {
        /// The window's end, found at once over ASCII, is the end of character `n` after `at`
        /// counted one by one.
        #[test]
        fn window_end_counts_characters(t in "[a-z0-9 ш€é🔫]{0,30}", at in 0usize..40, n in 0usize..12) {
            let at = floor(&t, at);
            let counted = t[at..]
                .char_indices()
                .nth(n + 1)
                .map_or(t.len(), |(i, _)| at + i);
            prop_assert_eq!(window_end(&t, at, n), counted);
        }
    }

    /// The rules whose group is read off the match (`spancaps`): every price rule with one
    /// amount group and the Telegram handle; not the rules whose prefix can consume the group's
    /// characters (`threema` before `[A-Z0-9*]{8}`), nor `price.usd` (two groups).
    #[test]
    fn span_caps_apply_where_the_shape_allows() {
        let c = compiled();
        let with: Vec<&str> = c
            .rules
            .iter()
            .filter(|r| r.span_caps.is_some())
            .map(|r| r.spec.id.as_str())
            .collect();
        for id in [
            "price.eur",
            "price.eur_prefix",
            "price.mkd",
            "price.rsd",
            "price.all",
            "price.btc",
            "price.xmr",
            "id.telegram.handle",
        ] {
            assert!(with.contains(&id), "{id} in {with:?}");
        }
        for id in [
            "price.usd",
            "id.threema",
            "id.wickr",
            "id.signal",
            "id.pgp_fingerprint.labelled",
        ] {
            assert!(!with.contains(&id), "{id} in {with:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]
        /// Every rule whose group is read off the match reads the group `captures_iter` gives,
        /// on text with prices, handles, Unicode digits (`٣`, `０`) and spaces (no-break), and
        /// so do shapes written for the test: the group at the start, with a prefix, nested
        /// groups inside it, alternatives and optional parts.
        #[test]
        fn span_caps_read_the_group_as_captures(
            hay in "(?:[0-9]{1,4}|[ .,:/()+\\-]|\\n|€|eur|euro|den|lek|btc|₿|xmr|[٣０\u{a0}]|@[a-z_]{1,6}|[a-zA-Z]{1,4}|é|ш|x){0,40}",
        ) {
            let c = compiled();
            let extra: Vec<(String, SpanCaps)> = [
                r"\b(?P<n>\d+(?:[.,]\d{1,2})?)\s?(?:eur|€)",
                r"(?:€|lek)\s?(?P<n>\d(?:\d| \d)*)\b",
                r"-?(?P<n>[a-z]+(?:@[a-z]+)?)\d",
                r"[^\w@](?P<h>@[a-z]{2,}|@_)\b",
                // The example of docs/RULES.md, "What a rule costs".
                r"\b(?P<amount>\d[\d.,]*\d|\d)\s?(?:€|eur)",
            ]
            .into_iter()
            .map(|p| (p.to_owned(), SpanCaps::new(p).expect("the shape")))
            .collect();
            let mut cases: Vec<(&Regex, &SpanCaps)> = c
                .rules
                .iter()
                .filter_map(|r| Some((r.regex.as_ref()?, r.span_caps.as_ref()?)))
                .collect();
            let built: Vec<Regex> = extra.iter().map(|(p, _)| Regex::new(p).expect("regex")).collect();
            cases.extend(built.iter().zip(&extra).map(|(re, (_, sc))| (re, sc)));
            for (re, sc) in cases {
                for caps in re.captures_iter(&hay) {
                    let m = caps.get(0).expect("match");
                    let g = caps.get(1).map(|g| (g.start(), g.end()));
                    prop_assert_eq!(sc.group(&hay, m.start(), m.end()), g, "pattern {}", re.as_str());
                }
            }
        }
    }

    /// Shapes the reader must refuse: the group's characters can also be consumed before or
    /// after it, the group can be empty, it is repeated or inside an alternative, or there are two.
    #[test]
    fn span_caps_refuse_other_shapes() {
        for p in [
            r"\d(?P<n>\d+)",
            r"(?P<n>\d+)x?\d",
            r"(?P<n>\d*)eur",
            r"(?:(?P<n>\d)x)+",
            r"(?P<n>\d)eur|x",
            r"(?P<a>\d+)eur(?P<b>\d)",
            r"(?i:threema)\s?(?P<id>[A-Z0-9*]{8})\b",
            r"eur",
            // The counter-example of docs/RULES.md.
            r"(?P<n>\d+)\s?\d*x",
        ] {
            assert!(SpanCaps::new(p).is_none(), "{p}");
        }
    }
}
