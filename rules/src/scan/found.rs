//! One match of a rule's pattern as the scan sees it ([`Found`]): the capture groups, the whole
//! match alone, or the whole match with its one group read off by the rule's [`SpanCaps`].

use std::ops::Range;

use regex::{Captures, Match, Regex};

use crate::compile::CompiledRule;
use crate::groupread::{GroupReader, MAX_GROUPS};
use crate::spancaps::SpanCaps;

/// One match of a rule's pattern: with its capture groups when the rule reads them, else the
/// whole match alone (found by the DFA, without running a capture engine).
pub(super) enum Found<'h> {
    Groups(Captures<'h>),
    Whole(Match<'h>),
    /// The whole match alone, found by an anchored search.
    Span(Piece<'h>),
    /// The whole match and its one group, read off the match by the rule's [`SpanCaps`].
    One(Match<'h>, Piece<'h>),
    /// The whole match and its groups (1, 2 …), read off the match by the rule's
    /// [`GroupReader`] (None: the group took no part in the match).
    Read(Match<'h>, [Option<Piece<'h>>; MAX_GROUPS]),
}

/// A matched piece of a haystack (a group or the whole match): its text and where it starts.
#[derive(Debug, Clone, Copy)]
pub(super) struct Piece<'h> {
    text: &'h str,
    start: usize,
}

impl<'h> Piece<'h> {
    /// The piece `start..end` of `hay` (char boundaries).
    #[inline]
    pub(super) fn of(hay: &'h str, start: usize, end: usize) -> Self {
        Piece {
            text: &hay[start..end],
            start,
        }
    }

    #[inline]
    pub(super) fn start(&self) -> usize {
        self.start
    }

    #[inline]
    pub(super) fn end(&self) -> usize {
        self.start + self.text.len()
    }

    #[inline]
    pub(super) fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    #[inline]
    pub(super) fn range(&self) -> Range<usize> {
        self.start..self.end()
    }

    #[inline]
    pub(super) fn as_str(&self) -> &'h str {
        self.text
    }
}

impl<'h> From<Match<'h>> for Piece<'h> {
    #[inline]
    fn from(m: Match<'h>) -> Self {
        Piece {
            text: m.as_str(),
            start: m.start(),
        }
    }
}

impl<'h> Found<'h> {
    /// The next match of `re` at or after `start` in `hay`, with groups only if `groups`.
    #[inline]
    pub(super) fn at(re: &Regex, hay: &'h str, start: usize, groups: bool) -> Option<Self> {
        if groups {
            re.captures_at(hay, start).map(Self::Groups)
        } else {
            re.find_at(hay, start).map(Self::Whole)
        }
    }

    /// [`Found::at`] for a whole-text rule: when it reads groups and has a [`SpanCaps`], the
    /// match is found without groups (the DFAs alone) and its group read off it.
    #[inline]
    pub(super) fn of_rule(
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
    #[inline]
    pub(super) fn with_groups(sc: &SpanCaps, re: &Regex, hay: &'h str, m: Match<'h>) -> Self {
        match sc.group(hay, m.start(), m.end()) {
            Some((start, end)) => Self::One(m, Piece::of(hay, start, end)),
            None => Self::captured(re, hay, m),
        }
    }

    /// The match `m` of `re` in `hay` (found by a leftmost-first search) with its groups read
    /// off by `gr`, else (a step that finds the text not as it expects: the property test finds
    /// none) from the capture search at the match's start, as in [`Found::with_groups`].
    #[inline]
    pub(super) fn read(gr: &GroupReader, re: &Regex, hay: &'h str, m: Match<'h>) -> Self {
        match gr.read(hay, m.start(), m.end()) {
            Some(groups) => Self::Read(
                m,
                groups.map(|g| g.map(|(start, end)| Piece::of(hay, start, end))),
            ),
            None => Self::captured(re, hay, m),
        }
    }

    /// The match `m` with its groups from the regex crate's capture search at its start, which
    /// finds the same match (see [`Found::with_groups`]).
    fn captured(re: &Regex, hay: &'h str, m: Match<'h>) -> Self {
        re.captures_at(hay, m.start())
            .map_or(Self::Whole(m), Self::Groups)
    }

    #[inline]
    pub(super) fn whole(&self) -> Option<Piece<'h>> {
        self.get(0)
    }

    #[inline]
    pub(super) fn get(&self, group: usize) -> Option<Piece<'h>> {
        match self {
            Self::Groups(c) => c.get(group).map(Piece::from),
            Self::Whole(m) => (group == 0).then(|| Piece::from(*m)),
            Self::Span(p) => (group == 0).then_some(*p),
            Self::One(m, g) => match group {
                0 => Some(Piece::from(*m)),
                1 => Some(*g),
                _ => None,
            },
            Self::Read(m, groups) => match group {
                0 => Some(Piece::from(*m)),
                g => groups.get(g - 1).copied().flatten(),
            },
        }
    }
}
