//! Whole-text rules: patterns without terms, searched over the whole folded or original text,
//! skipped where the prefilter saw no match, decided candidate by candidate where that is cheaper.

use regex::Regex;

use super::Hit;
use super::entity::push_caps;
use super::found::{Found, Piece};
use super::seen::Seen;
use super::text::{ceil, floor, is_continuation};
use crate::boundary::ascii_boundaries_exact;
use crate::compile::{Compiled, CompiledRule};
use crate::ident::Region;
use crate::normalize::Normalized;
use crate::prefilter::{Matched, RelaxedSet};

/// Runs the rules without terms over `hay` (the folded text when `norm` is given, else the
/// original), skipping those whose relaxed pattern the prefilter `set` did not find.
#[allow(clippy::too_many_arguments)]
pub(super) fn whole_text_rules(
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
#[inline]
pub(super) fn for_each_match(
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
#[inline]
pub(super) fn candidate_window<'r, 'h>(
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
#[inline]
pub(super) fn window_end(hay: &str, at: usize, n: usize) -> usize {
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
pub(super) fn anchored_at<'h>(
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
    Some(Found::Span(Piece::of(window, m.start(), m.end())))
}
