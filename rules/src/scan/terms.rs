//! The term pass: the term automaton walked over the folded text, and the patterns searched near
//! its hits.

use std::borrow::Cow;
use std::ops::Range;

use super::Hit;
use super::entity::{make_entity, push_caps};
use super::found::Found;
use super::seen::Seen;
use super::text::{ceil, floor, word_at, word_before};
use crate::boundary::ascii_boundaries_exact;
use crate::compile::{CompiledRule, TermTable};
use crate::ident::Region;
use crate::normalize::Normalized;

/// One near search that found a match, as `NearMemo` remembers it.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct NearSearch {
    pub(super) rule: usize,
    /// Where the search started.
    pub(super) from: usize,
    /// The match it found.
    pub(super) start: usize,
    pub(super) end: usize,
    /// The end of the haystack it searched.
    pub(super) hay_end: usize,
}

/// The last match that each of a few rules' near searches passed to `push_caps`
/// ([`NearSearch`]). A later term hit of the same rule whose search would start between that
/// search's start and the match start finds that same match first: no match starts in between
/// (it was the leftmost one), and which match starts at a position does not depend on where
/// the search began. When its haystack is the same, or both haystacks reach past everything a
/// match starting there can look at (its longest length and one character), the match and its
/// groups are the same; if it covers the rest of the new hit (or starts after it), `near_hit`
/// would push it again (already seen: nothing) and stop. So that search is skipped: "zastava
/// m70" hits one rule twice, and many hits repeat.
pub(super) struct NearMemo {
    last: [NearSearch; Self::LEN],
    len: usize,
}

impl NearMemo {
    /// Rules remembered (the oldest is replaced): bounded, so that a page of hits stays linear.
    const LEN: usize = 4;

    pub(super) fn new() -> Self {
        Self {
            last: [NearSearch::default(); Self::LEN],
            len: 0,
        }
    }

    pub(super) fn remember(&mut self, search: NearSearch) {
        let live = &mut self.last[..self.len];
        if let Some(slot) = live.iter_mut().find(|e| e.rule == search.rule) {
            *slot = search;
        } else if self.len < Self::LEN {
            self.last[self.len] = search;
            self.len += 1;
        } else {
            self.last.rotate_left(1);
            self.last[Self::LEN - 1] = search;
        }
    }

    /// Whether the near search of rule `ri` for `hit` over `ws..we` would only find a match
    /// already pushed, as above (`max_bytes`: the rule's longest match).
    pub(super) fn covers(
        &self,
        ri: usize,
        max_bytes: Option<usize>,
        hit: &Range<usize>,
        ws: usize,
        we: usize,
    ) -> bool {
        self.last[..self.len].iter().any(|s| {
            s.rule == ri
                && s.from <= ws
                && ws <= s.start
                && s.end > s.start
                && (s.end >= hit.end || s.start >= hit.end)
                && (s.hay_end == we
                    || max_bytes.is_some_and(|n| s.start + n + 4 <= s.hay_end.min(we)))
        })
    }
}

/// Calls `f(pattern, start, end)` for every occurrence of every pattern of the term automaton
/// in `hay`, in the order of `AhoCorasick::find_overlapping_iter` (by end, then as the match
/// state lists them): the same overlapping search, walked over the automaton's plain table
/// ([`TermTable`]) by [`walk_to_match`].
#[inline(always)]
pub(super) fn for_each_term(t: &TermTable, hay: &[u8], mut f: impl FnMut(usize, usize, usize)) {
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
pub(super) fn walk_to_match(
    t: &TermTable,
    hay: &[u8],
    from: usize,
    row: &mut u32,
) -> Option<usize> {
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

/// Pushes the hit of a rule without a pattern at its term's folded range `f`, its entity made
/// straight into the pushed hit (no copy through a local).
#[inline]
pub(super) fn push_literal_hit(
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
#[inline]
pub(super) fn near_window(text: &str, rule: &CompiledRule, hit: &Range<usize>) -> (usize, usize) {
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
pub(super) fn near_hit(
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
        let found = match &rule.group_reader {
            Some(gr) if rule.needs_groups => {
                re.find_at(hay, pos).map(|m| Found::read(gr, re, hay, m))
            }
            _ => Found::at(re, hay, pos, rule.needs_groups),
        };
        let Some(found) = found else { break };
        let Some(m) = found.whole() else { break };
        if m.start() >= hit.end {
            break;
        }
        if m.end() > hit.start {
            push_caps(ri, rule, &found, original, Some(norm), region, seen, hits);
            if let Some(memo) = memo.as_deref_mut() {
                memo.remember(NearSearch {
                    rule: ri,
                    from: pos,
                    start: m.start(),
                    end: m.end(),
                    hay_end: we,
                });
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
